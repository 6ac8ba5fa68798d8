"""Backfill on the local stack: existing originals get variants, re-runs start nothing, preset changes
re-render only what changed, dry runs change nothing, interrupted runs resume without duplicates."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from image_resizer import backfill
from image_resizer.variants import parse_variants
from pipeline_dev import samples
from pipeline_dev.local.stack import CREDENTIALS, LocalStack, StackSettings

pytestmark = pytest.mark.slow
VARIANTS = {
    "thumbnail": {"width": 200, "height": 200, "key": "{key}"},
    "medium": {"width": 500, "height": 500, "format": "webp", "key": "medium/{dir}{stem}.{ext}"},
}
PHOTO = samples.encode(samples.photo(800, 600), "JPEG", quality=85)


@pytest.fixture
def stack():
    with LocalStack(StackSettings(variants=VARIANTS)) as running:
        running.set_rule_enabled(False)  # these originals predate the pipeline
        s3 = running.client("s3")
        for i in range(12):
            s3.put_object(Bucket=running.settings.originals_bucket, Key=f"old/{i:02d} photo.jpg", Body=PHOTO)
        running.set_rule_enabled(True)
        yield running


def executions(stack):
    sfn = stack.client("stepfunctions")
    return sfn.list_executions(stateMachineArn=stack.state_machine_arn, maxResults=1000)["executions"]


def run(stack, **options):
    return backfill.run(
        stack.client("s3"),
        backfill.Starter(stack.client("stepfunctions"), stack.state_machine_arn),
        stack.settings.originals_bucket,
        stack.settings.resized_bucket,
        parse_variants(stack.settings.variants),
        rate=1000,
        **options,
    )


def resized_keys(stack, manifests=False):
    """The variants in the resized bucket (the per-upload manifests too, when asked)."""
    listed = stack.client("s3").list_objects_v2(Bucket=stack.settings.resized_bucket)
    keys = sorted(o["Key"] for o in listed.get("Contents", []))
    return keys if manifests else [key for key in keys if not key.startswith("manifests/")]


def test_existing_originals_get_variants_and_a_second_run_starts_nothing(stack):
    assert executions(stack) == []  # the rule was off: nothing happened on upload
    first = run(stack)
    assert (first.listed, first.started, first.skipped) == (12, 12, 0)
    done = stack.wait_for_executions(12)
    assert {e["status"] for e in done} == {"SUCCEEDED"}
    assert len(resized_keys(stack)) == 24
    assert len(resized_keys(stack, manifests=True)) == 24 + 12  # and one manifest per original
    second = run(stack)
    assert (second.listed, second.started, second.skipped) == (12, 0, 12)
    assert len(executions(stack)) == 12
    forced = run(stack, only_missing=False)  # --all: names already used, so nothing new either
    assert (forced.started, forced.already_started) == (0, 12)
    assert len(executions(stack)) == 12


def test_dry_run_changes_nothing(stack):
    planned = []
    summary = run(stack, dry_run=True, plan=planned.append)
    assert summary.started == 12 and summary.dry_run
    assert len(planned) == 12 and planned[0]["input"]["key"] == "old/00 photo.jpg"
    assert executions(stack) == [] and resized_keys(stack) == []


def test_interrupted_run_resumes_without_duplicates(stack):
    def interrupt_after_five(summary):
        if summary.started == 5:
            raise KeyboardInterrupt

    first = run(stack, report=interrupt_after_five)
    assert first.interrupted and first.started == 5
    stack.wait_for_executions(5)
    second = run(stack)
    assert second.started == 7 and second.skipped == 5
    stack.wait_for_executions(12)
    names = [e["name"] for e in executions(stack)]
    assert len(names) == len(set(names)) == 12
    assert len(resized_keys(stack)) == 24


def test_preset_change_rerenders_only_the_changed_variant(stack):
    run(stack)
    stack.wait_for_executions(12)
    s3 = stack.client("s3")
    thumb_before = s3.head_object(Bucket=stack.settings.resized_bucket, Key="old/00 photo.jpg")
    stack.update_variants({**VARIANTS, "medium": {**VARIANTS["medium"], "width": 300, "height": 300}})
    again = run(stack)
    assert again.started == 12
    stack.wait_for_executions(24)
    thumb_after = s3.head_object(Bucket=stack.settings.resized_bucket, Key="old/00 photo.jpg")
    assert thumb_after["LastModified"] == thumb_before["LastModified"]  # unchanged variant not rewritten
    medium = s3.head_object(Bucket=stack.settings.resized_bucket, Key="medium/old/00 photo.webp")
    assert medium["Metadata"]["width"] == "300"


def test_cli_contract(stack):
    env = {"PATH": "/usr/bin:/bin", **CREDENTIALS}
    command = [
        sys.executable,
        "-m",
        "image_resizer",
        "backfill",
        "--bucket",
        stack.settings.originals_bucket,
        "--prefix",
        "old/0",
        "--endpoint-url",
        stack.endpoint_url,
        "--state-machine-arn",
        stack.state_machine_arn,
        "--resized-bucket",
        stack.settings.resized_bucket,
        "--variants",
        json.dumps(VARIANTS),
        "--json",
    ]
    dry = subprocess.run([*command, "--dry-run"], capture_output=True, text=True, env=env, check=False)
    assert dry.returncode == 0, dry.stderr
    *plans, summary_line = dry.stdout.strip().splitlines()
    assert len(plans) == 10 and json.loads(summary_line)["dry_run"] is True
    real = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert real.returncode == 0, real.stderr
    summary = json.loads(real.stdout.strip().splitlines()[-1])
    assert summary.pop("estimated_cost_usd") > 0
    assert summary == {
        "listed": 10,
        "started": 10,
        "skipped": 0,
        "already_started": 0,
        "failed": 0,
        "dry_run": False,
        "interrupted": False,
        "left": 0,
    }
    usage = subprocess.run([*command[:4]], capture_output=True, text=True, env=env, check=False)
    assert usage.returncode == 2
