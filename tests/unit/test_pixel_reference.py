"""Every variant against an independent reference: Pillow's LANCZOS on the full decode, turned upright by
``ImageOps.exif_transpose`` and cropped by a centre box computed here, not by ``geometry.place``.

Threshold: 40 dB PSNR. Two correct LANCZOS paths (DCT-scaled decode plus LANCZOS, against a full decode plus
LANCZOS) measure 49-55 dB on these pictures; 40 dB is an RMS error of 2.6 levels in 255, below what a viewer
sees at thumbnail size. The defect this guards against (the reduced decode stretched over the full source)
measured 26-34 dB on the same sizes, so the threshold separates the two by a wide margin on either side.
Outputs are PNG so that no encoder loss enters the comparison.
"""

from __future__ import annotations

import io
import math

import pytest
from image_resizer.imaging.render import render
from image_resizer.variants import parse_variants
from PIL import Image, ImageChops, ImageOps, ImageStat
from pipeline_dev import samples

MIN_PSNR_DB = 40.0

SPECS = parse_variants(
    {
        "thumb": {"width": 200, "height": 200, "format": "png", "key": "thumb/{dir}{stem}.{ext}"},
        "wide": {"width": 160, "height": 90, "fit": "cover", "format": "png", "key": "wide/{dir}{stem}.{ext}"},
        "square": {"width": 120, "height": 120, "fit": "cover", "format": "png", "key": "square/{dir}{stem}.{ext}"},
    }
)
# Large enough for the strip-parallel resample (>= 250,000 output pixels) after a DCT-scaled decode.
STRIPS_SPECS = parse_variants(
    {
        "large": {"width": 1000, "height": 1000, "format": "png", "key": "large/{dir}{stem}.{ext}"},
        "thumb": {"width": 200, "height": 200, "format": "png", "key": "thumb/{dir}{stem}.{ext}"},
    }
)

AWKWARD_SIZES = [
    (1, 1),
    (1, 997),
    (997, 1),
    (13, 997),
    (997, 13),
    (211, 157),  # primes, smaller than the box
    (1009, 757),  # primes
    (1000, 750),
    (1650, 1250),
    (1700, 1275),
    (1601, 1201),  # just above 8x the 200 px box
    (2001, 1335),  # just above the 8x draft threshold with the draft gap
    (1001, 667),  # just above the 4x one
    (503, 2011),
]


def psnr(ours: Image.Image, reference: Image.Image) -> float:
    assert ours.size == reference.size
    difference = ImageChops.difference(ours.convert("RGB"), reference.convert("RGB"))
    mean_square = sum(ImageStat.Stat(difference).sum2) / (3 * difference.width * difference.height)
    return math.inf if mean_square == 0 else 10 * math.log10(255**2 / mean_square)


def centre_box(fit: str, size: tuple[int, int], box: tuple[int, int]) -> tuple[float, float, float, float]:
    width, height = size
    if fit == "inside":
        return (0.0, 0.0, float(width), float(height))
    scale = max(box[0] / width, box[1] / height)
    crop_w, crop_h = (min(box[0], width), min(box[1], height)) if scale >= 1 else (box[0] / scale, box[1] / scale)
    crop_w, crop_h = min(crop_w, width), min(crop_h, height)
    left, top = (width - crop_w) / 2, (height - crop_h) / 2
    return (left, top, left + crop_w, top + crop_h)


def assert_matches_full_decode(data: bytes, specs) -> list[float]:
    with Image.open(io.BytesIO(data)) as opened:
        upright = ImageOps.exif_transpose(opened).convert("RGB")
    scores = []
    for variant in render(data, specs).variants:
        ours = Image.open(io.BytesIO(variant.data))
        spec = variant.spec
        box = centre_box(spec.fit, upright.size, (spec.width, spec.height))
        reference = upright.resize(ours.size, Image.Resampling.LANCZOS, box=box)
        score = psnr(ours, reference)
        assert score >= MIN_PSNR_DB, (spec.name, upright.size, ours.size, round(score, 1))
        scores.append(score)
    return scores


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize(("width", "height"), AWKWARD_SIZES, ids=str)
def test_every_fit_and_orientation_matches_a_full_decode(width, height, orientation):
    data = samples.oriented_jpeg(orientation, upright=samples.photo(width, height))
    assert_matches_full_decode(data, SPECS)


@pytest.mark.parametrize("orientation", [1, 6, 8])
def test_strip_parallel_resample_after_a_dct_scaled_decode(orientation):
    data = samples.oriented_jpeg(orientation, upright=samples.photo(2599, 1951))
    assert_matches_full_decode(data, STRIPS_SPECS)


@pytest.mark.parametrize("orientation", [1, 6])
@pytest.mark.parametrize(("width", "height"), [(2003, 1337), (1870, 2650)], ids=str)
def test_a_three_eighths_dct_decode_matches_a_full_decode(width, height, orientation):
    """Sizes where the 560 px variant is decoded at 3/8 (ceil(2003 * 3 / 8) = 752 covers 560 x DRAFT_GAP)."""
    data = samples.oriented_jpeg(orientation, upright=samples.photo(width, height))
    specs = parse_variants({"large": {"width": 560, "height": 560, "format": "png", "key": "large/{dir}{stem}.{ext}"}})
    assert_matches_full_decode(data, specs)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_formats_without_a_scaled_decode_match_too(fmt):
    data = samples.encode(samples.photo(1701, 1277), fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    assert_matches_full_decode(data, SPECS)


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
@pytest.mark.parametrize(
    ("width", "height"), [(1009, 757), (1701, 1277), (997, 13), (503, 2011), (2001, 1335)], ids=str
)
def test_webp_through_libwebps_scaler_matches_a_full_decode(width, height, orientation):
    """libwebp's scaler averages areas of the Y, U and V planes and then converts, without the full decode's
    'fancy' chroma upsampling: luma is as close to the reference as after a DCT-scaled JPEG (45 dB: 46-54
    measured), chroma less so on these saturated synthetic edges (38.8-46 dB measured; a geometry defect would
    show in luma, 26-34 dB), and the whole stays above 80 on SSIMULACRA 2's scale, "not distinguishable side by
    side" (84.8-93.9 measured; a real 12 MP photo's 1600 px variant scores 90.8)."""
    from image_resizer.imaging.quality import ssimulacra2

    data = samples.oriented_jpeg(orientation, upright=samples.photo(width, height), fmt="WEBP")
    with Image.open(io.BytesIO(data)) as opened:
        upright = ImageOps.exif_transpose(opened).convert("RGB")
    for variant in render(data, SPECS).variants:
        ours = Image.open(io.BytesIO(variant.data)).convert("RGB")
        box = centre_box(variant.spec.fit, upright.size, (variant.spec.width, variant.spec.height))
        reference = upright.resize(ours.size, Image.Resampling.LANCZOS, box=box)
        luma, blue, red = (
            psnr(Image.merge("RGB", [a] * 3), Image.merge("RGB", [b] * 3))
            for a, b in zip(ours.convert("YCbCr").split(), reference.convert("YCbCr").split(), strict=True)
        )
        assert luma >= 45 and min(blue, red) >= 38, (variant.spec.name, ours.size, luma, blue, red)
        assert ssimulacra2.score(reference, ours) >= 80, variant.spec.name
