"""The whole pipeline on the local stack, over HTTP: S3 upload -> EventBridge -> Step Functions -> Lambda
(built artifacts in a worker) -> resized bucket; the HTTP API stand-in; logs; failure and retry paths."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote_plus

import pytest
from pipeline_dev import samples
from pipeline_dev.local import shims
from pipeline_dev.local.stack import LocalStack, StackSettings

from tests.conftest import open_output

pytestmark = pytest.mark.slow
VARIANTS = {
    "thumbnail": {"width": 200, "height": 200, "fit": "inside", "format": "auto", "quality": 82, "key": "{key}"},
    "medium": {"width": 600, "height": 600, "format": "webp", "quality": 80, "key": "medium/{dir}{stem}.{ext}"},
}
SMALL_JPEG = samples.encode(samples.photo(900, 600), "JPEG", quality=85)


@pytest.fixture(scope="module")
def stack():
    with LocalStack(StackSettings(variants=VARIANTS)) as running:
        yield running


def executions_for(stack, key, count=1, timeout=60.0):
    """The terminal executions whose input names ``key`` (decoding the event's URL-encoded keys)."""
    sfn = stack.client("stepfunctions")
    deadline = time.monotonic() + timeout
    while True:
        found = []
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=stack.state_machine_arn):
            for summary in page["executions"]:
                described = sfn.describe_execution(executionArn=summary["executionArn"])
                given = json.loads(described["input"])
                name = given.get("key")
                if isinstance(name, str) and given.get("keyEncoding") == "url":
                    name = unquote_plus(name)
                if name == key:
                    found.append(described)
        if len(found) >= count and all(e["status"] != "RUNNING" for e in found):
            return sorted(found, key=lambda e: e["startDate"])
        assert time.monotonic() < deadline, f"no terminal execution for {key!r}: {[e['status'] for e in found]}"
        time.sleep(0.2)


def task_attempts(stack, execution):
    history = stack.client("stepfunctions").get_execution_history(executionArn=execution["executionArn"])
    return [e for e in history["events"] if e["type"] == "TaskScheduled"]


def test_upload_produces_every_variant_with_metadata(stack):
    s3 = stack.client("s3")
    s3.put_object(Bucket=stack.settings.originals_bucket, Key="photos/my cat.jpg", Body=SMALL_JPEG)
    (execution,) = executions_for(stack, "photos/my cat.jpg")
    assert execution["status"] == "SUCCEEDED"
    output = json.loads(execution["output"])
    # In the order of the function's VARIANTS, which Terraform's jsonencode() writes sorted by name.
    assert [(o["variant"], o["key"], o["format"]) for o in output["outputs"]] == [
        ("medium", "medium/photos/my cat.webp", "webp"),
        ("thumbnail", "photos/my cat.jpg", "jpeg"),
    ]
    thumb = s3.get_object(Bucket=stack.settings.resized_bucket, Key="photos/my cat.jpg")
    assert open_output(thumb["Body"].read()).size == (200, 133) and thumb["ContentType"] == "image/jpeg"
    # Provenance is digests only: nothing of the original's key reaches whoever reads the variant.
    assert set(thumb["Metadata"]) >= {"source", "source-state", "variant-settings-hash"}
    assert not any("cat" in value for value in thumb["Metadata"].values())
    medium = s3.get_object(Bucket=stack.settings.resized_bucket, Key="medium/photos/my cat.webp")
    assert open_output(medium["Body"].read()).size == (600, 400) and medium["ContentType"] == "image/webp"


def test_corrupt_upload_fails_typed_once_and_leaves_the_original(stack):
    s3 = stack.client("s3")
    corrupt = samples.truncated(SMALL_JPEG, 0.3)
    s3.put_object(Bucket=stack.settings.originals_bucket, Key="broken.jpg", Body=corrupt)
    (execution,) = executions_for(stack, "broken.jpg")
    assert execution["status"] == "FAILED"
    assert execution["error"] == "CorruptImageError"
    # The Cause is the error's message, as docs/operations.md promises: no Lambda error JSON, no stack trace.
    assert "truncated" in execution["cause"] and not execution["cause"].startswith("{")
    assert "stackTrace" not in execution["cause"] and "/var/task" not in execution["cause"]
    assert len(task_attempts(stack, execution)) == 1  # permanent: never retried
    assert s3.get_object(Bucket=stack.settings.originals_bucket, Key="broken.jpg")["Body"].read() == corrupt
    listed = s3.list_objects_v2(Bucket=stack.settings.resized_bucket, Prefix="broken")
    assert listed.get("KeyCount", 0) == 0


def test_transient_fault_is_retried_then_succeeds(stack):
    shims.inject_function_error(stack.function_name, "TransientError", "S3 SlowDown (injected)", times=1)
    stack.client("s3").put_object(Bucket=stack.settings.originals_bucket, Key="flaky.jpg", Body=SMALL_JPEG)
    (execution,) = executions_for(stack, "flaky.jpg")
    assert execution["status"] == "SUCCEEDED"
    assert len(task_attempts(stack, execution)) == 2


def _post(url, body: bytes):
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_api_starts_the_same_workflow(stack):
    stack.client("s3").put_object(
        Bucket=stack.settings.originals_bucket, Key="via-api.png", Body=samples.transparent_png()
    )
    status, body = _post(
        stack.api_url, json.dumps({"bucket": stack.settings.originals_bucket, "key": "via-api.png"}).encode()
    )
    assert status == 200 and body["executionArn"].startswith(
        stack.state_machine_arn.replace("stateMachine", "execution")
    )
    assert isinstance(body["startDate"], float)
    sfn = stack.client("stepfunctions")
    deadline = time.monotonic() + 60
    while (described := sfn.describe_execution(executionArn=body["executionArn"]))["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert described["status"] in ("SUCCEEDED",)


@pytest.mark.parametrize("body", [{"bucket": "local-originals"}, {"key": "x.jpg"}, {}, {"bucket": 3, "key": "x"}])
def test_api_input_without_bucket_or_key_fails_invalid_input(stack, body):
    status, answer = _post(stack.api_url, json.dumps(body).encode())
    assert status == 200
    sfn = stack.client("stepfunctions")
    deadline = time.monotonic() + 30
    while (described := sfn.describe_execution(executionArn=answer["executionArn"]))["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert described["status"] == "FAILED" and described["error"] == "InvalidInput"
    assert "bucket" in described["cause"] and "key" in described["cause"]


def test_api_refuses_a_body_that_is_not_json(stack):
    status, answer = _post(stack.api_url, b"bucket=x&key=y")
    assert status == 400 and "not JSON" in answer["message"]
    assert _post(stack.api_url.replace("/start", "/other"), b"{}")[0] == 404


def test_same_key_twice_replaces_outputs_and_same_bytes_skip(stack):
    s3 = stack.client("s3")
    bucket = stack.settings.originals_bucket
    s3.put_object(Bucket=bucket, Key="again.jpg", Body=SMALL_JPEG)
    executions_for(stack, "again.jpg", 1)
    portrait = samples.encode(samples.photo(600, 900, seed=9), "JPEG")
    s3.put_object(Bucket=bucket, Key="again.jpg", Body=portrait)
    second = executions_for(stack, "again.jpg", 2)[-1]
    assert second["status"] == "SUCCEEDED" and json.loads(second["output"])["skipped"] is False
    replaced = s3.get_object(Bucket=stack.settings.resized_bucket, Key="again.jpg")["Body"].read()
    assert open_output(replaced).size == (133, 200)
    s3.put_object(Bucket=bucket, Key="again.jpg", Body=portrait)
    third = executions_for(stack, "again.jpg", 3)[-1]
    assert json.loads(third["output"])["skipped"] is True
    assert s3.get_object(Bucket=stack.settings.resized_bucket, Key="again.jpg")["Body"].read() == replaced


def test_function_logs_are_in_cloudwatch_logs(stack):
    stack.client("s3").put_object(Bucket=stack.settings.originals_bucket, Key="logged.jpg", Body=SMALL_JPEG)
    executions_for(stack, "logged.jpg")
    logs = stack.client("logs")
    events = logs.filter_log_events(logGroupName=f"/aws/lambda/{stack.function_name}")["events"]
    messages = [e["message"] for e in events]
    resized = [json.loads(m) for m in messages if m.startswith("{") and '"resized"' in m]
    assert any(r["key"] == "logged.jpg" and r["service"] == "image-resizer" for r in resized)
    assert any(m.startswith("REPORT RequestId:") for m in messages)


def test_load_100_mixed_uploads_all_terminal_nothing_lost(stack):
    s3 = stack.client("s3")
    bucket = stack.settings.originals_bucket
    valid = samples.encode(samples.photo(320, 240, seed=5), "JPEG")
    uploads = {f"load/{i:03d}.{'jpg' if i % 4 else 'txt'}": (valid if i % 4 else b"not an image") for i in range(100)}
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda item: s3.put_object(Bucket=bucket, Key=item[0], Body=item[1]), uploads.items()))
    sfn = stack.client("stepfunctions")
    deadline = time.monotonic() + 240
    while True:
        executions = [
            e
            for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=stack.state_machine_arn)
            for e in page["executions"]
        ]
        load = [sfn.describe_execution(executionArn=e["executionArn"]) for e in executions]
        load = [e for e in load if unquote_plus(json.loads(e["input"]).get("key", "")).startswith("load/")]
        if len(load) >= 100 and all(e["status"] != "RUNNING" for e in load):
            break
        assert time.monotonic() < deadline, (
            f"{len(load)} load executions, {sum(e['status'] == 'RUNNING' for e in load)} running"
        )
        time.sleep(1)
    assert len(load) == 100
    by_key = {unquote_plus(json.loads(e["input"])["key"]): e for e in load}
    assert set(by_key) == set(uploads)
    for key, execution in by_key.items():
        if key.endswith(".txt"):
            assert (execution["status"], execution["error"]) == ("FAILED", "UnsupportedImageError"), key
        else:
            assert execution["status"] == "SUCCEEDED", (key, execution.get("error"), execution.get("cause"))
    resized = s3.list_objects_v2(Bucket=stack.settings.resized_bucket, Prefix="load/")["KeyCount"]
    medium = s3.list_objects_v2(Bucket=stack.settings.resized_bucket, Prefix="medium/load/")["KeyCount"]
    assert resized == medium == 75


def test_make_up_prints_the_contract_lines_and_stops_cleanly(stack):
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline_dev.local", "up", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = [process.stdout.readline().strip() for _ in range(5)]
        names = [line.split("=", 1)[0] for line in lines]
        assert names == ["AWS_ENDPOINT_URL", "ORIGINALS_BUCKET", "RESIZED_BUCKET", "STATE_MACHINE_ARN", "API_URL"]
        assert lines[0].startswith("AWS_ENDPOINT_URL=http://127.0.0.1:") and lines[4].endswith("/start")
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
    assert process.returncode == 0 and "local stack stopped" in rest
