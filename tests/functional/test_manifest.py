"""The per-upload manifest: written beside the variants, returned in the result, valid against the repository's
JSON Schema, its srcset naming exactly the objects written, its placeholders decoding (by the hash libraries'
own decoders) to the picture's colours."""

from __future__ import annotations

import base64
import io
import json
import re

import blurhash
import jsonschema
import pytest
from image_resizer import handler
from image_resizer.aws.storage import ObjectStore
from image_resizer.cli import main
from PIL import Image, ImageStat
from pipeline_dev import samples

from tests.conftest import REPO_ROOT
from tests.functional.conftest import RESIZED, SOURCE
from tests.thumbhash_reference import thumbhash_to_rgba

SCHEMA = json.loads((REPO_ROOT / "schemas" / "manifest.schema.json").read_text())
VARIANTS = {
    "small": {"width": 200, "height": 200, "format": "webp", "key": "w200/{dir}{stem}.{ext}"},
    "large": {"width": 640, "height": 640, "format": "webp", "key": "w640/{dir}{stem}.{ext}"},
    "fallback": {"width": 640, "height": 640, "format": "jpeg", "key": "j640/{dir}{stem}.{ext}"},
    "square": {"width": 128, "height": 128, "fit": "cover", "gravity": "attention", "key": "sq/{key}"},
}
PICTURE = samples.photo(1200, 800, seed=8)


@pytest.fixture
def configured(s3, monkeypatch):
    monkeypatch.setenv("VARIANTS", json.dumps(VARIANTS))
    monkeypatch.setenv("BASE_URL", "https://images.example.com/")
    handler.reset(ObjectStore(s3))


def mean_rgb(image: Image.Image) -> list[float]:
    return ImageStat.Stat(image.convert("RGB")).mean


def close(a, b, tolerance=20.0):
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def test_the_manifest_is_written_valid_and_returned(s3, invoke, configured):
    s3.put_object(Bucket=SOURCE, Key="albums/cat.jpg", Body=samples.encode(PICTURE, "JPEG"))
    result = invoke({"bucket": SOURCE, "key": "albums/cat.jpg"})
    stored = json.loads(s3.get_object(Bucket=RESIZED, Key="manifests/albums/cat.json")["Body"].read())
    assert stored == result["manifest"]
    jsonschema.validate(stored, SCHEMA)
    assert stored["source"]["key"] == "albums/cat.jpg" and stored["source"]["width"] == 1200
    # srcset: exactly the inside-fit objects written, with their real widths, smallest first.
    for fmt, srcset in stored["srcset"].items():
        entries = [entry.rsplit(" ", 1) for entry in srcset.split(", ")]
        widths = [int(w[:-1]) for _, w in entries]
        assert widths == sorted(widths)
        for url, width in entries:
            key = url.removeprefix("https://images.example.com/")
            head = s3.head_object(Bucket=RESIZED, Key=key)
            assert int(head["Metadata"]["width"]) == int(width[:-1]) and head["Metadata"]["format"] == fmt
    assert set(stored["srcset"]) == {"webp", "jpeg"}  # the square crop is not a candidate of the same picture
    assert stored["picture"].startswith('<picture><source type="image/webp"')
    assert 'src="https://images.example.com/j640/albums/cat.jpg"' in stored["picture"]
    square = next(v for v in stored["variants"] if v["name"] == "square")
    assert square["crop"] and "url" in square
    # The short placeholders travel with every variant.
    head = s3.head_object(Bucket=RESIZED, Key="sq/albums/cat.jpg")
    assert head["Metadata"]["thumbhash"] == stored["placeholders"]["thumbhash"]
    assert head["Metadata"]["dominant-color"] == stored["placeholders"]["dominantColor"]


def test_placeholders_decode_to_the_pictures_colours(s3, invoke, configured):
    s3.put_object(Bucket=SOURCE, Key="p.jpg", Body=samples.encode(PICTURE, "JPEG"))
    marks = invoke({"bucket": SOURCE, "key": "p.jpg"})["manifest"]["placeholders"]
    expected = mean_rgb(PICTURE)
    decoded_blurhash = Image.new("RGB", (32, 32))
    decoded_blurhash.putdata(
        [tuple(int(c) for c in px) for row in blurhash.decode(marks["blurhash"], 32, 32) for px in row]
    )
    assert close(mean_rgb(decoded_blurhash), expected)
    width, height, pixels = thumbhash_to_rgba(list(base64.b64decode(marks["thumbhash"])))
    decoded_thumbhash = Image.frombytes("RGBA", (width, height), pixels)
    assert close(mean_rgb(decoded_thumbhash), expected)
    lqip = Image.open(io.BytesIO(base64.b64decode(marks["lqip"].split(",", 1)[1])))
    assert max(lqip.size) <= 24 and len(marks["lqip"]) <= 1024 and close(mean_rgb(lqip), expected)
    assert re.fullmatch(r"#[0-9a-f]{6}", marks["dominantColor"])


def test_a_redelivery_returns_the_same_manifest(s3, invoke, configured):
    s3.put_object(Bucket=SOURCE, Key="r.jpg", Body=samples.encode(PICTURE, "JPEG"))
    first = invoke({"bucket": SOURCE, "key": "r.jpg"})
    again = invoke({"bucket": SOURCE, "key": "r.jpg"})
    assert again["skipped"] is True and again["manifest"] == first["manifest"]


def test_manifests_can_be_turned_off(s3, invoke, configured, monkeypatch):
    monkeypatch.setenv("MANIFEST_KEY", "null")
    handler.reset(ObjectStore(s3))
    s3.put_object(Bucket=SOURCE, Key="n.jpg", Body=samples.encode(PICTURE, "JPEG"))
    assert "manifest" not in invoke({"bucket": SOURCE, "key": "n.jpg"})
    assert "Contents" not in s3.list_objects_v2(Bucket=RESIZED, Prefix="manifests/")


def test_the_cli_writes_the_manifest_beside_its_outputs(tmp_path, capsys):
    source = tmp_path / "cat.jpg"
    source.write_bytes(samples.encode(PICTURE, "JPEG"))
    out = tmp_path / "out"
    assert main(["resize", "--out", str(out), "--variants", json.dumps(VARIANTS), str(source)]) == 0
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    manifest = json.loads((out / "manifests" / "cat.json").read_text())
    assert line["manifest"] == str(out / "manifests" / "cat.json")
    jsonschema.validate(manifest, SCHEMA)
    for variant in manifest["variants"]:
        assert (out / variant["key"]).is_file()


def test_content_addressed_keys_are_immutable_and_move_with_the_source(s3, invoke, monkeypatch):
    variants = {"v": {"width": 120, "height": 120, "key": "v/{dir}{stem}.{hash}.{ext}", "format": "webp"}}
    monkeypatch.setenv("VARIANTS", json.dumps(variants))
    handler.reset(ObjectStore(s3))
    s3.put_object(Bucket=SOURCE, Key="c.jpg", Body=samples.encode(PICTURE, "JPEG"))
    first = invoke({"bucket": SOURCE, "key": "c.jpg"})["outputs"][0]["key"]
    assert re.fullmatch(r"v/c\.[0-9a-f]{12}\.webp", first)
    assert s3.head_object(Bucket=RESIZED, Key=first)["CacheControl"] == "public, max-age=31536000, immutable"
    assert invoke({"bucket": SOURCE, "key": "c.jpg"})["skipped"] is True  # found again by its hash
    s3.put_object(Bucket=SOURCE, Key="c.jpg", Body=samples.encode(samples.photo(900, 900, seed=2), "JPEG"))
    second = invoke({"bucket": SOURCE, "key": "c.jpg"})["outputs"][0]["key"]
    assert second != first  # a new rendering, a new URL: no cached copy can be stale


def test_plain_keys_keep_the_configured_cache_control(s3, invoke, configured):
    s3.put_object(Bucket=SOURCE, Key="plain.jpg", Body=samples.encode(PICTURE, "JPEG"))
    invoke({"bucket": SOURCE, "key": "plain.jpg"})
    assert s3.head_object(Bucket=RESIZED, Key="sq/plain.jpg")["CacheControl"] == "public, max-age=86400"


def test_a_cascade_delete_finds_content_addressed_variants_through_the_manifest(s3, invoke, monkeypatch):
    variants = {"v": {"width": 120, "height": 120, "key": "v/{dir}{stem}.{hash}.{ext}", "format": "webp"}}
    monkeypatch.setenv("VARIANTS", json.dumps(variants))
    handler.reset(ObjectStore(s3))
    s3.put_object(Bucket=SOURCE, Key="d.jpg", Body=samples.encode(PICTURE, "JPEG"))
    hashed = invoke({"bucket": SOURCE, "key": "d.jpg"})["outputs"][0]["key"]
    s3.delete_object(Bucket=SOURCE, Key="d.jpg")
    gone = invoke({"input": {"bucket": SOURCE, "key": "d.jpg"}, "action": "delete", "executionId": "x"})
    assert {d["key"] for d in gone["deleted"]} == {hashed, "manifests/d.json"}
    assert "Contents" not in s3.list_objects_v2(Bucket=RESIZED)
