"""The backfill's priced plan and the caps the run enforces, through the CLI on the local stack; and the plan's
estimate against the cost the function itself reports (its EMF metric) for the bench photos."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from image_resizer import backfill
from image_resizer.variants import parse_variants
from pipeline_dev import samples
from pipeline_dev.local.stack import CREDENTIALS, LocalStack, StackSettings

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow

VARIANTS = {"thumbnail": {"width": 200, "height": 200, "key": "{key}"}}
PHOTO = samples.encode(samples.photo(800, 600), "JPEG", quality=85)
BENCH = REPO_ROOT.parent / "shared" / "bench"


@pytest.fixture(scope="module")
def stack():
    with LocalStack(StackSettings(name="plan", variants=VARIANTS)) as running:
        running.set_rule_enabled(False)  # these originals predate the pipeline
        s3 = running.client("s3")
        for i in range(20):
            s3.put_object(Bucket=running.settings.originals_bucket, Key=f"old/{i:02d}.jpg", Body=PHOTO)
        yield running


def cli(stack, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "image_resizer",
        "backfill",
        "--bucket",
        stack.settings.originals_bucket,
        "--resized-bucket",
        stack.settings.resized_bucket,
        "--endpoint-url",
        stack.endpoint_url,
        "--state-machine-arn",
        stack.state_machine_arn,
        "--variants",
        json.dumps(VARIANTS),
        "--rate",
        "1000",
        *extra,
    ]
    env = {"PATH": "/usr/bin:/bin", **CREDENTIALS}
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=300)


def started(stack) -> list[str]:
    sfn = stack.client("stepfunctions")
    return [e["name"] for e in sfn.list_executions(stateMachineArn=stack.state_machine_arn)["executions"]]


def test_a_dry_run_prices_the_plan_and_the_caps_hold(stack):
    dry = cli(stack, "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    facts = json.loads(dry.stdout.strip().splitlines()[-1])
    assert (facts["scanned"], facts["to_start"], facts["missing"], facts["fresh"]) == (20, 20, 20, 0)
    assert facts["estimated_cost_usd"] > 0 and facts["pixels_from_headers"] == 20
    assert facts["megapixels"] == pytest.approx(20 * 0.48)
    assert "plan: scanned 20; would start 20" in dry.stderr  # the one estimate line, before anything
    assert started(stack) == []

    refused = cli(stack, "--max-cost", f"{facts['estimated_cost_usd'] / 2:.8f}")
    assert refused.returncode == 2 and started(stack) == []
    assert "exceeds --max-cost" in refused.stderr.strip().splitlines()[-1] and "Traceback" not in refused.stderr

    five = cli(stack, "--max-objects", "5", "--json")
    assert five.returncode == 0, five.stderr
    summary = json.loads(five.stdout.strip().splitlines()[-1])
    assert (summary["started"], summary["left"]) == (5, 15)
    assert len(started(stack)) == 5

    rest = cli(stack, "--json")  # the same command without the cap: the other 15, none twice
    assert rest.returncode == 0, rest.stderr
    summary = json.loads(rest.stdout.strip().splitlines()[-1])
    assert summary["started"] + summary["already_started"] + summary["skipped"] == 20
    assert summary["started"] == 15
    names = started(stack)
    assert len(names) == len(set(names)) == 20


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--max-objects", "0"), "must be positive"),
        (("--max-cost", "-1"), "must be positive"),
        (("--max-cost", "nan"), "must be positive"),
        (("--rate", "0"), "rate must be positive"),
        (("--prefix", "nothing-here/"), "no object in"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(stack, extra, message):
    completed = cli(stack, *extra)
    assert completed.returncode == 2 and message in completed.stderr, completed.stderr
    assert "Traceback" not in completed.stderr


def test_the_originals_bucket_must_not_be_the_resized_one(stack):
    command = cli(stack, "--dry-run")
    assert command.returncode == 0
    same = subprocess.run(
        [
            sys.executable,
            "-m",
            "image_resizer",
            "backfill",
            "--bucket",
            stack.settings.resized_bucket,
            "--resized-bucket",
            stack.settings.resized_bucket,
            "--state-machine-arn",
            stack.state_machine_arn,
        ],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **CREDENTIALS},
        check=False,
    )
    assert same.returncode == 2 and "give the originals bucket" in same.stderr


@pytest.mark.skipif(not BENCH.is_dir(), reason="../shared/bench is not here")
def test_the_estimate_is_within_a_quarter_of_what_the_function_reports(tmp_path):
    """The plan's estimate for the bench photos against the function's own EstimatedCostMicroUSD (EMF), summed
    over their invocations on the local stack: the same price list, so what is tested is the duration model."""
    photos = sorted(p for p in BENCH.iterdir() if p.suffix.lower() in (".jpg", ".png", ".webp"))
    with LocalStack(StackSettings(name="priced", variants=VARIANTS, max_workers=1)) as stack:
        stack.set_rule_enabled(False)
        s3 = stack.client("s3")
        for photo in photos:
            s3.put_object(Bucket=stack.settings.originals_bucket, Key=photo.name, Body=photo.read_bytes())
        specs = parse_variants(VARIANTS)
        pricing = backfill.Pricing(2048, "x86_64" if not _arm() else "arm64", "STANDARD")
        plan = backfill.make_plan(
            s3, stack.settings.originals_bucket, stack.settings.resized_bucket, specs, pricing=pricing
        )
        assert len(plan.objects) == len(photos) and plan.pixels_from_headers == len(photos)
        starter = backfill.Starter(stack.client("stepfunctions"), stack.state_machine_arn)
        backfill.run(s3, starter, "", "", specs, rate=1000, planned=plan)
        done = stack.wait_for_executions(len(photos), timeout=300)
        assert {e["status"] for e in done} == {"SUCCEEDED"}
        reported = _emf(stack, "EstimatedCostMicroUSD")
        durations = _emf(stack, "InvocationMilliseconds")
    assert len(reported) == len(photos)
    measured = sum(reported) / 1e6
    print(f"estimate ${plan.estimated_cost_usd:.6f}, reported ${measured:.6f}; durations {sorted(durations)}")
    assert abs(plan.estimated_cost_usd - measured) <= 0.25 * measured


def _arm() -> bool:
    import platform

    return platform.machine() in ("aarch64", "arm64")


def _emf(stack, metric: str) -> list[float]:
    """One value per invocation, from the EMF documents in the function's log lines."""
    logs = stack.client("logs")
    values = []
    kwargs = {"logGroupName": stack.rendered.function.log_group}
    while True:
        page = logs.filter_log_events(**kwargs)
        for event in page["events"]:
            try:
                document = json.loads(event["message"])
            except json.JSONDecodeError:
                continue
            if isinstance(document, dict) and "_aws" in document and metric in document:
                value = document[metric]
                values.append(float(value[0] if isinstance(value, list) else value))
        if not page.get("nextToken"):
            return values
        kwargs["nextToken"] = page["nextToken"]
