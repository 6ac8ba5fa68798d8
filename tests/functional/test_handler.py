import platform

import pytest
from botocore.exceptions import ClientError
from image_resizer import handler
from image_resizer.aws.storage import ObjectStore
from image_resizer.errors import (
    ConfigurationError,
    CorruptImageError,
    ImageTooLargeError,
    InvalidRequestError,
    SourceNotFoundError,
    TransientError,
    UnsupportedImageError,
)
from pipeline_dev import samples

from tests.conftest import open_output
from tests.functional.conftest import RESIZED, SOURCE

JPEG = samples.encode(samples.photo(800, 600), "JPEG", quality=90)


def eventbridge(key, etag=None):
    obj = {"key": key, "size": 1}
    if etag:
        obj["etag"] = etag
    return {"source": "aws.s3", "detail-type": "Object Created", "detail": {"bucket": {"name": SOURCE}, "object": obj}}


def s3_notification(key):
    return {"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": SOURCE}, "object": {"key": key}}}]}


def test_default_writes_a_thumbnail_under_the_same_key(s3, invoke):
    s3.put_object(Bucket=SOURCE, Key="image.jpg", Body=JPEG)
    result = invoke({"bucket": SOURCE, "key": "image.jpg"})
    assert result["status"] == "SUCCEEDED" and result["skipped"] is False
    (output,) = result["outputs"]
    assert output | {"skipped": False} == {
        "variant": "thumbnail",
        "bucket": RESIZED,
        "key": "image.jpg",
        "width": 200,
        "height": 150,
        "format": "jpeg",
        "bytes": output["bytes"],
        "skipped": False,
    }
    stored = s3.get_object(Bucket=RESIZED, Key="image.jpg")
    assert stored["ContentType"] == "image/jpeg"
    assert stored["CacheControl"] == "public, max-age=86400"
    body = stored["Body"].read()
    assert len(body) == output["bytes"] and open_output(body).size == (200, 150)
    meta = stored["Metadata"]
    # Only digests: a viewer of the variant learns nothing of the original's bucket, key, ETag or version.
    assert set(meta) == {
        "source",
        "source-state",
        "variant",
        "variant-settings-hash",
        "width",
        "height",
        "format",
        "thumbhash",
        "dominant-color",
    }
    etag = s3.head_object(Bucket=SOURCE, Key="image.jpg")["ETag"].strip('"')
    assert not any(SOURCE in v or "image.jpg" in v or etag in v for v in meta.values())
    assert meta["variant"] == "thumbnail" and len(meta["variant-settings-hash"]) == 16


KEYS = ["with space.jpg", "plus+sign.jpg", "unicode/日本語 ü.jpg", "deep/nested/prefix/x.jpg", "100%.jpg"]


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("shape", ["sfn", "eventbridge", "s3"])
def test_every_event_shape_and_awkward_keys(s3, invoke, key, shape):
    from urllib.parse import quote_plus

    s3.put_object(Bucket=SOURCE, Key=key, Body=JPEG)
    event = {
        "sfn": {"bucket": SOURCE, "key": key},
        "eventbridge": eventbridge(quote_plus(key, safe="/")),
        "s3": s3_notification(quote_plus(key, safe="/")),
    }[shape]
    result = invoke(event)
    assert result["source"]["key"] == key
    assert result["outputs"][0]["key"] == key
    assert s3.head_object(Bucket=RESIZED, Key=key)["ContentLength"] > 0


def test_unencoded_key_in_a_notification_still_resolves(s3, invoke):
    s3.put_object(Bucket=SOURCE, Key="a+b.jpg", Body=JPEG)  # emitter that did not encode '+'
    result = invoke(eventbridge("a+b.jpg"))
    assert result["source"]["key"] == "a+b.jpg"


def test_redelivery_is_skipped_and_a_new_upload_is_not(s3, invoke):
    s3.put_object(Bucket=SOURCE, Key="k.jpg", Body=JPEG)
    first = invoke({"bucket": SOURCE, "key": "k.jpg"})
    second = invoke({"bucket": SOURCE, "key": "k.jpg"})
    assert second["skipped"] is True
    assert second["outputs"] == [o | {"skipped": True} for o in first["outputs"]]
    other = samples.encode(samples.photo(600, 600, seed=2), "JPEG")
    s3.put_object(Bucket=SOURCE, Key="k.jpg", Body=other)
    third = invoke({"bucket": SOURCE, "key": "k.jpg"})
    assert third["skipped"] is False and third["outputs"][0]["height"] == 200


def test_changed_settings_re_render(s3, invoke, monkeypatch):
    s3.put_object(Bucket=SOURCE, Key="k.jpg", Body=JPEG)
    invoke({"bucket": SOURCE, "key": "k.jpg"})
    monkeypatch.setenv("VARIANTS", '{"thumbnail": {"width": 100, "height": 100, "key": "{key}"}}')
    handler.reset(ObjectStore(s3))
    result = invoke({"bucket": SOURCE, "key": "k.jpg"})
    assert result["skipped"] is False and result["outputs"][0]["width"] == 100


def test_ext_templates_and_several_variants(s3, invoke, monkeypatch):
    monkeypatch.setenv(
        "VARIANTS",
        '{"large": {"width": 400, "height": 400, "format": "webp", "key": "large/{dir}{stem}.{ext}"},'
        ' "small": {"width": 100, "height": 100, "fit": "cover", "key": "small/{dir}{stem}.{ext}"}}',
    )
    handler.reset(ObjectStore(s3))
    s3.put_object(Bucket=SOURCE, Key="a/pic.png", Body=samples.transparent_png())
    result = invoke({"bucket": SOURCE, "key": "a/pic.png"})
    assert [(o["key"], o["format"], o["width"], o["height"]) for o in result["outputs"]] == [
        ("large/a/pic.webp", "webp", 400, 267),
        ("small/a/pic.png", "png", 100, 100),
    ]
    assert s3.head_object(Bucket=RESIZED, Key="small/a/pic.png")["ContentType"] == "image/png"
    assert invoke({"bucket": SOURCE, "key": "a/pic.png"})["outputs"][1]["skipped"] is True


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", CorruptImageError),
        (b"just some text", UnsupportedImageError),
        (samples.png_declaring(100_000, 100_000), ImageTooLargeError),
        (samples.truncated(JPEG, 0.5), CorruptImageError),
    ],
)
def test_bad_images_raise_typed_errors_and_leave_the_original(s3, invoke, body, error):
    s3.put_object(Bucket=SOURCE, Key="bad.jpg", Body=body)
    with pytest.raises(error):
        invoke({"bucket": SOURCE, "key": "bad.jpg"})
    assert s3.get_object(Bucket=SOURCE, Key="bad.jpg")["Body"].read() == body
    assert s3.list_objects_v2(Bucket=RESIZED).get("KeyCount") == 0
    records = invoke.logs()
    rejected = [r for r in records if r.get("message") == "rejected"]
    assert rejected and rejected[0]["error_type"] == error.__name__ and rejected[0]["key"] == "bad.jpg"
    metric = [r for r in records if "ImagesRejected" in r]
    assert metric and metric[0]["ErrorType"] == error.__name__


def test_missing_source(s3, invoke):
    with pytest.raises(SourceNotFoundError, match="does not exist"):
        invoke({"bucket": SOURCE, "key": "nope.jpg"})


def test_other_buckets_are_refused(s3, invoke):
    s3.create_bucket(Bucket="someone-elses")
    s3.put_object(Bucket="someone-elses", Key="x.jpg", Body=JPEG)
    with pytest.raises(InvalidRequestError, match="not this function's source bucket"):
        invoke({"bucket": "someone-elses", "key": "x.jpg"})
    with pytest.raises(InvalidRequestError):
        invoke({"bucket": RESIZED, "key": "x.jpg"})


def test_malformed_event(s3, invoke):
    with pytest.raises(InvalidRequestError):
        invoke({"hello": "world"})


def test_bad_configuration_fails_every_invocation_typed(s3, invoke, monkeypatch):
    monkeypatch.setenv("RESIZED_BUCKET", SOURCE)
    handler.reset(ObjectStore(s3))
    with pytest.raises(ConfigurationError, match="forever"):
        invoke({"bucket": SOURCE, "key": "x.jpg"})


def test_throttling_after_botocore_retries_is_transient(s3, invoke):
    s3.put_object(Bucket=SOURCE, Key="k.jpg", Body=JPEG)

    def slow_down(**_):
        raise ClientError(
            {
                "Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."},
                "ResponseMetadata": {"HTTPStatusCode": 503},
            },
            "GetObject",
        )

    s3.meta.events.register("before-call.s3.GetObject", slow_down)
    try:
        with pytest.raises(TransientError, match="SlowDown"):
            invoke({"bucket": SOURCE, "key": "k.jpg"})
    finally:
        s3.meta.events.unregister("before-call.s3.GetObject", slow_down)
    assert invoke({"bucket": SOURCE, "key": "k.jpg"})["status"] == "SUCCEEDED"


def test_success_emits_metrics_and_a_structured_log(s3, invoke):
    s3.put_object(Bucket=SOURCE, Key="k.jpg", Body=JPEG)
    invoke({"bucket": SOURCE, "key": "k.jpg", "executionId": "arn:aws:states:::execution:sm:run-1"})
    records = invoke.logs()
    log = next(r for r in records if r.get("message") == "resized")
    assert log["key"] == "k.jpg" and log["execution_id"].endswith("run-1") and log["level"] == "INFO"
    emf = next(r for r in records if "_aws" in r and "ImagesResized" in r)
    names = {m["Name"] for m in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert {"ImagesResized", "SourceBytes", "OutputBytes", "ProcessingMilliseconds"} <= names


def test_an_event_about_an_older_version_never_renders_it(s3, invoke):
    s3.put_bucket_versioning(Bucket=SOURCE, VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket=SOURCE, Key="v.jpg", Body=JPEG)["VersionId"]
    new = s3.put_object(Bucket=SOURCE, Key="v.jpg", Body=samples.encode(samples.photo(300, 600), "JPEG"))["VersionId"]
    # Events arrive out of order: the newer version's first.
    first = invoke({"input": {"bucket": SOURCE, "key": "v.jpg", "versionId": new}, "executionId": "x"})
    assert first["source"]["versionId"] == new and first["outputs"][0]["height"] == 200  # portrait: the new one
    published = s3.get_object(Bucket=RESIZED, Key="v.jpg")["Body"].read()
    late = invoke({"input": {"bucket": SOURCE, "key": "v.jpg", "versionId": old}, "executionId": "y"})
    assert late["skipped"] is True and late["superseded"] is True
    assert s3.get_object(Bucket=RESIZED, Key="v.jpg")["Body"].read() == published  # not rolled back
    # A caller naming an old version through the API gets the same: the current version or nothing.
    s3.delete_object(Bucket=RESIZED, Key="v.jpg")
    replay = invoke({"input": {"bucket": SOURCE, "key": "v.jpg", "versionId": old}, "executionId": "z"})
    assert replay["superseded"] is True
    assert "Contents" not in s3.list_objects_v2(Bucket=RESIZED, Prefix="v.jpg")


def test_identical_bytes_uploaded_again_to_a_versioned_bucket_are_skipped(s3, invoke):
    s3.put_bucket_versioning(Bucket=SOURCE, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=SOURCE, Key="same.jpg", Body=JPEG)
    assert invoke({"bucket": SOURCE, "key": "same.jpg"})["skipped"] is False
    s3.put_object(Bucket=SOURCE, Key="same.jpg", Body=JPEG)
    assert invoke({"bucket": SOURCE, "key": "same.jpg"})["skipped"] is True


TWO_VARIANTS = (
    '{"thumbnail": {"width": 100, "height": 100, "key": "{key}"},'
    ' "card": {"width": 300, "height": 300, "key": "cards/{dir}{stem}.{ext}"}}'
)


def _configure(s3, monkeypatch, variants=TWO_VARIANTS):
    monkeypatch.setenv("VARIANTS", variants)
    handler.reset(ObjectStore(s3))


def _resized(s3):
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=RESIZED).get("Contents", []))


@pytest.mark.parametrize("shape", ["sfn", "eventbridge", "s3"])
def test_deleting_an_original_removes_exactly_its_variants(s3, invoke, monkeypatch, shape):
    _configure(s3, monkeypatch)
    s3.put_object(Bucket=SOURCE, Key="a/photo.jpg", Body=JPEG)
    s3.put_object(Bucket=SOURCE, Key="a/photo.png", Body=samples.transparent_png())  # shares cards/a/photo.*
    s3.put_object(Bucket=SOURCE, Key="keep.jpg", Body=JPEG)
    for key in ("a/photo.jpg", "a/photo.png", "keep.jpg"):
        invoke({"bucket": SOURCE, "key": key})
    before = _resized(s3)
    s3.delete_object(Bucket=SOURCE, Key="a/photo.jpg")
    event = {
        "sfn": {"input": {"bucket": SOURCE, "key": "a/photo.jpg"}, "action": "delete", "executionId": "x"},
        "eventbridge": {
            "source": "aws.s3",
            "detail-type": "Object Deleted",
            "detail": {"bucket": {"name": SOURCE}, "object": {"key": "a/photo.jpg"}},
        },
        "s3": {
            "Records": [
                {
                    "eventName": "ObjectRemoved:Delete",
                    "s3": {"bucket": {"name": SOURCE}, "object": {"key": "a/photo.jpg"}},
                }
            ]
        },
    }[shape]
    result = invoke(event)
    assert sorted(d["key"] for d in result["deleted"]) == ["a/photo.jpg", "cards/a/photo.jpg"]
    assert _resized(s3) == sorted(set(before) - {"a/photo.jpg", "cards/a/photo.jpg"})
    assert "cards/a/photo.png" in _resized(s3)
    originals = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=SOURCE)["Contents"])
    assert originals == ["a/photo.png", "keep.jpg"]  # nothing but the variants was touched


def test_delete_marker_counts_as_a_delete_and_a_live_key_keeps_its_variants(s3, invoke, monkeypatch):
    _configure(s3, monkeypatch)
    s3.put_bucket_versioning(Bucket=SOURCE, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=SOURCE, Key="v.jpg", Body=JPEG)
    invoke({"bucket": SOURCE, "key": "v.jpg"})
    request = {"input": {"bucket": SOURCE, "key": "v.jpg"}, "action": "delete", "executionId": "x"}
    kept = invoke(request)  # the object is still there: e.g. an old version was purged
    # Two variants and the upload's manifest.
    assert kept["skipped"] is True and kept["deleted"] == [] and len(_resized(s3)) == 3
    s3.delete_object(Bucket=SOURCE, Key="v.jpg")  # delete marker
    gone = invoke(request)
    assert gone["skipped"] is False and len(gone["deleted"]) == 3 and _resized(s3) == []
    assert "manifests/v.json" in {d["key"] for d in gone["deleted"]}


def test_a_delete_request_for_another_bucket_is_refused(s3, invoke):
    with pytest.raises(InvalidRequestError):
        invoke({"input": {"bucket": "elsewhere", "key": "k.jpg"}, "action": "delete", "executionId": "x"})


def test_auto_quality_is_named_in_the_result_the_metadata_and_the_log(s3, invoke, monkeypatch):
    _configure(s3, monkeypatch, '{"best": {"width": 300, "height": 300, "format": "best", "key": "best/{stem}.{ext}"}}')
    s3.put_object(Bucket=SOURCE, Key="k.png", Body=samples.encode(samples.photo(600, 400), "PNG"))
    (output,) = invoke({"bucket": SOURCE, "key": "k.png"})["outputs"]
    assert output["score"] >= 80 and output["key"].endswith(
        "." + {"jpeg": "jpg"}.get(output["format"], output["format"])
    )
    stored = s3.head_object(Bucket=RESIZED, Key=output["key"])
    assert stored["ContentType"] == f"image/{output['format']}"
    meta = stored["Metadata"]
    assert meta["format"] == output["format"] and float(meta["score"]) == pytest.approx(output["score"], abs=0.01)
    assert meta["quality"] == (str(output["quality"]) if output["quality"] is not None else "lossless")
    log = next(r for r in invoke.logs() if r.get("message") == "resized")
    assert log["outputs"][0]["score"] == output["score"] and log["outputs"][0]["quality"] == output["quality"]


def test_each_invocation_reports_its_duration_memory_and_estimated_cost(s3, invoke):
    from image_resizer.aws.pricing import architecture_of, invocation_cost

    s3.put_object(Bucket=SOURCE, Key="k.jpg", Body=JPEG)
    calls: list[str] = []

    def count(**kwargs):
        calls.append(kwargs["model"].name)

    s3.meta.events.register("before-call.s3", count)
    try:
        invoke({"bucket": SOURCE, "key": "k.jpg"})
    finally:
        s3.meta.events.unregister("before-call.s3", count)
    record = next(r for r in invoke.logs() if "_aws" in r and "EstimatedCostMicroUSD" in r)
    emf = {name: value[0] if isinstance(value, list) else value for name, value in record.items()}
    assert emf["S3Requests"] == len(calls) and "PutObject" in calls and "GetObject" in calls
    assert emf["ConfiguredMemoryMB"] == 1024
    requests = {name: calls.count(name) for name in set(calls)}
    architecture = architecture_of(platform.machine())
    expected = invocation_cost(emf["InvocationMilliseconds"], 1024, architecture, "STANDARD", requests)
    assert emf["EstimatedCostMicroUSD"] == pytest.approx(expected.total * 1_000_000, rel=0.01)
    assert emf["EstimatedCostMicroUSD"] > 125  # at least the five state transitions ($0.000125)


def test_format_auto_under_the_uploads_key_says_the_truth_in_its_content_type(s3, invoke):
    """The seed's default (format auto, key {key}): a TIFF becomes a JPEG under the TIFF's own name, and the
    object's Content-Type is what its bytes are (docs/configuration.md says so; {dir}{stem}.{ext} renames it)."""
    s3.put_object(Bucket=SOURCE, Key="scan.tif", Body=samples.encode(samples.photo(400, 300), "TIFF"))
    result = invoke({"bucket": SOURCE, "key": "scan.tif"})
    (output,) = result["outputs"]
    assert (output["key"], output["format"]) == ("scan.tif", "jpeg")
    stored = s3.get_object(Bucket=RESIZED, Key="scan.tif")
    assert stored["ContentType"] == "image/jpeg" and stored["Body"].read()[:3] == b"\xff\xd8\xff"
