"""A variant with ``formats``: written once per format, each at its own quality, found by redeliveries, backfill
and the cascade delete at every one of its keys, listed in the manifest with the one URL the CDN negotiates."""

from __future__ import annotations

import io
import json

import jsonschema
import pytest
from image_resizer import handler
from image_resizer.aws.events import ObjectRef
from image_resizer.aws.storage import ObjectStore
from image_resizer.backfill import variant_state
from image_resizer.imaging.encode import equivalent_quality
from image_resizer.variants import parse_variants
from PIL import Image
from pipeline_dev import samples

from tests.conftest import REPO_ROOT
from tests.functional.conftest import RESIZED, SOURCE

SCHEMA = json.loads((REPO_ROOT / "schemas" / "manifest.schema.json").read_text())
VARIANTS = {
    "small": {"width": 320, "height": 320, "formats": ["avif", "webp", "jpeg"]},
    "large": {"width": 800, "height": 800, "formats": ["webp", "jpeg"], "key": "l/{dir}{stem}.{ext}"},
    "thumb": {"width": 100, "height": 100, "key": "{key}"},
}
PICTURE = samples.photo(1200, 800, seed=5)
KEYS = {"small/a/cat.avif", "small/a/cat.webp", "small/a/cat.jpg", "l/a/cat.webp", "l/a/cat.jpg", "a/cat.jpg"}


@pytest.fixture
def configured(s3, monkeypatch):
    monkeypatch.setenv("VARIANTS", json.dumps(VARIANTS))
    monkeypatch.setenv("BASE_URL", "https://images.example.com/")
    handler.reset(ObjectStore(s3))


def stored_keys(s3) -> set[str]:
    return {o["Key"] for o in s3.list_objects_v2(Bucket=RESIZED).get("Contents", [])}


def test_each_format_is_written_under_its_own_key_at_its_own_quality(s3, invoke, configured):
    s3.put_object(Bucket=SOURCE, Key="a/cat.jpg", Body=samples.encode(PICTURE, "JPEG", quality=92))
    result = invoke({"bucket": SOURCE, "key": "a/cat.jpg"})
    assert stored_keys(s3) == KEYS | {"manifests/a/cat.json"}
    by_key = {o["key"]: o for o in result["outputs"]}
    for key, fmt in (("small/a/cat.avif", "AVIF"), ("small/a/cat.webp", "WEBP"), ("l/a/cat.jpg", "JPEG")):
        body = s3.get_object(Bucket=RESIZED, Key=key)
        image = Image.open(io.BytesIO(body["Body"].read()))
        assert image.format == fmt and body["ContentType"] == f"image/{fmt.lower()}"
        assert image.width == by_key[key]["width"] == (320 if key.startswith("small") else 800)
    # A fixed quality is JPEG's number; the others get the quality that scores alike (encode.equivalent_quality).
    assert by_key["small/a/cat.jpg"]["quality"] == 82
    assert by_key["small/a/cat.webp"]["quality"] == equivalent_quality("webp", 82) == 86
    assert by_key["small/a/cat.avif"]["quality"] == equivalent_quality("avif", 82) == 69


def test_a_redelivery_finds_every_format_and_a_missing_one_is_rendered_again(s3, invoke, configured):
    s3.put_object(Bucket=SOURCE, Key="a/cat.jpg", Body=samples.encode(PICTURE, "JPEG"))
    invoke({"bucket": SOURCE, "key": "a/cat.jpg"})
    again = invoke({"bucket": SOURCE, "key": "a/cat.jpg"})
    assert again["skipped"] is True and {o["key"] for o in again["outputs"]} == KEYS
    s3.delete_object(Bucket=RESIZED, Key="small/a/cat.webp")
    repaired = invoke({"bucket": SOURCE, "key": "a/cat.jpg"})
    assert repaired["skipped"] is False and "small/a/cat.webp" in stored_keys(s3)
    written = {o["key"] for o in repaired["outputs"] if not o["skipped"]}
    assert written == {"small/a/cat.webp"}  # the fresh ones are not written again


def test_backfill_re_renders_a_variant_that_lost_one_of_its_formats(s3, invoke, configured):
    s3.put_object(Bucket=SOURCE, Key="a/cat.jpg", Body=samples.encode(PICTURE, "JPEG"))
    invoke({"bucket": SOURCE, "key": "a/cat.jpg"})
    store = ObjectStore(s3)
    head = store.head_source(ObjectRef(SOURCE, "a/cat.jpg"))
    specs = parse_variants(VARIANTS)
    assert variant_state(store, RESIZED, head, specs) == "fresh"
    s3.delete_object(Bucket=RESIZED, Key="small/a/cat.avif")
    assert variant_state(store, RESIZED, head, specs) == "stale"


def test_the_cascade_delete_removes_every_format(s3, invoke, configured):
    s3.put_object(Bucket=SOURCE, Key="a/cat.jpg", Body=samples.encode(PICTURE, "JPEG"))
    invoke({"bucket": SOURCE, "key": "a/cat.jpg"})
    s3.delete_object(Bucket=SOURCE, Key="a/cat.jpg")
    gone = invoke({"input": {"bucket": SOURCE, "key": "a/cat.jpg"}, "action": "delete", "executionId": "x"})
    assert {d["key"] for d in gone["deleted"]} == KEYS | {"manifests/a/cat.json"}
    assert stored_keys(s3) == set()


def test_the_manifest_lists_each_format_and_the_negotiated_url(s3, invoke, configured):
    s3.put_object(Bucket=SOURCE, Key="a/my cat.jpg", Body=samples.encode(PICTURE, "JPEG"))
    manifest = invoke({"bucket": SOURCE, "key": "a/my cat.jpg"})["manifest"]
    jsonschema.validate(manifest, SCHEMA)
    small = [v for v in manifest["variants"] if v["name"] == "small"]
    assert [v["format"] for v in small] == ["avif", "webp", "jpeg"]
    assert {v["negotiated"] for v in small} == {"https://images.example.com/a/my%20cat.jpg?v=small"}
    assert all("negotiated" not in v for v in manifest["variants"] if v["name"] == "thumb")
    # <picture> offers AVIF, then WebP, then JPEG, each with the widths written in that format.
    picture = manifest["picture"]
    assert picture.index('type="image/avif"') < picture.index('type="image/webp"')
    assert "small/a/my%20cat.avif 320w" in manifest["srcset"]["avif"]
    assert "l/a/my%20cat.webp 800w" in manifest["srcset"]["webp"]
