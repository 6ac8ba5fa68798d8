"""JPEG variants of a JPEG resampled as luma and chroma planes, against the same independent reference as the
RGB route: Pillow's LANCZOS on the full RGB decode, turned upright by ``ImageOps.exif_transpose``.

Both routes end in the same JPEG encoder at the same quality, so they are compared with each other: the planes
must score no lower than the RGB route, less 0.25 dB, on every variant. Measured over 8 orientations, 18
source sizes and 3 variants (312 variants) while building it: worst -0.05 dB, mean +0.35 dB (the chroma is
resampled once, where the RGB route resamples it at full size and the encoder then averages 2x2 blocks). The
defects this guards against measured far below: chroma spread over the box of its luma along odd sides, -2 to
-4 dB; the pairs not turned with the picture, -1 to -2.5 dB."""

from __future__ import annotations

import io
import statistics

import pytest
from image_resizer.imaging import luma_chroma, render
from image_resizer.imaging.decode import decode, open_source, start_decode
from image_resizer.imaging.luma_chroma import Planes
from image_resizer.limits import Limits
from image_resizer.variants import parse_variants
from PIL import Image, ImageChops, ImageOps
from pipeline_dev import samples

from tests.unit.test_pixel_reference import centre_box, psnr

ALLOWED_LOSS_DB = 0.25

SPECS = parse_variants(
    {
        "large": {"width": 1000, "height": 1000, "quality": 95, "key": "large/{key}"},
        "thumb": {"width": 200, "height": 200, "quality": 95, "key": "thumb/{key}"},
        "wide": {"width": 161, "height": 91, "fit": "cover", "quality": 95, "key": "wide/{key}"},
    }
)
SIZES = [(1601, 1201), (2001, 1335), (1001, 667), (503, 2011), (211, 157), (75, 75)]


def _scores(data: bytes, specs) -> list[float]:
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    scores = []
    for variant in render.render(data, specs).variants:
        ours = Image.open(io.BytesIO(variant.data))
        box = centre_box(variant.spec.fit, upright.size, (variant.spec.width, variant.spec.height))
        scores.append(psnr(ours, upright.resize(ours.size, Image.Resampling.LANCZOS, box=box)))
    return scores


@pytest.fixture
def planes_taken(monkeypatch):
    """Counts the renders that took the planes."""
    taken = []
    split, resample_decode = luma_chroma.split, luma_chroma.resample_decode
    monkeypatch.setattr(luma_chroma, "split", lambda *a: taken.append(1) or split(*a))
    monkeypatch.setattr(luma_chroma, "resample_decode", lambda *a: taken.append(1) or resample_decode(*a))
    return taken


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
@pytest.mark.parametrize(("width", "height"), SIZES, ids=str)
def test_planes_match_a_full_decode_as_well_as_the_rgb_route(width, height, orientation, monkeypatch, planes_taken):
    data = samples.oriented_jpeg(orientation, upright=samples.photo(width, height))
    planes = _scores(data, SPECS)
    assert planes_taken
    monkeypatch.setattr(render, "_as_planes", lambda *args: False)
    rgb = _scores(data, SPECS)
    for name, ours, theirs in zip(("large", "thumb", "wide"), planes, rgb, strict=True):
        assert ours >= theirs - ALLOWED_LOSS_DB, (name, round(ours, 2), round(theirs, 2))


def test_planes_score_higher_than_the_rgb_route_on_the_whole(monkeypatch):
    data = [samples.oriented_jpeg(o, upright=samples.photo(w, h)) for o in (1, 6) for w, h in SIZES]
    planes = [score for item in data for score in _scores(item, SPECS)]
    monkeypatch.setattr(render, "_as_planes", lambda *args: False)
    rgb = [score for item in data for score in _scores(item, SPECS)]
    assert statistics.mean(p - r for p, r in zip(planes, rgb, strict=True)) > 0


def _source(data: bytes):
    return open_source(data, Limits())


def _specs(**fields: object):
    return parse_variants({"v": {"width": 400, "height": 400, "key": "v/{dir}{stem}.{ext}", **fields}})


def _eligible(data: bytes, specs, focal=None) -> bool:
    source = _source(data)
    placements = {spec.name: render.place(spec, source.width, source.height) for spec in specs}
    return render._as_planes(source, specs, placements, focal)


def test_gravities_that_do_not_look_at_the_picture_take_the_planes():
    cover = {"width": 300, "height": 100, "fit": "cover"}
    assert _eligible(PHOTO_JPEG, _specs(**cover, gravity="north"))
    assert _eligible(PHOTO_JPEG, _specs(**cover, gravity="focal"), focal=(0.2, 0.7))
    assert not _eligible(PHOTO_JPEG, _specs(**cover, gravity="focal"))  # no point: attention decides
    assert not _eligible(PHOTO_JPEG, _specs(**cover, gravity="entropy"))


@pytest.mark.parametrize(("gravity", "focal"), [("southeast", None), ("focal", (0.2, 0.7))])
def test_a_crop_at_a_fixed_anchor_is_where_the_rgb_route_puts_it(gravity, focal, monkeypatch, planes_taken):
    """Placed while the JPEG is still decoding: the same box, and pixels as close to the full decode."""
    data = samples.oriented_jpeg(6, upright=samples.photo(1600, 1200))
    specs = _specs(width=500, height=200, fit="cover", gravity=gravity, quality=95)
    (planes,) = render.render(data, specs, focal=focal).variants
    assert planes_taken
    monkeypatch.setattr(render, "_as_planes", lambda *args: False)
    (rgb,) = render.render(data, specs, focal=focal).variants
    assert (planes.width, planes.height, planes.crop) == (rgb.width, rgb.height, rgb.crop)
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    reference = upright.resize((planes.width, planes.height), Image.Resampling.LANCZOS, box=planes.crop)
    scores = [psnr(Image.open(io.BytesIO(v.data)), reference) for v in (planes, rgb)]
    assert scores[0] >= scores[1] - ALLOWED_LOSS_DB, scores


def test_colour_jpegs_to_fixed_quality_jpegs_take_the_planes():
    photo = samples.photo(800, 600)
    assert _eligible(samples.encode(photo, "JPEG"), _specs())
    assert _eligible(samples.with_profile(photo, "JPEG", samples.rgb_profile("sRGB")), _specs())
    assert _eligible(samples.encode(photo, "JPEG"), _specs(format="jpeg", quality=60))


PHOTO_JPEG = samples.encode(samples.photo(800, 600), "JPEG")
P3_JPEG = samples.with_profile(samples.photo(800, 600), "JPEG", samples.rgb_profile("Display P3"))


@pytest.mark.parametrize(
    ("why", "data", "fields"),
    [
        ("quality auto scores RGB", PHOTO_JPEG, {"quality": "auto"}),
        ("WebP output", PHOTO_JPEG, {"format": "webp"}),
        ("PNG source", samples.encode(samples.photo(800, 600), "PNG"), {"format": "jpeg"}),
        ("grey JPEG", samples.encode(samples.photo(800, 600).convert("L"), "JPEG"), {}),
        ("CMYK JPEG", samples.encode(samples.photo(800, 600).convert("CMYK"), "JPEG"), {}),
        ("RGB-coded JPEG", samples.encode(samples.photo(800, 600), "JPEG", keep_rgb=True), {}),
        ("a gravity looks first", PHOTO_JPEG, {"fit": "cover", "gravity": "attention"}),
        ("a sliver", PHOTO_JPEG, {"width": 20, "height": 20}),
        ("wide-gamut source", P3_JPEG, {}),
    ],
)
def test_other_renders_take_the_rgb_route(why, data, fields):
    assert not _eligible(data, _specs(**fields)), why


@pytest.mark.parametrize("size", [(1000, 750), (700, 500), (500, 400)], ids=["1/1", "1/2", "3/8"])
def test_a_ycbcr_decode_is_the_rgb_decode_in_libjpegs_own_terms(size):
    """At every DCT scale, the YCbCr decode converted to RGB is the RGB decode (one level of rounding)."""
    data = samples.encode(samples.photo(1600, 1200), "JPEG", quality=90)
    rgb, rgb_scale = decode(_source(data), size)
    ycbcr, scale, _ = start_decode(_source(data), size, streamed=False, luma_chroma=True)
    assert (ycbcr.mode, ycbcr.size, scale) == ("YCbCr", rgb.size, rgb_scale)
    difference = ImageChops.difference(ycbcr.convert("RGB"), rgb)
    assert max(high for _, high in difference.getextrema()) <= 3  # Pillow's conversion and libjpeg's round apart
    assert statistics.mean(difference.convert("L").tobytes()) < 0.5


@pytest.mark.parametrize("origin", [(0, 0), (-1, 0), (0, -1), (-1, -1)])
@pytest.mark.parametrize(
    ("size", "box"), [((900, 601), (10.5, 7.25, 1490.0, 990.0)), ((1201, 800), (0, 0, 1500, 1000))]
)
def test_planes_in_bands_are_the_whole_planes_to_within_one_level(size, box, origin):
    decoded = samples.photo(1500, 1000).convert("YCbCr")
    banded = luma_chroma.resample_decode(decoded, size, box, origin, None)
    whole = luma_chroma.split(decoded)

    def lanczos(image, out_size, out_box):
        return image.resize(out_size, Image.Resampling.LANCZOS, box=out_box)

    expected = Planes(
        whole.luma.resize(size, Image.Resampling.LANCZOS, box=box),
        luma_chroma.resample_chroma(whole.cb, (0, 0), box, size, origin, lanczos),
        luma_chroma.resample_chroma(whole.cr, (0, 0), box, size, origin, lanczos),
        origin,
    )
    assert banded.origin == expected.origin
    for ours, theirs in zip(banded[:3], expected[:3], strict=True):
        assert ours.size == theirs.size
        assert ImageChops.difference(ours, theirs).getextrema()[1] <= 1


def test_merged_planes_give_each_chroma_sample_its_two_by_two_luma_pixels():
    luma = Image.new("L", (5, 3), 100)
    cb = Image.frombytes("L", (3, 2), bytes([10, 20, 30, 40, 50, 60]))
    cr = Image.frombytes("L", (3, 2), bytes([1, 2, 3, 4, 5, 6]))
    start = Planes(luma, cb, cr).merged()
    assert start.mode == "YCbCr" and start.size == (5, 3)
    assert [start.getpixel((x, 0))[1] for x in range(5)] == [10, 10, 20, 20, 30]
    assert [start.getpixel((0, y))[1] for y in range(3)] == [10, 10, 40]
    end = Planes(luma, cb, cr, (-1, -1)).merged()  # the lone pixel first: each sample a pixel earlier
    assert [end.getpixel((x, 0))[1] for x in range(5)] == [10, 20, 20, 30, 30]
    assert [end.getpixel((0, y))[2] for y in range(3)] == [1, 4, 4]


@pytest.mark.parametrize(
    ("transpose", "expected"),
    [(None, (0, 0)), *((t, None) for t in Image.Transpose)],
)
def test_the_lone_pixel_comes_first_along_the_sides_turning_upright_reverses(transpose, expected):
    """Checked against Pillow's own transpose: the stored pixel (0, 0) of a 3x3 picture lands at the start
    of an upright side or at its end."""
    probe = Image.new("L", (3, 3), 0)
    probe.putpixel((0, 0), 255)
    corner = probe.transpose(transpose) if transpose is not None else probe
    x, y = next((x, y) for y in range(3) for x in range(3) if corner.getpixel((x, y)) == 255)
    swapped = transpose in (
        Image.Transpose.ROTATE_90,
        Image.Transpose.ROTATE_270,
        Image.Transpose.TRANSPOSE,
        Image.Transpose.TRANSVERSE,
    )
    stored_x_reversed, stored_y_reversed = (y == 2, x == 2) if swapped else (x == 2, y == 2)
    expected = (-1 if stored_x_reversed else 0, -1 if stored_y_reversed else 0)
    assert luma_chroma.chroma_origin((3, 3), transpose) == expected
    assert luma_chroma.chroma_origin((4, 4), transpose) == (0, 0)  # even sides have no lone pixel


def test_a_plane_is_extended_by_repeating_its_edges():
    plane = Image.frombytes("L", (2, 2), bytes([1, 2, 3, 4]))
    grown, box = luma_chroma.extended(plane, (-1.5, -0.5, 3.2, 2.0))
    assert box == (0.5, 0.5, 5.2, 3.0)
    assert grown.size == (6, 3)
    assert list(grown.tobytes()) == [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
    assert luma_chroma.extended(plane, (0, 0, 2, 2)) == (plane, (0, 0, 2, 2))


@pytest.mark.parametrize("size", [(1000, 750), (700, 500), (500, 400)], ids=["1/1", "1/2", "3/8"])
def test_a_ycbcr_decode_on_its_own_thread_is_the_decode_in_place(size):
    data = samples.encode(samples.photo(1600, 1200), "JPEG", quality=90)
    streamed, scale, rows = start_decode(_source(data), size, streamed=True, luma_chroma=True)
    assert rows is not None
    rows.wait_all()
    in_place, in_place_scale, _ = start_decode(_source(data), size, streamed=False, luma_chroma=True)
    assert (streamed.mode, streamed.size, scale) == (in_place.mode, in_place.size, in_place_scale)
    assert streamed.tobytes() == in_place.tobytes()


@pytest.mark.parametrize("transpose", [None, *Image.Transpose])
@pytest.mark.parametrize("size", [(7, 5), (6, 5), (7, 4), (6, 4)], ids=str)
def test_planes_turned_upright_each_on_its_own_merge_into_the_upright_merged_image(size, transpose):
    """The pairs that ``origin`` sets up in stored orientation start at the upright edges: turning each plane
    and merging is turning the merged image."""
    photo = samples.photo(*size).convert("YCbCr")
    chroma = luma_chroma.chroma_size(size)
    cb, cr = (photo.getchannel(band).resize(chroma, Image.Resampling.BOX) for band in (1, 2))
    planes = Planes(photo.getchannel(0), cb, cr, luma_chroma.chroma_origin(size, transpose))
    merged = planes.merged()
    expected = merged.transpose(transpose) if transpose is not None else merged
    assert planes.upright(transpose).merged().tobytes() == expected.tobytes()


def test_an_rgb_coded_jpeg_renders_by_the_rgb_route(planes_taken):
    """libjpeg cannot decode an RGB-coded JPEG (Adobe transform 0) to YCbCr: its variants are the RGB route's.
    Its 400 px variant scores 29.1 dB against the full decode, the same picture's Y'CbCr JPEG 30.4; its RGB
    samples taken for Y'CbCr, 10."""
    data = samples.encode(samples.photo(1200, 800), "JPEG", keep_rgb=True, quality=90)
    (variant,) = render.render(data, _specs()).variants
    assert not planes_taken
    assert (variant.width, variant.height, variant.format) == (400, 267, "jpeg")
    upright = Image.open(io.BytesIO(data)).convert("RGB")
    ours = Image.open(io.BytesIO(variant.data))
    assert psnr(ours, upright.resize(ours.size, Image.Resampling.LANCZOS)) >= 27


@pytest.mark.parametrize(
    ("info", "ids", "expected"),
    [
        ({"jfif": 257}, [1, 2, 3], True),
        ({"jfif": 257, "adobe_transform": 0}, [82, 71, 66], True),  # JFIF first, as libjpeg reads them
        ({"adobe_transform": 0}, [1, 2, 3], False),
        ({"adobe_transform": 1}, [82, 71, 66], True),
        ({}, [82, 71, 66], False),
        ({}, [1, 2, 3], True),
        ({}, [0, 1, 2], True),  # unknown ids: libjpeg assumes Y'CbCr
    ],
)
def test_which_jpegs_libjpeg_takes_for_ycbcr(info, ids, expected):
    image = Image.open(io.BytesIO(PHOTO_JPEG))
    image.info = info
    image.layer = [(component, 1, 1, 0) for component in ids]
    assert luma_chroma.stored_as_ycbcr(image) is expected
