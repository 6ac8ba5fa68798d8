"""Cascade deletes on the local stack: deleting an original (a delete marker: the originals bucket is
versioned) removes exactly the variants rendered from it, through the cleanup state machine."""

from __future__ import annotations

import time

import pytest
from pipeline_dev import samples
from pipeline_dev.local.stack import LocalStack, StackSettings

pytestmark = pytest.mark.slow
VARIANTS = {
    "thumbnail": {"width": 200, "height": 200, "key": "{key}"},
    "card": {"width": 400, "height": 400, "key": "cards/{dir}{stem}.{ext}"},
}


def wait_for(stack, arn, count, timeout=60.0):
    sfn = stack.client("stepfunctions")
    deadline = time.monotonic() + timeout
    while True:
        executions = sfn.list_executions(stateMachineArn=arn)["executions"]
        if len(executions) >= count and all(e["status"] != "RUNNING" for e in executions):
            return [sfn.describe_execution(executionArn=e["executionArn"]) for e in executions]
        assert time.monotonic() < deadline, executions
        time.sleep(0.2)


def test_deleting_an_original_removes_exactly_its_variants():
    settings = StackSettings(variants=VARIANTS, delete_variants_on_source_delete=True)
    with LocalStack(settings) as stack:
        s3 = stack.client("s3")
        originals, resized = settings.originals_bucket, settings.resized_bucket
        s3.put_object(Bucket=originals, Key="shots/a b.jpg", Body=samples.encode(samples.photo(600, 400), "JPEG"))
        s3.put_object(Bucket=originals, Key="shots/a b.png", Body=samples.transparent_png())  # shares cards/shots/a b.*
        s3.put_object(Bucket=originals, Key="other.jpg", Body=samples.encode(samples.photo(300, 300), "JPEG"))
        wait_for(stack, stack.state_machine_arn, 3)
        listed = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=resized)["Contents"])
        before = [key for key in listed if not key.startswith("manifests/")]
        # Two manifests: "shots/a b.jpg" and ".png" share manifests/shots/a b.json ({dir}{stem}), the last wins.
        assert len(before) == 6 and {"manifests/other.json", "manifests/shots/a b.json"} <= set(listed)

        s3.delete_object(Bucket=originals, Key="shots/a b.jpg")  # a delete marker
        (cleanup,) = wait_for(stack, stack.cleanup_state_machine_arn, 1)
        assert cleanup["status"] == "SUCCEEDED"
        listed_after = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=resized)["Contents"])
        after = [key for key in listed_after if not key.startswith("manifests/")]
        assert after == sorted(set(before) - {"shots/a b.jpg", "cards/shots/a b.jpg"})
        assert "manifests/other.json" in listed_after  # another original's manifest stays
        versions = s3.list_object_versions(Bucket=originals, Prefix="shots/a b.jpg")
        assert len(versions["Versions"]) == 1 and len(versions["DeleteMarkers"]) == 1  # the original is kept
        assert len(wait_for(stack, stack.state_machine_arn, 3)) == 3  # the resize workflow saw no delete
