"""Colour by profile content, checked against ImageCms converting the full source independently.

Profiles are built here from the published primaries, white points and tone curves of each space (see
``pipeline_dev.samples.RGB_SPACES``). Outputs are PNG so that encoder loss does not enter; flat quadrants make
the comparison independent of resampling. Tolerance: 2 levels of 255, the rounding of two 8-bit transforms.
"""

from __future__ import annotations

import io

import pytest
from image_resizer.errors import ConfigurationError
from image_resizer.imaging import icc
from image_resizer.imaging.colour import to_srgb
from image_resizer.imaging.render import render
from image_resizer.variants import parse_variants
from PIL import Image, ImageCms
from pipeline_dev import samples

from tests.conftest import open_output

TOLERANCE = 2
SRGB = ImageCms.createProfile("sRGB")
PNG_200 = parse_variants({"v": {"width": 200, "height": 200, "format": "png"}})
QUADRANT_CENTRES = [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)]

WIDE_GAMUT = {
    "Display P3": samples.rgb_profile("Display P3"),
    # What many Android phones and Ultra HDR JPEGs carry: a name that mentions sRGB, P3 content.
    "P3 named like sRGB": samples.rgb_profile("Display P3", description="Display P3 Gamut with sRGB Transfer"),
    "Display P3, sampled curve": samples.rgb_profile("Display P3", table_entries=1024),
    "Adobe RGB (1998)": samples.rgb_profile("Adobe RGB (1998)"),
    "ProPhoto RGB": samples.rgb_profile("ProPhoto RGB"),
    "Rec. 2020": samples.rgb_profile("Rec. 2020"),
}
SRGB_PROFILES = {
    "littleCMS built-in (v4, para)": ImageCms.ImageCmsProfile(SRGB).tobytes(),
    "IEC 61966-2.1 style (v2, 1024-entry curves, D65 media white)": icc.build_matrix_profile(
        "sRGB IEC61966-2.1",
        samples.d50_colorants(*samples.RGB_SPACES["sRGB"][:2]),
        (icc.ToneCurve("table", tuple(icc.srgb_curve(i / 1023) for i in range(1024))),) * 3,
        white=(0.9505, 1.0, 1.0891),
    ),
    "compact (v2, parametric, rounded colorants)": icc.build_matrix_profile(
        "c2", icc.SRGB_COLORANTS, (icc.ToneCurve("para3", icc.SRGB_PARAMETRIC),) * 3
    ),
    "sRGB content under a P3 name": samples.rgb_profile("sRGB", description="Display P3"),
}


def centre_pixels(image: Image.Image) -> list[tuple[int, ...]]:
    rgb = image.convert("RGB")
    return [rgb.getpixel((int(fx * rgb.width), int(fy * rgb.height))) for fx, fy in QUADRANT_CENTRES]


def reference_srgb(image: Image.Image, profile: bytes) -> Image.Image:
    """ImageCms on the full source: the perceptual intent with black-point compensation, as browsers use."""
    return ImageCms.profileToProfile(
        image,
        ImageCms.ImageCmsProfile(io.BytesIO(profile)),
        SRGB,
        renderingIntent=ImageCms.Intent.PERCEPTUAL,
        outputMode="RGB",
        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
    )


def assert_close(ours, theirs, tolerance=TOLERANCE):
    for a, b in zip(ours, theirs, strict=True):
        assert max(abs(x - y) for x, y in zip(a, b, strict=True)) <= tolerance, (ours, theirs)


@pytest.mark.parametrize("name", WIDE_GAMUT)
def test_wide_gamut_sources_are_converted_like_imagecms_does(name):
    profile = WIDE_GAMUT[name]
    assert not icc.is_srgb(profile)
    source = samples.saturated_patches()
    (variant,) = render(samples.with_profile(source, "PNG", profile), PNG_200).variants
    output = open_output(variant.data)
    assert "icc_profile" not in output.info  # sRGB out, untagged
    expected = centre_pixels(reference_srgb(source, profile))
    assert_close(centre_pixels(output), expected)
    assert centre_pixels(output) != centre_pixels(source)  # it was converted at all


@pytest.mark.parametrize("name", SRGB_PROFILES)
def test_srgb_profiles_are_recognised_by_content_and_never_converted(name):
    profile = SRGB_PROFILES[name]
    assert icc.is_srgb(profile)
    source = samples.photo(400, 300)
    tagged = render(samples.with_profile(source, "PNG", profile), PNG_200).variants[0]
    untagged = render(samples.encode(source, "PNG"), PNG_200).variants[0]
    assert tagged.data == untagged.data


def test_gamma_22_is_not_taken_for_srgb():
    curve = icc.ToneCurve("gamma", (2.2,))
    profile = icc.build_matrix_profile("sRGB-ish", icc.SRGB_COLORANTS, (curve, curve, curve))
    assert not icc.is_srgb(profile)


def test_grey_profiles_are_converted_and_stay_grey():
    linear = icc.build_gray_profile("Gray linear", icc.ToneCurve("gamma", (1.0,)))
    source = Image.linear_gradient("L").resize((400, 300))
    (variant,) = render(samples.with_profile(source, "PNG", linear), PNG_200).variants
    output = open_output(variant.data)
    assert output.mode == "L"
    reference = reference_srgb(source, linear).convert("RGB").getchannel("R").resize(output.size)
    for x in range(5, output.width, 40):
        assert abs(output.getpixel((x, 100)) - reference.getpixel((x, 100))) <= TOLERANCE
    assert output.getpixel((100, 100)) != source.resize(output.size).getpixel((100, 100))


def test_grey_with_the_srgb_curve_is_left_alone():
    srgb_grey = icc.build_gray_profile("Gray sRGB", icc.ToneCurve("para3", icc.SRGB_PARAMETRIC))
    image = Image.new("L", (4, 4), 77)
    assert to_srgb(image, srgb_grey).getpixel((0, 0)) == 77


def test_keep_preserves_wide_gamut_pixels_with_a_compact_profile():
    # A camera-sized profile: 4096-entry curves, several kilobytes.
    big = samples.rgb_profile("Display P3", table_entries=4096)
    assert len(big) > 8000
    source = samples.saturated_patches()
    specs = parse_variants(
        {
            "wide": {"width": 200, "height": 200, "format": "png", "colorspace": "keep", "key": "w/{dir}{stem}.{ext}"},
            "small": {"width": 100, "height": 100, "format": "png", "key": "s/{dir}{stem}.{ext}"},
        }
    )
    kept, converted = render(samples.with_profile(source, "PNG", big), specs).variants
    kept_image = open_output(kept.data)
    embedded = kept_image.info["icc_profile"]
    assert len(embedded) <= 1024
    facts, original = icc.read_profile(embedded), icc.read_profile(big)
    assert facts is not None and original is not None
    assert facts.colorants == original.colorants  # s15Fixed16 round-trips exactly
    assert kept.profile == "Display P3"
    assert_close(centre_pixels(kept_image), centre_pixels(source), tolerance=0)  # the source's own pixels
    # Shown through its embedded profile, the kept variant looks like the source through its original one.
    assert_close(centre_pixels(reference_srgb(kept_image, embedded)), centre_pixels(reference_srgb(source, big)))
    # The srgb variant of the same render is converted, and untagged.
    converted_image = open_output(converted.data)
    assert "icc_profile" not in converted_image.info and converted.profile is None
    assert_close(centre_pixels(converted_image), centre_pixels(reference_srgb(source, big)))


@pytest.mark.parametrize("fmt", ["jpeg", "webp", "avif"])
def test_keep_embeds_the_profile_in_every_lossy_format(fmt):
    data = samples.with_profile(samples.saturated_patches(), "PNG", WIDE_GAMUT["Display P3"])
    specs = parse_variants({"v": {"width": 100, "height": 100, "format": fmt, "colorspace": "keep"}})
    (variant,) = render(data, specs).variants
    assert icc.read_profile(open_output(variant.data).info["icc_profile"]) is not None


def test_keep_on_srgb_and_cmyk_sources_gives_plain_srgb():
    specs = parse_variants({"v": {"width": 100, "height": 100, "format": "png", "colorspace": "keep"}})
    for data in (
        samples.with_profile(samples.photo(300, 200), "PNG", SRGB_PROFILES["littleCMS built-in (v4, para)"]),
        samples.cmyk_jpeg(),
    ):
        (variant,) = render(data, specs).variants
        output = open_output(variant.data)
        assert output.mode == "RGB" and "icc_profile" not in output.info and variant.profile is None


def test_colorspace_is_validated_and_hashed():
    with pytest.raises(ConfigurationError, match="colorspace"):
        parse_variants({"v": {"width": 10, "height": 10, "colorspace": "p3"}})
    (srgb,) = parse_variants({"v": {"width": 10, "height": 10}})
    (keep,) = parse_variants({"v": {"width": 10, "height": 10, "colorspace": "keep"}})
    assert srgb.colorspace == "srgb" and srgb.settings_hash != keep.settings_hash


@pytest.mark.parametrize("marker", ["mpf", "ultrahdr", "iso"])
def test_hdr_gain_map_jpegs_render_the_sdr_primary_and_drop_the_gain_map(marker):
    p3 = WIDE_GAMUT["Display P3"]
    source = samples.saturated_patches()
    data = samples.gain_map_jpeg(source, marker, icc_profile=p3)
    specs = parse_variants({"v": {"width": 200, "height": 200, "format": "jpeg", "quality": 95}})
    result = render(data, specs)
    assert result.hdr == "gain-map-dropped"
    (variant,) = result.variants
    output = open_output(variant.data)
    assert output.format == "JPEG" and getattr(output, "n_frames", 1) == 1
    assert b"MPF\0" not in variant.data and b"hdr-gain-map" not in variant.data and b"21496" not in variant.data
    assert variant.data.count(b"\xff\xd8") == 1  # one image, no appended gain map
    # The primary, colour-managed from P3 (JPEG q95 of flat patches: a few levels of encoder loss).
    assert_close(centre_pixels(output), centre_pixels(reference_srgb(source, p3)), tolerance=6)


def test_plain_jpegs_report_no_hdr():
    result = render(samples.encode(samples.photo(), "JPEG"), PNG_200)
    assert result.hdr is None
