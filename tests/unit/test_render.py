from concurrent.futures import ThreadPoolExecutor

import pytest
from image_resizer.errors import ImageTooLargeError
from image_resizer.imaging.render import _resample_in_strips, render
from image_resizer.limits import Limits
from image_resizer.variants import default_variants, parse_variants
from PIL import Image, ImageChops, ImageStat
from pipeline_dev import samples

from tests.conftest import open_output

THREE = parse_variants(
    {
        "large": {"width": 1600, "height": 1600, "key": "large/{key}"},
        "medium": {"width": 800, "height": 800, "key": "medium/{key}"},
        "thumb": {"width": 200, "height": 200, "fit": "cover", "key": "thumb/{key}"},
    }
)


def corner_colours(image):
    w, h = image.size
    rgb = image.convert("RGB")
    return {
        "top_left": rgb.getpixel((w // 8, h // 8)),
        "top_right": rgb.getpixel((w * 7 // 8, h // 8)),
        "bottom_left": rgb.getpixel((w // 8, h * 7 // 8)),
        "bottom_right": rgb.getpixel((w * 7 // 8, h * 7 // 8)),
    }


def close(a, b, tolerance=40):
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_every_orientation_comes_out_upright_without_exif(orientation, fmt):
    result = render(samples.oriented_jpeg(orientation, fmt=fmt), default_variants())
    (variant,) = result.variants
    image = open_output(variant.data)
    assert image.size == (200, 150)
    for corner, colour in corner_colours(image).items():
        assert close(colour, samples.QUADRANT_COLOURS[corner]), (corner, colour)
    assert not image.getexif()
    assert "exif" not in image.info and "icc_profile" not in image.info and "xmp" not in image.info


def test_variants_are_sized_ordered_and_encoded_as_asked():
    result = render(samples.encode(samples.photo(3000, 2000), "JPEG", quality=90), THREE)
    sizes = [(v.spec.name, v.width, v.height, v.format) for v in result.variants]
    assert sizes == [("large", 1600, 1067, "jpeg"), ("medium", 800, 533, "jpeg"), ("thumb", 200, 200, "jpeg")]
    for variant in result.variants:
        assert open_output(variant.data).size == (variant.width, variant.height)


def test_small_sources_are_never_upscaled():
    result = render(samples.encode(samples.photo(120, 80), "PNG"), THREE)
    assert [(v.width, v.height) for v in result.variants] == [
        (120, 80),
        (120, 80),
        (120, 80),
    ]  # cover only crops where the source exceeds the box


def test_output_is_byte_deterministic():
    data = samples.encode(samples.photo(900, 600), "JPEG")
    formats = parse_variants(
        {
            f: {"width": 300, "height": 300, "format": f, "key": f"{f}/{{dir}}{{stem}}.{{ext}}"}
            for f in ("jpeg", "png", "webp", "avif")
        }
    )
    first, second = render(data, formats), render(data, formats)
    assert [v.data for v in first.variants] == [v.data for v in second.variants]


def test_renders_running_at_once_give_the_bytes_of_one_alone():
    """Decode threads, band lanes and encodes of several renders share the worker pool: no band may be lost,
    doubled or read before its rows are decoded, whatever the interleaving."""
    rgba = samples.photo(1300, 900).convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize(rgba.size))
    sources = [
        samples.encode(samples.photo(1700, 1100), "JPEG", quality=92),
        samples.oriented_jpeg(6, upright=samples.photo(1100, 1600)),
        samples.encode(rgba, "PNG"),
    ]
    alone = [[v.data for v in render(data, THREE).variants] for data in sources]
    with ThreadPoolExecutor(6) as pool:
        together = list(pool.map(lambda data: [v.data for v in render(data, THREE).variants], sources * 4))
    assert together == alone * 4


@pytest.mark.parametrize(
    ("source_format", "alpha", "expected"),
    [
        ("JPEG", False, "jpeg"),
        ("PNG", False, "png"),
        ("PNG", True, "png"),
        ("WEBP", True, "webp"),
        ("GIF", False, "jpeg"),
        ("BMP", False, "jpeg"),
        ("TIFF", True, "png"),
    ],
)
def test_auto_format(source_format, alpha, expected):
    image = samples.quadrants(60, 40).convert("RGBA")
    if alpha:
        image.putpixel((0, 0), (0, 0, 0, 0))
    if source_format in ("JPEG", "BMP", "GIF") and not alpha:
        image = image.convert("RGB")
    result = render(samples.encode(image, source_format), default_variants())
    assert result.variants[0].format == expected


def test_transparency_survives_and_jpeg_output_is_flattened_on_white():
    data = samples.transparent_png()
    both = parse_variants(
        {
            "png": {"width": 300, "height": 300, "key": "p/{dir}{stem}.{ext}"},
            "jpg": {"width": 300, "height": 300, "format": "jpeg"},
        }
    )
    png, jpg = render(data, both).variants
    png_image, jpg_image = open_output(png.data), open_output(jpg.data)
    assert png_image.mode == "RGBA" and png_image.getpixel((0, 0))[3] == 0
    assert close(jpg_image.getpixel((0, 0)), (255, 255, 255), 3)


def test_alpha_channel_is_kept_in_formats_that_have_one():
    image = samples.quadrants(60, 40).convert("RGBA")
    (variant,) = render(samples.encode(image, "PNG"), default_variants()).variants
    assert open_output(variant.data).mode == "RGBA"


def test_opaque_rgba_becomes_rgb_jpeg_when_the_source_is_not_kept():
    image = samples.quadrants(60, 40).convert("RGBA")
    (variant,) = render(samples.encode(image, "TIFF"), default_variants()).variants
    assert variant.format == "jpeg"


def test_animated_gif_gives_its_first_frame():
    result = render(samples.animated_gif(), default_variants())
    assert result.frames == 4
    image = open_output(result.variants[0].data)
    assert close(image.getpixel((10, 10)), (255, 0, 0))


def test_cmyk_jpeg_comes_out_rgb_with_right_colours():
    (variant,) = render(samples.cmyk_jpeg(), default_variants()).variants
    image = open_output(variant.data)
    assert image.mode == "RGB"
    colours = corner_colours(image)
    assert colours["top_left"][0] > 150 and colours["top_left"][2] < 100  # red stays red, not cyan


def test_embedded_icc_profile_is_converted_to_srgb():
    data = samples.encode(samples.quadrants(), "JPEG", icc_profile=samples.matrix_icc_profile(), quality=95)
    image = open_output(render(data, default_variants()).variants[0].data)
    r, _, b = corner_colours(image)["top_left"]
    assert b > 150 and r < 80  # the swapped-primaries profile turns stored red into blue
    assert "icc_profile" not in image.info


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp", "avif"])
def test_every_output_format_decodes(fmt):
    variants = parse_variants({"v": {"width": 100, "height": 100, "format": fmt, "quality": 70}})
    (variant,) = render(samples.encode(samples.photo(400, 300), "PNG"), variants).variants
    image = open_output(variant.data)
    assert image.format == fmt.upper() and image.size == (100, 75)


def test_decompression_bomb_is_refused_before_decoding():
    with pytest.raises(ImageTooLargeError):
        render(samples.png_declaring(100_000, 100_000), default_variants())


def test_pixel_limit_from_caller():
    with pytest.raises(ImageTooLargeError):
        render(samples.encode(samples.photo(400, 300), "PNG"), default_variants(), Limits(max_source_pixels=100_000))


def test_quality_against_full_lanczos_reference():
    source = samples.photo(2400, 1600, seed=7)
    data = samples.encode(source, "PNG")
    medium = parse_variants({"m": {"width": 800, "height": 800, "format": "png"}})
    ours = open_output(render(data, medium).variants[0].data).convert("L")
    reference = source.resize(ours.size, Image.Resampling.LANCZOS).convert("L")
    (mean_abs_error,) = ImageStat.Stat(ImageChops.difference(ours, reference)).mean
    assert mean_abs_error < 1.5  # in 8-bit levels


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_orientation_with_a_cover_crop_as_largest_variant(orientation):
    variants = parse_variants(
        {"square": {"width": 240, "height": 240, "fit": "cover"}, "small": {"width": 100, "height": 100}}
    )
    square, small = render(samples.oriented_jpeg(orientation), variants).variants
    for variant in (square, small):
        image = open_output(variant.data)
        for corner, colour in corner_colours(image).items():
            assert close(colour, samples.QUADRANT_COLOURS[corner]), (variant.spec.name, corner, colour)
    assert (square.width, square.height, small.width, small.height) == (240, 240, 100, 75)


def test_memory_guard_refuses_what_would_not_fit_the_function():
    data = samples.encode(samples.photo(2000, 1500), "WEBP", quality=50, method=0)  # 3 MP: ~146 MB to decode
    full = parse_variants({"full": {"width": 2000, "height": 2000}})
    with pytest.raises(ImageTooLargeError, match="needs about 146 MB; the function has 128 MB"):
        render(data, full, Limits(memory_mb=128))
    assert render(data, full, Limits(memory_mb=256)).variants
    # A thumbnail of it goes through libwebp's scaler: only the small decode is counted, and fits.
    assert render(data, default_variants(), Limits(memory_mb=128)).variants


def test_memory_guard_counts_jpeg_draft_scale():
    data = samples.encode(samples.photo(4000, 3000), "JPEG", quality=80)  # 12 MP, decoded at 1/8 for 200 px
    assert render(data, default_variants(), Limits(memory_mb=128)).variants
    big = parse_variants({"full": {"width": 4000, "height": 4000}})
    with pytest.raises(ImageTooLargeError, match="needs about"):
        render(data, big, Limits(memory_mb=128))


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "LA"])
def test_a_resample_in_bands_is_a_whole_resample_to_within_one_level(mode):
    """Bands joined without seams, transparent pixels premultiplied as Pillow does for a whole image."""
    base = samples.photo(1500, 1000).convert("RGBA")
    base.putalpha(Image.linear_gradient("L").resize(base.size))
    base = base.convert(mode)
    box = (10.5, 7.25, 1490.0, 990.0)
    whole = base.resize((900, 600), Image.Resampling.LANCZOS, box=box)
    banded = _resample_in_strips(base, (900, 600), box, None)
    assert banded.mode == whole.mode
    largest = max(high for _, high in (band.getextrema() for band in ImageChops.difference(banded, whole).split()))
    assert largest <= 1


def test_each_of_a_variants_formats_is_encoded_alone_at_its_own_quality():
    """Bytes equal to a single-format variant at the mapped quality: the encoders of one variant's formats run on
    worker threads at once, and Pillow keeps a save's options on the image, so a shared image would mix them."""
    from image_resizer.imaging.encode import equivalent_quality

    data = samples.encode(samples.photo(1200, 800, seed=11), "PNG")  # a JPEG-only variant of a JPEG takes planes
    together = parse_variants({"n": {"width": 640, "height": 640, "formats": ["avif", "webp", "jpeg"]}})
    for _ in range(4):
        outputs = {v.format: v.data for v in render(data, together).variants}
        for fmt in ("avif", "webp", "jpeg"):
            alone = parse_variants(
                {"n": {"width": 640, "height": 640, "format": fmt, "quality": equivalent_quality(fmt, 82)}}
            )
            assert outputs[fmt] == render(data, alone).variants[0].data, fmt
