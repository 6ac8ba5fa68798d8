from pipeline_dev import samples
from pipeline_dev.demo import DEMO_VARIANTS, main


def test_demo_runs_the_local_pipeline(tmp_path, capsys):
    assert main(["--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    table = out[out.index("key ") :]
    rows = {line.split()[0]: line for line in table.splitlines()[2:] if line.strip() and not line.startswith("open")}
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
    assert page.count('<img src="resized/') == 3 * len(DEMO_VARIANTS)
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
    assert function_ms.isdigit(), unicode_row  # the function's own duration, from its REPORT line
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
