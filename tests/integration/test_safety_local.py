"""Issue-19 attacks and faults on the local stack, over HTTP: the open API cannot change what is published,
out-of-order events never roll a variant back, the memory check runs before any pixel at a small memory size,
the Task's own timeout and an out-of-memory function end typed, and S3's metadata limit holds."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError
from pipeline_dev import samples
from pipeline_dev.local import shims
from pipeline_dev.local.stack import LocalStack, StackSettings

from tests.integration.test_local_stack import executions_for

pytestmark = pytest.mark.slow
LANDSCAPE = samples.encode(samples.photo(800, 600, seed=5), "JPEG")
PORTRAIT = samples.encode(samples.photo(600, 800, seed=6), "JPEG")


@pytest.fixture(scope="module")
def stack():
    with LocalStack(StackSettings(name="safety")) as running:
        yield running


def post(stack, body: dict) -> dict:
    request = urllib.request.Request(
        stack.api_url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def finished(stack, execution_arn: str, timeout: float = 60) -> dict:
    sfn = stack.client("stepfunctions")
    deadline = time.monotonic() + timeout
    while True:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING":
            return described
        assert time.monotonic() < deadline
        time.sleep(0.2)


def two_versions(stack, key: str) -> tuple[str, str, bytes]:
    """Upload the landscape, then the portrait; returns both version ids and the published variant."""
    s3 = stack.client("s3")
    old = s3.put_object(Bucket=stack.settings.originals_bucket, Key=key, Body=LANDSCAPE)["VersionId"]
    executions_for(stack, key)
    new = s3.put_object(Bucket=stack.settings.originals_bucket, Key=key, Body=PORTRAIT)["VersionId"]
    executions_for(stack, key, count=2)
    published = s3.get_object(Bucket=stack.settings.resized_bucket, Key=key)["Body"].read()
    return old, new, published


def test_the_api_cannot_roll_a_variant_back_to_an_older_version(stack):
    old, _, published = two_versions(stack, "api-rollback.jpg")
    started = post(stack, {"bucket": stack.settings.originals_bucket, "key": "api-rollback.jpg", "versionId": old})
    execution = finished(stack, started["executionArn"])
    assert execution["status"] == "SUCCEEDED" and json.loads(execution["output"])["superseded"] is True
    resized = stack.client("s3").get_object(Bucket=stack.settings.resized_bucket, Key="api-rollback.jpg")
    assert resized["Body"].read() == published


def test_a_late_event_for_the_older_version_never_rolls_back(stack):
    """Two rapid uploads whose executions run in the other order: the older version's runs last."""
    old, _, published = two_versions(stack, "reordered.jpg")
    sfn = stack.client("stepfunctions")
    late = sfn.start_execution(
        stateMachineArn=stack.state_machine_arn,
        input=json.dumps(
            {"bucket": stack.settings.originals_bucket, "key": "reordered.jpg", "versionId": old, "keyEncoding": "url"}
        ),
    )
    execution = finished(stack, late["executionArn"])
    assert json.loads(execution["output"])["superseded"] is True
    s3 = stack.client("s3")
    assert s3.get_object(Bucket=stack.settings.resized_bucket, Key="reordered.jpg")["Body"].read() == published


def test_the_api_cannot_resurrect_a_deleted_original(stack):
    s3 = stack.client("s3")
    version = s3.put_object(Bucket=stack.settings.originals_bucket, Key="gone.jpg", Body=LANDSCAPE)["VersionId"]
    executions_for(stack, "gone.jpg")
    s3.delete_object(Bucket=stack.settings.originals_bucket, Key="gone.jpg")
    s3.delete_object(Bucket=stack.settings.resized_bucket, Key="gone.jpg")
    started = post(stack, {"bucket": stack.settings.originals_bucket, "key": "gone.jpg", "versionId": version})
    execution = finished(stack, started["executionArn"])
    assert (execution["status"], execution["error"]) == ("FAILED", "SourceNotFoundError")
    assert "Contents" not in s3.list_objects_v2(Bucket=stack.settings.resized_bucket, Prefix="gone.jpg")


@pytest.mark.parametrize(
    "extra",
    [
        {"Records": [{"s3": {"bucket": {"name": "local-originals"}, "object": {"key": "x.jpg"}}}] * 30},
        {"action": "delete"},
    ],
    ids=["records", "delete"],
)
def test_the_api_cannot_multiply_renders_or_reach_the_delete_path(stack, extra):
    s3 = stack.client("s3")
    s3.put_object(Bucket=stack.settings.originals_bucket, Key="kept.jpg", Body=LANDSCAPE)
    executions_for(stack, "kept.jpg")
    before = s3.get_object(Bucket=stack.settings.resized_bucket, Key="kept.jpg")["Body"].read()
    started = post(stack, {"bucket": stack.settings.originals_bucket, "key": "kept.jpg", **extra})
    execution = finished(stack, started["executionArn"])
    assert (execution["status"], execution["error"]) == ("FAILED", "InvalidRequestError")
    assert len(execution["cause"]) < 400
    assert s3.get_object(Bucket=stack.settings.resized_bucket, Key="kept.jpg")["Body"].read() == before


# Before the tests that start stacks of their own: starting one resets moto's process-wide backends.


def _raw_post(stack, body: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(
        stack.api_url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),  # valid JSON, deeper than any parser goes
        (json.dumps({"bucket": "b", "key": "k", "pad": "x" * (256 * 1024)}).encode(), "exceeds Step Functions'"),
    ],
    ids=["deeply nested", "over 256 KiB"],
)
def test_the_api_refuses_what_step_functions_would_before_starting_anything(stack, body, reason):
    sfn = stack.client("stepfunctions")
    before = len(sfn.list_executions(stateMachineArn=stack.state_machine_arn)["executions"])
    status, answer = _raw_post(stack, body)
    assert status == 400 and reason in answer["message"]
    assert len(sfn.list_executions(stateMachineArn=stack.state_machine_arn)["executions"]) == before


def test_s3_refuses_more_than_2_kb_of_user_metadata(stack):
    s3 = stack.client("s3")
    s3.put_object(Bucket=stack.settings.resized_bucket, Key="fits", Body=b"x", Metadata={"a": "x" * 2000})
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket=stack.settings.resized_bucket, Key="too-big", Body=b"x", Metadata={"a": "x" * 2048})
    assert refused.value.response["Error"]["Code"] == "MetadataTooLarge"


def test_a_large_png_is_refused_typed_at_256_mb_not_killed():
    with LocalStack(StackSettings(name="small-memory", memory_mb=256)) as small:
        small.client("s3").put_object(
            Bucket=small.settings.originals_bucket, Key="big.png", Body=samples.blank_png(10000, 10000)
        )
        (execution,) = executions_for(small, "big.png")
    assert (execution["status"], execution["error"]) == ("FAILED", "ImageTooLargeError")
    assert "256 MB" in execution["cause"]


def test_the_task_timeout_and_an_out_of_memory_function_end_typed():
    with LocalStack(StackSettings(name="faults", task_timeout_seconds=2)) as faulty:
        s3 = faulty.client("s3")
        plan = shims.set_function_faults(faulty.function_name, shims.FaultPlan(rate=1.0, kinds=("delay:4",)))
        try:
            s3.put_object(Bucket=faulty.settings.originals_bucket, Key="slow.jpg", Body=LANDSCAPE)
            (slow,) = executions_for(faulty, "slow.jpg")
            shims.set_function_faults(faulty.function_name, shims.FaultPlan(rate=1.0, kinds=("Runtime.OutOfMemory",)))
            s3.put_object(Bucket=faulty.settings.originals_bucket, Key="oom.jpg", Body=LANDSCAPE)
            (oom,) = executions_for(faulty, "oom.jpg")
        finally:
            shims.clear_faults()
    assert plan.injected == {"delay:4": 1}
    assert (slow["status"], slow["error"]) == ("FAILED", "ResizeTimedOut")
    assert (oom["status"], oom["error"]) == ("FAILED", "Runtime.OutOfMemory")
    assert "killed" in oom["cause"] and not oom["cause"].startswith("{")
