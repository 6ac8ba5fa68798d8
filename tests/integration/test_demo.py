import json
import shutil
import statistics
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageFilter, ImageOps, ImageStat
from pipeline_dev import samples
from pipeline_dev.demo import DEMO_VARIANTS, main


def test_demo_runs_the_local_pipeline(tmp_path, capsys):
    assert main(["--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    table = out[out.index("key ") :]
    body = table.split("\n\n", 1)[0]  # the table ends at the first blank line; its note follows
    rows = {line.split()[0]: line for line in body.splitlines()[2:]}
    assert set(rows) == {"phone-photo-rotated.jpg", "transparent-logo.png", "camera-24mp.jpg", "corrupt.jpg"}
    assert "FAILED" in rows["corrupt.jpg"] and "CorruptImageError" in rows["corrupt.jpg"]
    assert "SUCCEEDED" in rows["phone-photo-rotated.jpg"] and "200x150 jpeg" in rows["phone-photo-rotated.jpg"]
    assert "200x133 png" in rows["transparent-logo.png"]
    page = (tmp_path / "index.html").read_text()
    assert page.count("<section>") == 4
    assert (tmp_path / "resized" / "phone-photo-rotated.jpg").stat().st_size > 1000
    # Built from the manifests: each picture over its placeholder, the variants listed, the event raised.
    assert page.count("<picture>") == 3 and 'srcset="./resized/' in page
    assert page.count("data:image/webp;base64,") == 3 and "BlurHash " in page
    assert page.count("event: Image Variants Ready") == 3
    assert "event: Image Variants Failed (CorruptImageError)" in page
    assert "square: 160x160" in page and "crop [" in page
    # Every variant is an image, and each cover crop is drawn where it was taken on the original.
    outputs_per_upload = sum(len(v.get("formats", ["one"])) for v in DEMO_VARIANTS.values())
    assert page.count('<img src="resized/') == 3 * outputs_per_upload
    # One URL per image: the CDN stand-in ran Terraform's CloudFront Function; each browser got its format.
    negotiated = [line for line in out.splitlines() if line.startswith("  GET /") and "?w=640" in line]
    assert len(negotiated) == 3
    for line in negotiated:
        assert "Chrome 200 image/avif" in line and "WebP only 200 image/webp" in line, line
        assert "JPEG only 200 image/jpeg" in line, line
    assert page.count("?w=640&quot;&gt;</code>") == 3 and page.count("(Vary: Accept)") == 3
    chrome = tmp_path / "negotiated" / "chrome" / "camera-24mp.jpg.avif"
    assert chrome.read_bytes()[4:12] == b"ftypavif"
    assert Image.open(chrome).size == (640, 427)
    assert page.count('class=crop style="left:') == 3 and "<span>square</span>" in page


def test_demo_on_your_own_images_with_unicode_names_and_expected_rejections(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("not an image")
    (mine / "drawing.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (mine / "été 1.jpg").write_bytes(samples.encode(samples.photo(640, 480), "JPEG"))
    (mine / "ok.png").write_bytes(samples.transparent_png())
    (mine / "scan.tiff").write_bytes(samples.encode(samples.photo(320, 240), "TIFF"))
    # A typed rejection (SVG, text) is the pipeline doing its job, not a demo failure.
    assert main(["--images", str(mine), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "UnsupportedImageError" in out and "unexpected outcome" not in out
    unicode_row = next(line for line in out.splitlines() if line.startswith("été 1.jpg"))
    assert "SUCCEEDED" in unicode_row and "200x150 jpeg" in unicode_row
    function_ms = unicode_row.split()[4]  # key (two words), status, seconds, function ms
    assert function_ms.removesuffix("*").isdigit(), unicode_row  # the function's own duration, from REPORT
    assert "* marks a worker's first" in out  # and what a duration includes is said under the table
    assert (tmp_path / "out" / "resized" / "été 1.jpg").stat().st_size > 1000
    page = (tmp_path / "out" / "index.html").read_text()
    # A browser cannot show a TIFF: the page shows a preview the pipeline rendered, labelled as such.
    assert 'src="previews/scan.tiff.png"' in page and "a preview the pipeline rendered" in page
    assert (tmp_path / "out" / "previews" / "scan.tiff.png").read_bytes().startswith(b"\x89PNG")
    assert 'src="originals/ok.png"' in page


def test_demo_refuses_a_missing_images_folder(tmp_path, capsys):
    assert main(["--images", str(tmp_path / "nowhere")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_demo_walks_subfolders_and_names_what_it_leaves_out(tmp_path, capsys):
    mine = tmp_path / "mine"
    (mine / "inner" / "deeper").mkdir(parents=True)
    (mine / ".git").mkdir()
    (mine / ".git" / "config").write_text("[core]")
    (mine / ".DS_Store").write_bytes(b"\0")
    (mine / "inner" / "photo.jpg").write_bytes(samples.encode(samples.photo(640, 480), "JPEG"))
    (mine / "inner" / "deeper" / "mon été.png").write_bytes(samples.transparent_png())
    (mine / "top.png").write_bytes(samples.transparent_png())
    (mine / "linked.png").symlink_to(mine / "top.png")
    assert main(["--images", str(mine), "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    rows = [line.split()[0] for line in captured.out.splitlines() if line.startswith(("inner/", "top.png"))]
    assert {"inner/photo.jpg", "inner/deeper/mon", "top.png"} <= set(rows)
    assert "left out .git/: a hidden folder" in captured.err
    assert "left out .DS_Store: a hidden file" in captured.err
    assert "left out linked.png: a link, not followed" in captured.err
    assert (tmp_path / "out" / "resized" / "inner" / "photo.jpg").stat().st_size > 1000
    page = (tmp_path / "out" / "index.html").read_text()
    assert 'src="originals/inner/deeper/mon%20%C3%A9t%C3%A9.png"' in page


def test_demo_says_a_folder_of_nothing_to_upload_holds_nothing(tmp_path, capsys):
    (tmp_path / "only-hidden").mkdir()
    (tmp_path / "only-hidden" / ".keep").write_text("")
    assert main(["--images", str(tmp_path / "only-hidden")]) == 2
    err = capsys.readouterr().err
    assert "left out .keep: a hidden file" in err and "holds no files to upload" in err


CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
BOX = 320  # the width the demo page gives each <picture>


def screenshot(page: Path, height: int, out: Path) -> Image.Image:
    """What headless Chromium paints of ``page`` at BOX x height, after its loads (virtual time)."""
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            f"--window-size={BOX},{height}",
            "--virtual-time-budget=5000",
            f"--screenshot={out}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with Image.open(out) as shot:
        return shot.convert("RGB").crop((0, 0, BOX, height))


def layout(image: Image.Image) -> list[float]:
    """An 8x6 grey rendering: where the picture is light and dark, not its detail."""
    return list(image.convert("L").resize((8, 6), Image.Resampling.BOX).get_flattened_data())


def correlation(a: list[float], b: list[float]) -> float:
    return statistics.correlation(a, b)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt install chromium)")
def test_the_manifests_picture_paints_a_blurred_placeholder_then_its_variant(tmp_path, capsys):
    """The <picture> snippet of each photo's manifest, alone on a page in the demo's folder, in headless
    Chromium: without the variant files only the placeholder can paint, and it must be a blurred picture of the
    original's layout (not one flat colour); with them, the variant paints over it."""
    out = tmp_path / "demo"
    assert main(["--out", str(out)]) == 0
    capsys.readouterr()
    manifests = [json.loads(p.read_text(encoding="utf-8")) for p in (out / "manifests").rglob("*.json")]
    photos = [m for m in manifests if m["source"]["format"] == "JPEG"]
    assert len(photos) == 2
    for index, manifest in enumerate(photos):
        source = manifest["source"]
        height = round(BOX * source["height"] / source["width"])
        page = out / f"probe-{index}.html"
        page.write_text(
            "<!doctype html><meta charset=utf-8><style>body{margin:0}img{width:320px;height:auto;display:block}"
            f"</style>{manifest['picture']}",
            encoding="utf-8",
        )
        with Image.open(out / "originals" / source["key"]) as original:
            expected = ImageOps.exif_transpose(original).convert("RGB").resize((BOX, height), Image.Resampling.LANCZOS)
        painted = screenshot(page, height, tmp_path / f"with-{index}.png")
        hidden = out / "resized-hidden"
        (out / "resized").rename(hidden)
        try:
            placeholder = screenshot(page, height, tmp_path / f"placeholder-{index}.png")
        finally:
            hidden.rename(out / "resized")
        grey = placeholder.convert("L")
        # Not a flat box. Measured on the demo's photos: the LQIP spreads 28 grey levels; the dominant colour alone
        # (the snippet before this change) 7.8, from the browser's missing-image mark on it.
        assert statistics.pstdev(grey.get_flattened_data()) > 15, source["key"]
        # The original's layout: an 8x6 rendering correlates with the original's, 0.97 measured with the LQIP and
        # -0.15 with the colour alone; 0.9 leaves room for the LQIP's 24 px and its WebP quality.
        assert correlation(layout(placeholder), layout(expected)) > 0.9, source["key"]
        # Blurred: its fine detail is a fraction of the original's.
        sharp = ImageChops.difference(expected, expected.filter(ImageFilter.GaussianBlur(1)))
        soft = ImageChops.difference(placeholder, placeholder.filter(ImageFilter.GaussianBlur(1)))
        assert ImageStat.Stat(soft).mean[0] < 0.5 * ImageStat.Stat(sharp).mean[0], source["key"]
        # With the variants present, the variant is what shows: close to the original at this size (a mean
        # difference of a few levels: the browser's own downscale of the variant it picked, and JPEG).
        difference = ImageStat.Stat(ImageChops.difference(painted, expected)).mean
        assert sum(difference) / 3 < 8, (source["key"], difference)
