"""Every file of ../shared/corpus through the CLI, in one subprocess whose address space is capped."""

import csv
import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import open_output

pytestmark = pytest.mark.corpus

ADDRESS_SPACE_LIMIT = 2 * 1024**3  # hostile files must fail typed well inside this, never crash the process
ALPHA_FILES = {
    "basn4a08.png",
    "basn6a16.png",
    "basi6a08.png",
    "tbbn3p08.png",
    "tbrn2c08.png",
    "apng_delay.png",
    "animated-loop-3.webp",
    "gopher-doc.with-alpha.lossless.webp",
    "webp_lossless_color_index_alpha.webp",
    "transparency.avif",
    "abc_color_irot_alpha_irot.avif",
    "bmpsuite_rgba32.bmp",
    "misleading_png_rgba.jpg",
    "star.avifs",
}
EXPECTED_ERRORS = {
    "xc1n0g08.png": {"CorruptImageError"},
    "xcrn0g04.png": {"CorruptImageError", "UnsupportedImageError"},
    "xd0n2c08.png": {"CorruptImageError"},
    "xdtn0g01.png": {"CorruptImageError"},
    "xhdn0g08.png": {"CorruptImageError"},
    "xs1n0g01.png": {"CorruptImageError", "UnsupportedImageError"},
    "testorig12.jpg": {"UnsupportedImageError"},
    "truncated_jpeg.jpg": {"CorruptImageError"},
    "hostile_bomb_100000x100000.png": {"ImageTooLargeError"},
    "16384x16384.png": {"ImageTooLargeError"},
    "bmpsuite_reallybig.bmp": {"ImageTooLargeError"},
    "png_decompression_dos.png": {"ImageTooLargeError"},
    "hostile_empty.jpg": {"CorruptImageError"},
    "hostile_text_named.jpg": {"UnsupportedImageError"},
    "hostile_simple.svg": {"UnsupportedImageError"},
    "Commons-logo.svg": {"UnsupportedImageError"},
}
EITHER_WAY = {"xcsn0g01.png"}  # bad CRC that Pillow decodes: consistent either way


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))


@pytest.fixture(scope="module")
def corpus_results(corpus_dir, tmp_path_factory):
    rows = list(csv.DictReader((corpus_dir / "MANIFEST.csv").open(encoding="utf-8")))
    out = tmp_path_factory.mktemp("corpus-out")
    files = [str(corpus_dir / "images" / row["file"]) for row in rows]
    variants = json.dumps({"thumbnail": {"width": 200, "height": 200, "key": "{key}"}})
    completed = subprocess.run(
        [sys.executable, "-m", "image_resizer", "resize", "--out", str(out), "--variants", variants, *files],
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=_limit_address_space,
        timeout=600,
    )
    assert completed.returncode in (0, 1), completed.stderr[-2000:]
    lines = [json.loads(line) for line in completed.stdout.splitlines()]
    assert len(lines) == len(rows), completed.stderr[-2000:]
    return {Path(line["source"]).name: (row, line) for row, line in zip(rows, lines, strict=True)}


def test_manifest_is_fully_covered(corpus_results):
    assert len(corpus_results) == 75
    assert set(EXPECTED_ERRORS) | EITHER_WAY <= set(corpus_results)


def test_hostile_and_corrupt_files_get_their_typed_error(corpus_results):
    wrong = {
        name: line.get("error") or "accepted"
        for name, (_, line) in corpus_results.items()
        if name in EXPECTED_ERRORS and (line["ok"] or line["error"]["type"] not in EXPECTED_ERRORS[name])
    }
    assert not wrong


def test_every_valid_file_gives_an_upright_in_bounds_variant(corpus_dir, corpus_results):
    problems = {}
    for name, (_, line) in corpus_results.items():
        if name in EXPECTED_ERRORS or name in EITHER_WAY:
            continue
        if not line["ok"]:
            problems[name] = line["error"]
            continue
        (output,) = line["outputs"]
        image = open_output(Path(output["path"]).read_bytes())
        if max(image.size) > 200 or image.size != (output["width"], output["height"]):
            problems[name] = f"size {image.size}"
        if image.getexif():
            problems[name] = "EXIF left in output"
        if name in ALPHA_FILES and "A" not in image.mode and _first_frame_has_transparency(corpus_dir, name):
            problems[name] = f"alpha lost ({image.mode}, {output['format']})"
    assert not problems


def _first_frame_has_transparency(corpus_dir, name):
    """libwebp drops an all-opaque alpha plane when encoding, which is no loss."""
    with Image.open(corpus_dir / "images" / name) as source:
        source.load()
        return "A" in source.mode and source.getchannel("A").getextrema()[0] < 255


def _declared_aspect(row):
    width, height = int(row["width"]), int(row["height"])
    return (height, width) if row["orientation"] in {"5", "6", "7", "8"} else (width, height)


@pytest.mark.parametrize(
    "name",
    [f"Landscape_{i}.jpg" for i in range(9)]
    + [
        "paris_exif_orientation_5.jpg",
        "orientation_rectangle.jpg",
        "dog_exif_extended_xmp_icc.jpg",
        "hopper_orientation_6.webp",
        "abc_color_irot_alpha_irot.avif",
    ],
)
def test_orientation_is_applied(corpus_results, name):
    row, line = corpus_results[name]
    (output,) = line["outputs"]
    width, height = _declared_aspect(row)
    if name.startswith("Landscape_"):
        width, height = 1800, 1200  # the displayed picture is landscape whatever the tag
    elif name == "abc_color_irot_alpha_irot.avif":
        width, height = 256, 512  # irot exposed as Orientation=8
    ratio, expected = output["width"] / output["height"], width / height
    assert abs(ratio - expected) / expected < 0.05, (output, (width, height))


def test_landscape_set_is_pixel_consistent(corpus_results):
    """All nine orientation samples show the same picture once upright."""
    reference = open_output(Path(corpus_results["Landscape_1.jpg"][1]["outputs"][0]["path"]).read_bytes())
    for i in range(9):
        path = Path(corpus_results[f"Landscape_{i}.jpg"][1]["outputs"][0]["path"])
        image = open_output(path.read_bytes()).convert("L").resize(reference.size)
        from PIL import ImageChops, ImageStat

        (diff,) = ImageStat.Stat(ImageChops.difference(image, reference.convert("L"))).mean
        assert diff < 12, (i, diff)


@pytest.mark.parametrize("name", ["pil_sample_cmyk.jpg", "Giunchedi_Filippo_January_2015_01-cmyk.jpg", "cmyk-icc.jpg"])
def test_cmyk_comes_out_rgb_and_not_inverted(corpus_dir, corpus_results, name):
    (output,) = corpus_results[name][1]["outputs"]
    image = open_output(Path(output["path"]).read_bytes())
    assert image.mode == "RGB"
    # Pillow's own CMYK->RGB of the same file is a crude but un-inverted reference.
    with Image.open(corpus_dir / "images" / name) as source:
        naive = source.convert("RGB").resize(image.size)
    from PIL import ImageChops, ImageStat

    (mean_diff,) = ImageStat.Stat(ImageChops.difference(image.convert("L"), naive.convert("L"))).mean
    assert mean_diff < 60, mean_diff  # an inverted result differs by ~128 on average


def test_heic_is_decoded(corpus_results):
    for name in ("iphone_13_pro_max.HEIC", "thumbor_image.heic"):
        assert corpus_results[name][1]["ok"], corpus_results[name][1]


def test_display_p3_is_converted(corpus_results):
    (output,) = corpus_results["apple_gainmap_new.jpg"][1]["outputs"]
    image = open_output(Path(output["path"]).read_bytes())
    assert "icc_profile" not in image.info and image.mode == "RGB"


ANIMATED = [
    "Rotating_earth_(large).gif",
    "dispose_bgnd.gif",
    "thumbor_animated.gif",
    "animated-loop-3.webp",
    "animated_random_lossless.webp",
    "apng_delay.png",
]


@pytest.mark.parametrize("name", ANIMATED)
def test_real_animations_are_kept_frame_for_frame(corpus_dir, name):
    from image_resizer.imaging.render import render
    from image_resizer.variants import parse_variants

    data = (corpus_dir / "images" / name).read_bytes()
    with Image.open(corpus_dir / "images" / name) as source:
        frames = source.n_frames
        durations = []
        for index in range(frames):
            source.seek(index)
            source.load()  # WebP and APNG set a frame's duration when it is read
            durations.append(int(source.info.get("duration", 0) or 0))
        loop = source.info.get("loop", 0)
    specs = parse_variants({"anim": {"width": 200, "height": 200, "animation": "keep"}})
    (variant,) = render(data, specs).variants
    output = Image.open(__import__("io").BytesIO(variant.data))
    assert (variant.format, variant.frames, output.n_frames) == ("webp", frames, frames)
    got = []
    for index in range(frames):
        output.seek(index)
        output.load()
        got.append(output.info.get("duration", 0))
    assert got == durations and output.info.get("loop", 0) == loop


def test_cmyk_with_a_profile_is_converted_like_imagecms(corpus_dir):
    """The corpus's U.S. Web Coated (SWOP) profile, read from the file at test time, on flat CMYK patches."""
    import io

    from image_resizer.imaging.render import render
    from image_resizer.variants import parse_variants
    from PIL import ImageCms, ImageDraw

    with Image.open(corpus_dir / "images" / "cmyk-icc.jpg") as opened:
        profile = opened.info["icc_profile"]
    patches = Image.new("CMYK", (400, 300))
    draw = ImageDraw.Draw(patches)
    inks = [(0, 255, 255, 0), (255, 0, 255, 0), (255, 255, 0, 0), (0, 60, 200, 30)]
    for index, ink in enumerate(inks):
        x, y = (index % 2) * 200, (index // 2) * 150
        draw.rectangle((x, y, x + 199, y + 149), fill=ink)
    buffer = io.BytesIO()
    patches.save(buffer, "TIFF", icc_profile=profile)  # lossless, unlike a CMYK JPEG
    specs = parse_variants({"v": {"width": 200, "height": 200, "format": "png"}})
    (variant,) = render(buffer.getvalue(), specs).variants
    output = Image.open(io.BytesIO(variant.data)).convert("RGB")
    reference = ImageCms.profileToProfile(
        patches,
        ImageCms.ImageCmsProfile(io.BytesIO(profile)),
        ImageCms.createProfile("sRGB"),
        renderingIntent=ImageCms.Intent.PERCEPTUAL,
        outputMode="RGB",
        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
    )
    for fx, fy in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)]:
        ours = output.getpixel((int(fx * output.width), int(fy * output.height)))
        theirs = reference.getpixel((int(fx * reference.width), int(fy * reference.height)))
        assert max(abs(a - b) for a, b in zip(ours, theirs, strict=True)) <= 2, (ours, theirs)
