"""The source's own bytes less metadata: decoded pixels identical, metadata gone, what decoding needs kept."""

from __future__ import annotations

import io

import pytest
from image_resizer.imaging.strip import stripped
from PIL import Image, PngImagePlugin
from pipeline_dev import samples

PICTURE = samples.photo(120, 80)


def exif_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}
    return exif.tobytes()


def pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGBA").tobytes()


@pytest.mark.parametrize(
    ("fmt", "params"),
    [
        ("JPEG", {"exif": exif_with_gps(), "comment": b"note", "quality": 70}),
        ("WEBP", {"exif": exif_with_gps(), "xmp": b"<x:xmpmeta/>", "quality": 70}),
        ("WEBP", {"quality": 70}),
    ],
)
def test_metadata_goes_and_pixels_stay(fmt, params):
    source = samples.encode(PICTURE, fmt, **params)
    kept, output_format = stripped(source, fmt)
    assert output_format == fmt.lower() and len(kept) <= len(source)
    assert pixels(kept) == pixels(source)
    with Image.open(io.BytesIO(kept)) as image:
        assert not image.getexif() and "xmp" not in image.info and "comment" not in image.info


def test_png_text_and_time_chunks_go_transparency_stays():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "someone")
    info.add_itxt("Location", "51.5N 0.1W")
    source = samples.encode(PICTURE.convert("RGBA"), "PNG", pnginfo=info, exif=exif_with_gps())
    kept, _ = stripped(source, "PNG")
    assert b"tEXt" not in kept and b"iTXt" not in kept and b"eXIf" not in kept
    assert pixels(kept) == pixels(source)


def test_the_adobe_segment_that_says_how_to_read_the_channels_stays():
    source = samples.cmyk_jpeg()  # Pillow writes APP14 "Adobe" for CMYK
    kept, _ = stripped(source, "JPEG")
    assert b"Adobe" in kept and pixels(kept) == pixels(source)


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (samples.animated_gif(), "GIF"),  # not a format we keep
        (b"\xff\xd8\xff\xe1\x00", "JPEG"),  # truncated
        (b"RIFF\x00\x00\x00\x00WEBPVP8X" + b"\x0a\x00\x00\x00" + bytes(10) + b"ANIM" + bytes(10), "WEBP"),
    ],
)
def test_anything_else_is_left_to_the_encoder(data, fmt):
    assert stripped(data, fmt) is None


def test_an_apng_is_not_its_first_frame():
    frames = [PICTURE, PICTURE.rotate(90)]
    source = samples.encode(frames[0], "PNG", save_all=True, append_images=frames[1:])
    assert stripped(source, "PNG") is None
