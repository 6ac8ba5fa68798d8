"""What a caller of the open API, or S3 itself, can throw at the function: every fault typed, nothing rolled
back, no old or deleted version resurrected, metadata bounded and private. Against moto's S3."""

from __future__ import annotations

import json

import pytest
from image_resizer import handler
from image_resizer.aws.storage import MAX_USER_METADATA_BYTES, ObjectStore, metadata_bytes
from image_resizer.errors import InvalidRequestError, SourceNotFoundError
from pipeline_dev import samples

from tests.functional.conftest import RESIZED, SOURCE

JPEG = samples.encode(samples.photo(640, 480), "JPEG")


def via_state_machine(**given):
    return {"input": {"bucket": SOURCE, **given}, "executionId": "arn:aws:states:::execution:x:y"}


@pytest.mark.parametrize(
    "payload",
    [
        via_state_machine(key="a.jpg", action="delete"),  # the delete path is the state machine's to choose
        via_state_machine(key="a.jpg", Records=[{"s3": {}}] * 40),  # one request, dozens of renders
        via_state_machine(key="a.jpg", extra="x" * 10_000),
    ],
    ids=["action", "records", "extra"],
)
def test_execution_input_may_hold_only_the_event_fields(s3, invoke, payload):
    s3.put_object(Bucket=SOURCE, Key="a.jpg", Body=JPEG)
    with pytest.raises(InvalidRequestError) as raised:
        invoke(payload)
    assert len(str(raised.value)) < 300  # the caller's input is not echoed back at length
    assert "Contents" not in s3.list_objects_v2(Bucket=RESIZED)


def test_a_deleted_original_is_not_resurrected_through_an_old_version(s3, invoke):
    s3.put_bucket_versioning(Bucket=SOURCE, VersioningConfiguration={"Status": "Enabled"})
    version = s3.put_object(Bucket=SOURCE, Key="gone.jpg", Body=JPEG)["VersionId"]
    s3.delete_object(Bucket=SOURCE, Key="gone.jpg")  # a delete marker; the old version still exists
    with pytest.raises(SourceNotFoundError):
        invoke(via_state_machine(key="gone.jpg", versionId=version))
    assert "Contents" not in s3.list_objects_v2(Bucket=RESIZED)


@pytest.mark.parametrize(
    "event",
    [
        {"source": "aws.s3", "detail-type": "Object Created", "detail": {"bucket": "b", "object": {"key": "k"}}},
        {"source": "aws.s3", "detail-type": "Object Created", "detail": {"bucket": {"name": SOURCE}, "object": []}},
        {"Records": [1, 2]},
        {"Records": [{"s3": "x"}]},
        {"input": "not an object", "executionId": "x"},
    ],
    ids=["bucket-string", "object-list", "records-ints", "s3-string", "input-string"],
)
def test_malformed_events_are_invalid_requests(s3, invoke, event):
    with pytest.raises(InvalidRequestError):
        invoke(event)


def test_deeply_nested_input_is_an_invalid_request_not_a_recursion_error(s3, invoke):
    nested: object = "k"
    for _ in range(5000):
        nested = [nested]
    with pytest.raises(InvalidRequestError) as raised:
        invoke(via_state_machine(key=nested))
    assert len(str(raised.value)) < 300


def test_archived_originals_are_a_typed_permanent_error(s3, invoke):
    s3.put_object(Bucket=SOURCE, Key="cold.jpg", Body=JPEG, StorageClass="GLACIER")
    with pytest.raises(SourceNotFoundError, match="archived"):
        invoke({"bucket": SOURCE, "key": "cold.jpg"})


def test_a_variant_key_longer_than_s3_allows_is_a_typed_permanent_error(s3, invoke, monkeypatch):
    key = "k" * 1000 + ".jpg"
    s3.put_object(Bucket=SOURCE, Key=key, Body=JPEG)
    variants = {"deep": {"width": 100, "height": 100, "key": "a-rather-long-prefix-for-variants/{key}"}}
    monkeypatch.setenv("VARIANTS", json.dumps(variants))
    handler.reset(ObjectStore(s3))
    with pytest.raises(InvalidRequestError, match="KeyTooLong"):
        invoke({"bucket": SOURCE, "key": key})


def test_metadata_stays_far_below_the_2_kb_limit_for_the_longest_keys(s3, invoke):
    key = "é" * 500 + ".jpg"  # 1004 bytes of UTF-8: near S3's 1024-byte key limit
    s3.put_object(Bucket=SOURCE, Key=key, Body=JPEG)
    invoke({"bucket": SOURCE, "key": key})
    metadata = s3.head_object(Bucket=RESIZED, Key=key)["Metadata"]
    assert metadata_bytes(metadata) < MAX_USER_METADATA_BYTES / 4


def test_metadata_over_2_kb_is_refused_before_it_is_sent(s3):
    store = ObjectStore(s3)
    with pytest.raises(InvalidRequestError, match="2048"):
        store.put_variant(RESIZED, "x.jpg", b"x", "image/jpeg", "no-cache", {"big": "x" * 2046})


def test_a_superseded_event_is_counted_and_logged(s3, invoke):
    s3.put_bucket_versioning(Bucket=SOURCE, VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket=SOURCE, Key="race.jpg", Body=JPEG)["VersionId"]
    s3.put_object(Bucket=SOURCE, Key="race.jpg", Body=samples.encode(samples.photo(300, 500), "JPEG"))
    invoke.logs()
    assert invoke(via_state_machine(key="race.jpg", versionId=old))["superseded"] is True
    lines = invoke.logs()
    assert any(line.get("message") == "skipped: superseded by a newer version" for line in lines)
    assert any("ImagesSuperseded" in line for line in lines)
