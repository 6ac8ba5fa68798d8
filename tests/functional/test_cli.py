import json
import subprocess
import sys
from pathlib import Path

from image_resizer.cli import main
from pipeline_dev import samples

from tests.conftest import open_output

CLI = [str(Path(sys.executable).with_name("image-resizer"))]


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def run(*args):
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, check=False)


def test_one_json_line_per_input_and_exit_1_when_any_is_rejected(tmp_path):
    good = write(tmp_path, "good.jpg", samples.oriented_jpeg(6))
    bad = write(tmp_path, "bad.png", b"not an image at all")
    also_good = write(tmp_path, "alpha.png", samples.transparent_png())
    out = tmp_path / "out"
    completed = run("resize", "--out", out, good, bad, also_good)
    assert completed.returncode == 1, completed.stderr
    lines = [json.loads(line) for line in completed.stdout.splitlines()]
    assert [line["source"] for line in lines] == [str(good), str(bad), str(also_good)]
    assert lines[0]["ok"] is True
    (output,) = lines[0]["outputs"]
    assert output == {
        "variant": "thumbnail",
        "path": str(out / "good.jpg"),
        "width": 200,
        "height": 150,
        "format": "jpeg",
        "bytes": (out / "good.jpg").stat().st_size,
    }
    assert open_output((out / "good.jpg").read_bytes()).size == (200, 150)
    assert lines[1] == {
        "source": str(bad),
        "ok": False,
        "error": {"type": "UnsupportedImageError", "message": lines[1]["error"]["message"]},
    }
    assert lines[2]["ok"] is True and lines[2]["outputs"][0]["format"] == "png"


def test_exit_0_when_all_succeed_and_custom_variants(tmp_path):
    src = write(tmp_path, "p.png", samples.encode(samples.photo(600, 400), "PNG"))
    variants = '{"w": {"width": 300, "height": 300, "format": "webp", "key": "{variant}/{stem}.{ext}"}}'
    completed = run("resize", "--out", tmp_path / "o", "--variants", variants, src)
    assert completed.returncode == 0
    (line,) = [json.loads(x) for x in completed.stdout.splitlines()]
    assert line["outputs"][0]["path"] == str(tmp_path / "o" / "w" / "p.webp")


def test_best_names_the_format_quality_and_score_it_chose(tmp_path):
    src = write(tmp_path, "p.png", samples.encode(samples.photo(600, 400), "PNG"))
    variants = '{"w": {"width": 300, "height": 300, "format": "best", "quality_target": 85, "key": "{stem}.{ext}"}}'
    completed = run("resize", "--out", tmp_path / "o", "--variants", variants, src)
    assert completed.returncode == 0, completed.stderr
    (line,) = [json.loads(x) for x in completed.stdout.splitlines()]
    (output,) = line["outputs"]
    assert output["score"] >= 85 and output["format"] in ("avif", "webp", "jpeg", "png")
    assert Path(output["path"]).suffix == {"jpeg": ".jpg"}.get(output["format"], f".{output['format']}")
    assert open_output(Path(output["path"]).read_bytes()).format.lower() == output["format"]
    manifest = json.loads(Path(line["manifest"]).read_text())
    assert manifest["variants"][0]["score"] == output["score"]
    assert manifest["variants"][0]["quality"] == output["quality"]


def test_a_quality_that_is_neither_a_number_nor_auto_is_refused_in_one_line(tmp_path):
    src = write(tmp_path, "p.png", samples.encode(samples.photo(60, 40), "PNG"))
    completed = run(
        "resize", "--out", tmp_path / "o", "--variants", '{"w": {"width": 9, "height": 9, "quality": "hi"}}', src
    )
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines() == [
        "image-resizer: error: variant 'w': field 'quality' is 'hi'; expected an integer from 1 to 100 or 'auto'"
    ]


def test_variants_from_a_file(tmp_path):
    spec = write(tmp_path, "v.json", b'{"tiny": {"width": 10, "height": 10}}')
    src = write(tmp_path, "p.png", samples.encode(samples.photo(100, 100), "PNG"))
    assert main(["resize", "--out", str(tmp_path / "o"), "--variants", f"@{spec}", str(src)]) == 0
    assert (tmp_path / "o" / "tiny" / "p.png").is_file()


def test_a_variants_path_without_the_at_sign_is_named_with_the_fix(tmp_path):
    spec = write(tmp_path, "v.json", b'{"tiny": {"width": 10, "height": 10}}')
    src = write(tmp_path, "p.png", samples.encode(samples.photo(100, 100), "PNG"))
    completed = run("resize", "--out", tmp_path / "o", "--variants", spec, src)
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines() == [
        f"image-resizer: error: variants {str(spec)!r} are not JSON; to read them from a file, write @{spec}"
    ]


def test_max_source_pixels(tmp_path):
    src = write(tmp_path, "p.png", samples.encode(samples.photo(100, 100), "PNG"))
    completed = run("resize", "--out", tmp_path / "o", "--max-source-pixels", "9999", src)
    assert completed.returncode == 1
    assert json.loads(completed.stdout)["error"]["type"] == "ImageTooLargeError"


def test_missing_file_is_reported_not_fatal(tmp_path):
    src = write(tmp_path, "p.png", samples.encode(samples.photo(100, 100), "PNG"))
    completed = run("resize", "--out", tmp_path / "o", tmp_path / "missing.jpg", src)
    first, second = (json.loads(x) for x in completed.stdout.splitlines())
    assert first["error"]["type"] == "SourceNotFoundError" and second["ok"] is True
    assert completed.returncode == 1


def test_usage_errors_exit_2(tmp_path):
    assert run("resize", tmp_path / "x.jpg").returncode == 2  # no --out
    assert run("resize", "--out", tmp_path).returncode == 2  # no files
    bad_variants = run("resize", "--out", tmp_path, "--variants", '{"v": {"width": 0, "height": 1}}', "x.jpg")
    assert bad_variants.returncode == 2 and "'width' is 0" in bad_variants.stderr
    assert run("frobnicate").returncode == 2


def test_content_addressed_keys_carry_the_hash_of_the_file_and_the_settings(tmp_path):
    import hashlib

    from image_resizer.variants import parse_variants

    data = samples.encode(samples.photo(600, 400), "JPEG")
    src = write(tmp_path, "c.jpg", data)
    variants = {
        "hashed": {"width": 300, "height": 300, "key": "h/{stem}.{hash}.{ext}"},
        "plain": {"width": 100, "height": 100, "key": "p/{stem}.{ext}"},
    }
    completed = run("resize", "--out", tmp_path / "o", "--variants", json.dumps(variants), src)
    assert completed.returncode == 0, completed.stderr
    (line,) = [json.loads(x) for x in completed.stdout.splitlines()]
    specs = {spec.name: spec for spec in parse_variants(variants)}
    expected = specs["hashed"].content_hash(hashlib.md5(data, usedforsecurity=False).hexdigest())
    assert [o["path"] for o in line["outputs"]] == [
        str(tmp_path / "o" / "h" / f"c.{expected}.jpg"),
        str(tmp_path / "o" / "p" / "c.jpg"),
    ]


def test_a_fixed_format_under_the_uploads_name_is_refused_in_one_line(tmp_path):
    logo = write(tmp_path, "x.png", samples.transparent_png())
    variants = '{"c": {"width": 100, "height": 100, "format": "jpeg", "key": "card/{key}"}}'
    completed = run("resize", "--out", tmp_path / "out", "--variants", variants, logo)
    assert completed.returncode == 2 and not (tmp_path / "out").exists()
    (line,) = completed.stderr.strip().splitlines()
    assert "{ext}" in line and "card/{key}" in line and "Traceback" not in completed.stderr


def test_an_attention_crop_says_how_much_of_the_picture_it_holds_against_the_centred_box(tmp_path, capsys):
    from pipeline_dev import scenes

    source = tmp_path / "face.png"
    scenes.scene("busy", "skin", (1600, 900), 0.85, seed=3).image.save(source)
    variants = {
        "sq": {"width": 256, "height": 256, "fit": "cover", "gravity": "attention"},
        "t": {"width": 90, "height": 90},
    }
    assert main(["resize", str(source), "--out", str(tmp_path / "out"), "--variants", json.dumps(variants)]) == 0
    outputs = {o["variant"]: o for o in json.loads(capsys.readouterr().out)["outputs"]}
    score = outputs["sq"]["crop_score"]
    assert 0 <= score["centre"] < score["chosen"] <= 1 and "crop_score" not in outputs["t"]
