"""quality "auto" and format "best": outputs meet the target (scored again by the independent implementation),
the quality found is the lowest that does, the search respects its cap, "best" is no larger than a brute-force
scan finds, alpha never goes to JPEG, and a source that no encoder beats is stored as it is, less metadata."""

from __future__ import annotations

import io
import random
from dataclasses import replace

import pytest
from image_resizer.imaging.encode import Tuning, encode
from image_resizer.imaging.quality import search as search_module
from image_resizer.imaging.quality import ssimulacra2
from image_resizer.imaging.render import render
from image_resizer.variants import parse_variants
from PIL import Image, ImageChops, ImageDraw, ImageFilter, PngImagePlugin
from pipeline_dev import samples

# The independent implementation may read a point lower or higher than ours (tests/unit/test_ssimulacra2.py).
AGREEMENT = 1.0


def textured(width: int = 480, height: int = 320, seed: int = 3) -> Image.Image:
    base = samples.photo(width, height, seed=seed)
    noise = random.Random(seed).randbytes(width * height)
    grain = Image.frombytes("L", (width, height), noise).filter(ImageFilter.GaussianBlur(0.7)).convert("RGB")
    return ImageChops.blend(base, grain, 0.15)


def decoded(data: bytes, mode: str = "RGB") -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert(mode)


def independent_score(original: Image.Image, data: bytes, tmp_path) -> float:
    from ssimulacra2 import compute_ssimulacra2

    original.save(tmp_path / "original.png")
    decoded(data, original.mode).save(tmp_path / "distorted.png")
    return float(compute_ssimulacra2(str(tmp_path / "original.png"), str(tmp_path / "distorted.png")))


def one_variant(data: bytes, box: int = 240, **settings: object):
    specs = parse_variants({"v": {"width": box, "height": box, **settings}})
    return render(data, specs).variants[0]


@pytest.mark.parametrize("target", [70.0, 80.0, 88.0])
def test_auto_meets_the_target_with_the_lowest_quality_that_does(tmp_path, target):
    source = samples.encode(textured(960, 640), "PNG")
    # 384x256: every one of the six scales is 8 px or more, where the independent implementation agrees
    variant = one_variant(source, 384, format="jpeg", quality="auto", quality_target=target)
    pixels = one_variant(source, 384, format="png").data  # the same resample, losslessly: the search's reference
    reference = decoded(pixels)
    assert variant.format == "jpeg" and variant.quality is not None
    assert variant.score is not None and variant.score >= target
    assert independent_score(reference, variant.data, tmp_path) >= target - AGREEMENT
    chosen = search_module.search(reference, ("jpeg",), target)
    assert (chosen.data, chosen.quality) == (variant.data, variant.quality)  # the render's path is the search's
    one_lower = encode(reference, "jpeg", variant.quality - 1, tuning=replace(chosen.tuning, progressive=False))
    assert ssimulacra2.score(reference, decoded(one_lower)) < target  # nothing below it would have done


def test_a_higher_target_costs_more_bytes():
    source = samples.encode(textured(960, 640), "PNG")
    sizes = [len(one_variant(source, format="webp", quality="auto", quality_target=t).data) for t in (65, 80, 90)]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1] / 1.5


def test_the_search_stops_at_its_cap(monkeypatch):
    calls: list[tuple[str, int]] = []
    real = search_module.encode

    def counting(image, output_format, quality, icc_profile=None, tuning=None):
        tuning = tuning or Tuning()
        calls.append((tuning, quality))
        return real(image, output_format, quality, icc_profile, tuning)

    monkeypatch.setattr(search_module, "encode", counting)
    monkeypatch.setattr(search_module, "seed", lambda *_: 20)  # as far from a target of 95 as the range allows
    search_module.search(textured(), ("jpeg",), 95.0)
    for tuning in search_module.TUNINGS["jpeg"]:  # the second only where the first cannot reach the target
        assert len([call for call in calls if call[0] == tuning]) <= search_module.MAX_ENCODES
    assert len([call for call in calls if call[0].progressive]) <= 1  # the winner, re-encoded once


def brute_force_smallest(image: Image.Image, target: float) -> int:
    reference = ssimulacra2.Reference(image)
    sizes = []
    for output_format in search_module.lossy_candidates(False):
        for tuning in search_module.TUNINGS[output_format]:
            for quality in range(40, 101, 1):
                data = encode(image, output_format, quality, tuning=tuning)
                if reference.score(decoded(data)) >= target:
                    sizes.append(len(data))
                    break  # bytes grow with quality: the first passing one is this tuning's smallest
    return min(sizes)


def test_best_is_no_larger_than_a_brute_force_scan_of_every_format_and_quality():
    image = textured(200, 140)
    chosen = search_module.search(image, search_module.lossy_candidates(False), 80.0)
    assert chosen.score is not None and chosen.score >= 80.0
    # The search stops when the bracket is one quality step wide, so it finds the scan's answer; 3% allows
    # for the scan's order of formats picking a different one of two near-equal winners.
    assert len(chosen.data) <= brute_force_smallest(image, 80.0) * 1.03


def test_best_never_writes_alpha_to_jpeg_and_keeps_it():
    picture = textured(400, 300).convert("RGBA")
    ImageDraw.Draw(picture).ellipse((50, 50, 250, 250), fill=(0, 0, 0, 0))
    variant = one_variant(samples.encode(picture, "PNG"), format="best")
    assert variant.format in ("webp", "avif", "png")
    with Image.open(io.BytesIO(variant.data)) as image:
        assert image.mode in ("RGBA", "LA") and image.getchannel("A").getextrema()[0] == 0


def pixel_art() -> Image.Image:
    """Hard one-pixel detail in a few colours: what lossy codecs blur and lossless ones pack into little."""
    graphic = Image.new("RGB", (240, 160), (250, 250, 250))
    draw = ImageDraw.Draw(graphic)
    for x in range(0, 240, 2):
        draw.line((x, 0, x, 159), fill=(20, 20, 120) if x % 4 else (200, 30, 30))
    draw.rectangle((60, 40, 180, 120), fill=(250, 250, 250))
    draw.text((70, 70), "Quarterly report", fill=(0, 0, 0))
    return graphic


def test_best_writes_pixel_art_losslessly_and_small():
    source = samples.encode(pixel_art(), "PNG")
    best = one_variant(source, format="best")
    fixed = one_variant(source, format="jpeg", quality=82)
    assert best.quality is None and best.score == 100.0  # a lossless candidate won
    assert len(best.data) < len(fixed.data) / 2
    assert best.facts()["score"] == 100.0 and best.facts()["format"] == best.format


def test_best_prefers_lossy_when_a_graphic_meets_the_target_in_fewer_bytes():
    graphic = Image.new("RGB", (480, 320), (250, 250, 250))
    draw = ImageDraw.Draw(graphic)
    for index in range(8):
        draw.ellipse((20 + 55 * index, 40, 70 + 55 * index, 280), fill=(30 * index, 90, 200 - 20 * index))
    source = samples.encode(graphic, "PNG")
    best = one_variant(source, format="best")
    lossless = min(
        len(encode(decoded(one_variant(source, format="png").data), f, 100, tuning=Tuning(lossless=True)))
        for f in ("png", "webp")
    )
    assert best.score is not None and best.score >= 80.0 and len(best.data) <= lossless


def test_the_chosen_format_names_the_extension_and_content_type():
    variant = one_variant(samples.encode(textured(), "PNG"), format="best")
    assert variant.extension == {"jpeg": "jpg", "webp": "webp", "avif": "avif", "png": "png"}[variant.format]
    assert variant.content_type == f"image/{variant.format}"
    facts = variant.facts()
    assert {"format", "quality", "score"} <= facts.keys()


def test_a_source_that_no_encoder_beats_is_kept_without_its_metadata():
    # A small JPEG already inside the box, at a low quality: re-encoding its (blocky) pixels to a score of 80
    # against themselves takes far more bytes than the file has.
    image = textured(200, 150)
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPS latitude
    source = samples.encode(image, "JPEG", quality=40, exif=exif.tobytes(), comment=b"private note")
    variant = one_variant(source, quality="auto", quality_target=90)
    assert variant.source_kept and variant.format == "jpeg" and variant.score == 100.0
    assert len(variant.data) < len(source)
    with Image.open(io.BytesIO(variant.data)) as kept, Image.open(io.BytesIO(source)) as original:
        assert not kept.getexif() and "comment" not in kept.info
        assert kept.tobytes() == original.convert("RGB").tobytes()  # the very same pixels
    assert variant.facts()["source_kept"] is True


def test_an_optimised_palette_png_is_kept_rather_than_re_encoded():
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "an editor that writes its name")
    source = samples.encode(pixel_art().quantize(16), "PNG", optimize=True, pnginfo=info)
    variant = one_variant(source, quality="auto")
    assert variant.source_kept and variant.format == "png" and len(variant.data) < len(source)
    assert b"tEXt" not in variant.data


def test_a_kept_source_needs_the_format_it_is_in():
    source = samples.encode(textured(200, 150), "JPEG", quality=40)
    variant = one_variant(source, format="webp", quality="auto")
    assert not variant.source_kept and variant.format == "webp"


def test_fixed_quality_variants_report_as_before():
    variant = one_variant(samples.encode(textured(), "PNG"), format="jpeg", quality=82)
    assert variant.score is None and "score" not in variant.facts() and "quality" not in variant.facts()


def test_an_image_too_small_for_the_metric_gets_the_default_quality_unscored():
    variant = one_variant(samples.encode(textured(200, 5), "PNG"), format="jpeg", quality="auto")
    assert (variant.height, variant.quality, variant.score) == (5, 82, None)
    assert variant.facts()["quality"] == 82 and "score" not in variant.facts()
