from pipeline_dev.demo import main


def test_demo_succeeds_on_valid_samples_and_fails_the_corrupt_one(tmp_path, capsys):
    assert main(["--out", str(tmp_path)]) == 0
    table = capsys.readouterr().out
    assert "corrupt.jpg                  FAILED" in table and "CorruptImageError" in table
    assert table.count("SUCCEEDED") == 3
    page = (tmp_path / "index.html").read_text()
    assert page.count("<section>") == 4 and "resized/medium/phone-photo-rotated.webp" in page


def test_demo_on_your_own_images(tmp_path, capsys):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("not an image")
    assert main(["--images", str(tmp_path / "mine"), "--out", str(tmp_path / "out")]) == 1
