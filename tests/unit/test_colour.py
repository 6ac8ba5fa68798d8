import pytest
from image_resizer.imaging.colour import has_visible_alpha, to_resizable_mode, to_srgb
from PIL import Image
from pipeline_dev import samples


def test_sixteen_bit_gray_is_scaled_not_clipped():
    image = Image.open(__import__("io").BytesIO(samples.gray16_png()))
    converted = to_resizable_mode(image)
    assert converted.mode == "L"
    row = [converted.getpixel((x, 0)) for x in range(0, 256, 51)]
    assert row[0] == 0 and row[-1] == 255
    assert row == sorted(row) and len(set(row)) == len(row)  # a ramp, not a wall of white


@pytest.mark.parametrize(
    ("mode", "info", "expected"),
    [
        ("1", {}, "L"),
        ("P", {}, "RGB"),
        ("P", {"transparency": 0}, "RGBA"),
        ("PA", {}, "RGBA"),
        ("L", {"transparency": 0}, "LA"),
        ("RGB", {"transparency": (0, 0, 0)}, "RGBA"),
        ("I", {}, "L"),
        ("F", {}, "L"),
        ("YCbCr", {}, "RGB"),
        ("LAB", {}, "RGB"),
        ("RGBA", {}, "RGBA"),
        ("CMYK", {}, "CMYK"),
    ],
)
def test_every_mode_becomes_resizable(mode, info, expected):
    image = Image.new(mode, (8, 8))
    image.info.update(info)
    assert to_resizable_mode(image).mode == expected


def test_visible_alpha():
    assert not has_visible_alpha(Image.new("RGBA", (4, 4), (1, 2, 3, 255)))
    assert has_visible_alpha(Image.new("RGBA", (4, 4), (1, 2, 3, 128)))
    assert not has_visible_alpha(Image.new("RGB", (4, 4)))


def test_embedded_profile_is_applied():
    red = Image.new("RGB", (4, 4), (200, 0, 0))
    converted = to_srgb(red, samples.matrix_icc_profile(swap_red_blue=True))
    r, _, b = converted.getpixel((0, 0))
    assert b > 150 and r < 50


def test_srgb_profile_and_broken_profiles_leave_pixels_alone():
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = Image.new("RGB", (4, 4), (10, 120, 230))
    assert to_srgb(image, srgb).getpixel((0, 0)) == (10, 120, 230)
    assert to_srgb(image, b"not a profile").getpixel((0, 0)) == (10, 120, 230)


def test_cmyk_always_ends_rgb():
    cmyk = Image.new("CMYK", (4, 4), (0, 255, 255, 0))  # pure red ink
    rgb = to_srgb(cmyk, None)
    assert rgb.mode == "RGB"
    r, g, b = rgb.getpixel((0, 0))
    assert r > 200 and g < 60 and b < 60
