"""libspng's decode of a PNG against Pillow's full decode (the reference): the same mode, pixels and info, or
no answer at all where they could differ."""

import io
import struct
import zlib

import pytest
from image_resizer.arriving import ArrivingBytes
from image_resizer.imaging.codecs import png_spng
from image_resizer.imaging.render import render
from image_resizer.variants import default_variants
from PIL import Image
from pipeline_dev import samples

pytestmark = pytest.mark.skipif(not png_spng.available(), reason="no libspng (pyspng's wheel) on this Python")


def _spng(data: bytes):
    return png_spng.decode(ArrivingBytes.complete(data), _opened(data))


def _pillow(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def _rgb_with_trns() -> bytes:
    image = samples.photo(301, 199, seed=5)
    return samples.encode(image, "PNG", transparency=(10, 20, 30))


@pytest.mark.parametrize(
    "data",
    [
        samples.encode(samples.photo(641, 427, seed=2), "PNG"),
        samples.encode(samples.photo(640, 428, seed=3), "PNG", compress_level=9),
        samples.encode(samples.photo(97, 3, seed=4), "PNG", compress_level=1),
        samples.transparent_png(333, 211),
        samples.encode(samples.photo(320, 240).convert("RGBA"), "PNG"),
        samples.with_profile(samples.photo(200, 150), "PNG", samples.rgb_profile("Display P3")),
        _rgb_with_trns(),
    ],
    ids=["rgb", "rgb-level9", "rgb-strip", "rgba", "rgba-opaque", "rgb-icc", "rgb-trns"],
)
def test_libspng_gives_pillows_pixels_mode_and_info(data):
    ours = _spng(data)
    reference = _pillow(data)
    assert ours is not None
    assert (ours.mode, ours.size) == (reference.mode, reference.size)
    assert ours.tobytes() == reference.tobytes()
    assert ours.info == _opened(data).info


def _adam7(image: Image.Image) -> bytes:
    """An interlaced RGB PNG (Pillow writes none), filter type 0 on every row of every pass."""
    width, height = image.size
    rows = []
    for x0, y0, dx, dy in (
        (0, 0, 8, 8),
        (4, 0, 8, 8),
        (0, 4, 4, 8),
        (2, 0, 4, 4),
        (0, 2, 2, 4),
        (1, 0, 2, 2),
        (0, 1, 1, 2),
    ):
        for y in range(y0, height, dy):
            pixels = [image.getpixel((x, y)) for x in range(x0, width, dx)]
            if pixels:
                rows.append(b"\0" + bytes(channel for pixel in pixels for channel in pixel))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 1)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    "data",
    [
        _adam7(samples.photo(37, 29, seed=6)),
        samples.gray16_png(),
        samples.encode(samples.photo(200, 100).convert("P"), "PNG"),
        samples.encode(samples.photo(200, 100).convert("L"), "PNG"),
        samples.png_with_late_exif(samples.photo(90, 60), 6),
    ],
    ids=["interlaced", "16-bit", "palette", "grey", "late-exif"],
)
def test_what_libspng_might_decode_otherwise_is_left_to_pillow(data):
    assert _opened(data).format == "PNG"
    assert _spng(data) is None


def test_an_animated_png_is_left_to_pillow():
    frames = [samples.photo(80, 60, seed=s) for s in (1, 2)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "PNG", save_all=True, append_images=frames[1:])
    assert _spng(buffer.getvalue()) is None


def test_a_truncated_png_is_left_to_pillow_which_names_the_error():
    data = samples.truncated(samples.encode(samples.photo(400, 300), "PNG"))
    assert _spng(data) is None


@pytest.mark.parametrize("data", [samples.transparent_png(640, 480), samples.encode(samples.photo(500, 300), "PNG")])
def test_without_the_library_pillow_decodes_and_the_variants_are_the_same(monkeypatch, data):
    with_libspng = [v.data for v in render(data, default_variants()).variants]
    monkeypatch.setattr(png_spng, "_library", lambda: None)
    assert _spng(data) is None
    assert [v.data for v in render(data, default_variants()).variants] == with_libspng


def test_a_corrupt_idat_is_left_to_pillow():
    data = bytearray(samples.encode(samples.photo(300, 200), "PNG"))
    start = data.index(b"IDAT") + 4
    data[start + 100 : start + 140] = bytes(40)  # inflate fails (or Adler-32 does)
    assert _spng(bytes(data)) is None


def test_the_library_is_found_without_importing_numpy():
    import subprocess
    import sys

    code = (
        "import sys; from image_resizer.imaging.codecs import png_spng; "
        "assert png_spng.available(); print('numpy' in sys.modules)"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "False"
