import pytest
from image_resizer.errors import CorruptImageError, ImageTooLargeError, UnsupportedImageError
from image_resizer.imaging.decode import decode, open_source, read_orientation
from image_resizer.limits import Limits
from PIL import Image
from pipeline_dev import samples


def test_identifies_by_content_not_name():
    source = open_source(samples.transparent_png(), Limits())
    assert source.format == "PNG"


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"", CorruptImageError, "empty"),
        (b"hello, this is plain text\n" * 4, UnsupportedImageError, "not a recognised image format"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', UnsupportedImageError, "SVG"),
        (b"  <svg></svg>", UnsupportedImageError, "SVG"),
        (b"%PDF-1.7\n" + b"0" * 100, UnsupportedImageError, "PDF"),
        (b"8BPS" + b"\0" * 100, UnsupportedImageError, "PSD"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, CorruptImageError, "PNG"),
        (b"\xff\xd8\xff\xe0" + b"\0" * 40, CorruptImageError, "JPEG"),
    ],
)
def test_refuses_what_is_not_a_supported_image(data, error, message):
    with pytest.raises(error, match=message):
        open_source(data, Limits())


def test_twelve_bit_jpeg_is_unsupported_not_corrupt():
    # A minimal JPEG whose SOF1 frame header declares 12-bit precision.
    data = b"\xff\xd8" + b"\xff\xc1\x00\x0b\x0c\x00\x10\x00\x10\x01\x01\x11\x00" + b"\xff\xd9" + b"\0" * 16
    with pytest.raises(UnsupportedImageError, match="12-bit JPEG"):
        open_source(data, Limits())


def test_byte_limit_is_checked_before_anything_else():
    with pytest.raises(ImageTooLargeError, match="bytes"):
        open_source(b"x" * 101, Limits(max_source_bytes=100))


def test_pixel_limit_is_checked_from_the_header():
    data = samples.png_declaring(20_000, 10_000)  # 200 MP declared, 100 bytes stored
    with pytest.raises(ImageTooLargeError, match="decompression bomb"):
        open_source(data, Limits())
    with pytest.raises(ImageTooLargeError, match="limit is 1000"):
        open_source(samples.encode(samples.quadrants(40, 30), "PNG"), Limits(max_source_pixels=1000))


def test_pixel_limit_allows_exactly_the_limit():
    data = samples.encode(samples.quadrants(40, 25), "PNG")
    assert open_source(data, Limits(max_source_pixels=1000)).width == 40


def test_truncated_data_is_corrupt_not_half_grey():
    data = samples.truncated(samples.encode(samples.photo(400, 300), "JPEG", quality=90), 0.6)
    source = open_source(data, Limits())
    with pytest.raises(CorruptImageError, match="truncated"):
        decode(source, (100, 100))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_orientation_swaps_reported_size(orientation):
    source = open_source(samples.oriented_jpeg(orientation), Limits())
    assert source.orientation == orientation
    assert (source.width, source.height) == (400, 300)


def test_malformed_exif_counts_as_upright():
    class Broken:
        def getexif(self):
            raise SyntaxError("broken IFD")

    assert read_orientation(Broken()) == 1  # type: ignore[arg-type]


def test_out_of_range_orientation_counts_as_upright():
    image = samples.quadrants(40, 30)
    exif = Image.Exif()
    exif[0x0112] = 9
    source = open_source(samples.encode(image, "JPEG", exif=exif.tobytes()), Limits())
    assert source.orientation == 1


def test_jpeg_is_decoded_at_a_reduced_dct_scale():
    data = samples.encode(samples.photo(1600, 1200), "JPEG", quality=90)
    image, scale = decode(open_source(data, Limits()), (190, 150))
    assert (image.size, scale) == ((200, 150), (1 / 8, 1 / 8))  # 1/8 scale, still covering the request


def test_dct_reduction_reports_the_exact_scale_when_sizes_do_not_divide():
    data = samples.encode(samples.photo(1700, 1275), "JPEG", quality=90)
    image, scale = decode(open_source(data, Limits()), (200, 150))
    # ceil(1700 / 8) = 213 pixels cover 212.5 source-eighths: the size ratio is not the scale.
    assert (image.size, scale) == ((213, 160), (1 / 8, 1 / 8))


def test_jpeg_is_decoded_at_three_eighths_where_that_covers_the_request():
    data = samples.encode(samples.photo(2401, 1601), "JPEG", quality=90)
    image, scale = decode(open_source(data, Limits()), (800, 500))
    # Pillow's draft() would take 1/2 (1201 px); ceil(2401 * 3 / 8) = 901 covers 800
    assert (image.size, scale) == ((901, 601), (3 / 8, 3 / 8))
    assert image.tobytes() != b"\0" * len(image.tobytes())


def test_jpeg_stays_at_a_half_where_three_eighths_would_not_cover_the_request():
    data = samples.encode(samples.photo(2000, 1500), "JPEG", quality=90)
    image, scale = decode(open_source(data, Limits()), (800, 500))
    assert (image.size, scale) == ((1000, 750), (1 / 2, 1 / 2))  # 3/8 would be 750 px


def test_thin_strips_are_not_dct_reduced_to_a_few_pixels():
    data = samples.encode(samples.photo(997, 13), "JPEG", quality=90)
    image, scale = decode(open_source(data, Limits()), (200, 3))
    assert (image.size, scale) == ((997, 13), (1.0, 1.0))


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_a_still_webp_is_decoded_by_libwebps_scaler_at_the_size_needed(mode):
    picture = samples.photo(1200, 800).convert(mode)
    if mode == "RGBA":
        picture.paste((0, 0, 0, 0), (0, 0, 400, 400))  # visible alpha, or the encoder leaves it out
    source = open_source(samples.encode(picture, "WEBP", quality=90), Limits())
    image, scale = decode(source, (300, 150))
    assert image.size == (300, 200) and image.mode == mode and scale == (0.25, 0.25)  # both sides covered


def test_webp_falls_back_to_pillow_without_libwebp(monkeypatch):
    from image_resizer.imaging.codecs import webp_scaled

    monkeypatch.setattr(webp_scaled, "_library", lambda: None)
    source = open_source(samples.encode(samples.photo(1200, 800), "WEBP"), Limits())
    image, scale = decode(source, (300, 200))
    assert image.size == (1200, 800) and scale == (1.0, 1.0)


def test_an_animated_webp_is_never_scaled_by_the_still_decoder():
    frames = [samples.photo(600, 400, seed=seed) for seed in (1, 2)]
    data = samples.encode(frames[0], "WEBP", save_all=True, append_images=frames[1:])
    image, scale = decode(open_source(data, Limits()), (150, 100))
    assert image.size == (600, 400) and scale == (1.0, 1.0)


def test_the_avif_and_heif_plugins_and_littlecms_are_imported_only_when_needed():
    import subprocess
    import sys

    script = (
        "import sys, io\n"
        "from image_resizer import cli, handler\n"
        "from image_resizer.imaging.decode import open_source\n"
        "from image_resizer.limits import Limits\n"
        "from pipeline_dev import samples\n"
        "from image_resizer.imaging.render import render\n"
        "from image_resizer.variants import default_variants\n"
        "render(samples.encode(samples.photo(64, 48), 'JPEG'), default_variants())\n"
        "for module in ('pi_heif', 'PIL.AvifImagePlugin', 'PIL.ImageCms'):\n"
        "    assert module not in sys.modules, f'{module} imported for a JPEG'\n"
        "try:\n"
        "    open_source(b'\\0\\0\\0\\x18ftypheic' + bytes(64), Limits())\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__)\n"
        "assert 'pi_heif' in sys.modules, 'not imported for a HEIC'\n"
        "assert 'PIL.AvifImagePlugin' in sys.modules, 'AVIF not registered for an ISO base media file'\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() in ("CorruptImageError", "UnsupportedImageError")  # typed, either way
