from pipeline_dev.demo import main


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
    assert (tmp_path / "resized" / "thumbnail" / "phone-photo-rotated.jpg").stat().st_size > 1000


def test_demo_on_your_own_images(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("not an image")
    (mine / "ok.png").write_bytes(__import__("pipeline_dev.samples", fromlist=["x"]).transparent_png())
    assert main(["--images", str(mine), "--out", str(tmp_path / "out")]) == 1  # your own files: any failure counts
    out = capsys.readouterr().out
    assert "UnsupportedImageError" in out and "unexpected outcome for: notes.txt" in out
