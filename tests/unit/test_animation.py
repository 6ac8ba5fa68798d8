"""animation: keep. Outputs compared frame by frame with references composited independently: GIFs written
byte by byte from the GIF89a spec and composited pixel by pixel (pipeline_dev.samples), APNG and WebP
animations from the full frames they were made of. Outputs are lossy WebP: flat patches, so a mean error of a
few levels is the encoder's; a wrong composite (a smear, a missing clear) is off by hundreds."""

from __future__ import annotations

import io

import pytest
from image_resizer.errors import ConfigurationError, ImageTooLargeError
from image_resizer.imaging.encode import mark_webp_alpha
from image_resizer.imaging.render import render
from image_resizer.limits import Limits
from image_resizer.variants import parse_variants
from PIL import Image, ImageChops, ImageDraw, ImageStat
from pipeline_dev import samples

PALETTE = [(240, 240, 240), (200, 30, 30), (30, 30, 200), (30, 180, 30)]
SIZE = (120, 80)
KEEP = parse_variants({"anim": {"width": 60, "height": 60, "animation": "keep", "quality": 90}})


def flat(width, height, index):
    return bytes([index]) * (width * height)


def gif_with(disposal: int) -> list[samples.GifFrame]:
    w, h = SIZE
    holes = bytes([2 if (i % 4) else 9 for i in range(40 * 20)])  # every fourth pixel transparent
    return [
        samples.GifFrame(0, 0, w, h, flat(w, h, 0), disposal=1),
        samples.GifFrame(10, 10, 40, 20, flat(40, 20, 1), disposal=disposal, delay_cs=7),
        samples.GifFrame(40, 30, 40, 20, holes, disposal=disposal, transparent=9, delay_cs=0),
        samples.GifFrame(70, 50, 40, 24, flat(40, 24, 3), disposal=disposal, delay_cs=25),
    ]


def output_frames(data: bytes) -> list[tuple[Image.Image, int]]:
    image = Image.open(io.BytesIO(data))
    frames = []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        frames.append((image.convert("RGBA"), image.info.get("duration", 0)))
    return frames


def on_grey(image: Image.Image) -> Image.Image:
    """Transparent pixels are compared as what a page would show through them."""
    background = Image.new("RGBA", image.size, (128, 128, 128, 255))
    return Image.alpha_composite(background, image.convert("RGBA")).convert("RGB")


def mean_error(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(on_grey(a), on_grey(b))).mean) / 3


@pytest.mark.parametrize("disposal", [0, 1, 2, 3])
def test_gif_frames_are_composited_before_resizing(disposal):
    frames = gif_with(disposal)
    data = samples.gif_from_frames(SIZE, PALETTE, frames, loop=3)
    reference = samples.composite_gif_frames(SIZE, PALETTE, frames)
    (variant,) = render(data, KEEP).variants
    assert (variant.format, variant.frames) == ("webp", 4) and variant.extension == "webp"
    got = output_frames(variant.data)
    assert [duration for _, duration in got] == [100, 70, 0, 250]  # the zero-delay frame stays zero
    assert Image.open(io.BytesIO(variant.data)).info["loop"] == 3
    for index, (frame, _) in enumerate(got):
        expected = reference[index].resize(frame.size, Image.Resampling.LANCZOS)
        assert mean_error(frame, expected) < 8, (disposal, index)  # a wrong composite measures 35


def test_the_default_stays_the_first_frame():
    data = samples.gif_from_frames(SIZE, PALETTE, gif_with(1))
    specs = parse_variants({"still": {"width": 60, "height": 60, "format": "png"}})
    (variant,) = render(data, specs).variants
    assert variant.frames == 1 and getattr(Image.open(io.BytesIO(variant.data)), "n_frames", 1) == 1


def moving_box(mode: str, count: int = 4) -> list[Image.Image]:
    frames = []
    for index in range(count):
        frame = Image.new(mode, SIZE, (0, 0, 0, 0) if mode == "RGBA" else (240, 240, 240))
        ImageDraw.Draw(frame).rectangle(
            (10 + 20 * index, 20, 40 + 20 * index, 60), fill=(200, 30, 30, 255)[: len(mode)]
        )
        frames.append(frame)
    return frames


def test_a_transparent_webp_animation_keeps_its_alpha_and_timing():
    frames = moving_box("RGBA")
    data = samples.encode(
        frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=[100, 0, 60, 80], lossless=True
    )
    data = mark_webp_alpha(data)  # as gif2webp and img2webp write it (Pillow leaves the flag clear)
    (variant,) = render(data, KEEP).variants
    got = output_frames(variant.data)
    assert [duration for _, duration in got] == [100, 0, 60, 80]
    for index, (frame, _) in enumerate(got):
        assert frame.getpixel((0, 0))[3] == 0  # transparency survives
        assert mean_error(frame, frames[index].resize(frame.size, Image.Resampling.LANCZOS)) < 8


def test_an_apng_is_kept_animated_as_gif_when_asked():
    frames = moving_box("RGBA")
    data = samples.encode(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=50, loop=0, disposal=1)
    specs = parse_variants(
        {"gif": {"width": 60, "height": 60, "animation": "keep", "format": "gif", "key": "{stem}.{ext}"}}
    )
    (variant,) = render(data, specs).variants
    assert (variant.format, variant.content_type, variant.frames) == ("gif", "image/gif", 4)
    got = output_frames(variant.data)
    assert len(got) == 4 and all(duration == 50 for _, duration in got)
    for index, (frame, _) in enumerate(got):
        assert frame.getpixel((0, 0))[3] == 0
        assert mean_error(frame, frames[index].resize(frame.size, Image.Resampling.LANCZOS)) < 8  # 256 colours


def test_a_still_image_with_keep_is_rendered_as_today():
    data = samples.encode(samples.photo(300, 200), "PNG")
    (variant,) = render(data, KEEP).variants
    assert (variant.format, variant.frames) == ("png", 1)


def test_frames_beyond_the_budget_are_refused_before_decoding():
    w, h = 8, 8
    frames = [samples.GifFrame(0, 0, w, h, flat(w, h, i % 4), delay_cs=1) for i in range(1000)]
    data = samples.gif_from_frames((w, h), PALETTE, frames)
    with pytest.raises(ImageTooLargeError, match="1000 frames; the budget is 300 frames"):
        render(data, KEEP)


def test_decoded_pixels_beyond_the_budget_are_refused():
    frames = [samples.GifFrame(0, 0, 100, 100, flat(100, 100, i % 4)) for i in range(12)]
    data = samples.gif_from_frames((100, 100), PALETTE, frames)
    with pytest.raises(ImageTooLargeError, match="decoded pixels"):
        render(data, KEEP, Limits(max_source_pixels=10_000))  # budget: 10 frames of 10,000 pixels


def test_animation_is_validated_and_hashed():
    with pytest.raises(ConfigurationError, match="animation"):
        parse_variants({"v": {"width": 10, "height": 10, "animation": "all"}})
    with pytest.raises(ConfigurationError, match="writes one of"):
        parse_variants({"v": {"width": 10, "height": 10, "animation": "keep", "format": "jpeg"}})
    with pytest.raises(ConfigurationError, match="only with animation 'keep'"):
        parse_variants({"v": {"width": 10, "height": 10, "format": "gif"}})
    (first,) = parse_variants({"v": {"width": 10, "height": 10}})
    (keep,) = parse_variants({"v": {"width": 10, "height": 10, "animation": "keep"}})
    assert first.animation == "first" and first.settings_hash != keep.settings_hash
