"""A fault-injection soak of the whole pipeline on the local stack.

Mixed valid and invalid uploads (some keys uploaded twice in quick succession) while a share of the function's
S3 requests are answered ``503 SlowDown`` and a share of its invocations time out, run out of memory or fail
transiently. Then, faults off, a backfill re-drives what the faults left undone, as an operator would after
the failed-execution alarm. The report says what was injected, how often the workflow retried, how every
execution ended, and whether every invariant held:

- every execution is terminal, and every failure is typed (the handler's error classes, ``InvalidInput``, or
  the Lambda runtime's own ``Sandbox.Timedout`` / ``Runtime.OutOfMemory``);
- no variant is rolled back: a key whose newest version's execution published has that version's variant;
- nothing in the originals bucket changed: each key holds exactly the bytes last uploaded;
- after the backfill, every valid image has every variant, rendered from its current version, of the right
  size.

    python -m pipeline_dev.soak [--uploads 500] [--s3-fault-rate 0.05] [--function-fault-rate 0.05]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from image_resizer import backfill
from image_resizer.aws.storage import META_SOURCE_STATE, SourceHead, source_state
from image_resizer.errors import PERMANENT_ERRORS, RETRYABLE_ERRORS
from image_resizer.variants import parse_variants
from PIL import Image

from pipeline_dev import samples
from pipeline_dev.local import shims
from pipeline_dev.local.stack import LocalStack, StackSettings

VARIANTS = {
    "thumbnail": {"width": 200, "height": 200, "key": "{key}"},
    "square": {"width": 96, "height": 96, "fit": "cover", "format": "webp", "key": "square/{dir}{stem}.{ext}"},
}
RUNTIME_FAULTS = ("Sandbox.Timedout", "Runtime.OutOfMemory")
TYPED = {cls.__name__ for cls in (*PERMANENT_ERRORS, *RETRYABLE_ERRORS)} | {"InvalidInput", *RUNTIME_FAULTS}


@dataclass
class SoakReport:
    uploads: int
    keys: int
    valid_keys: int
    s3_faults_injected: int
    function_faults_injected: dict[str, int]
    executions: int
    outcomes: dict[str, int]
    task_retries: int
    superseded: int
    redriven_by_backfill: int
    seconds: float
    violations: list[str] = field(default_factory=list)


def _uploads(count: int, rng: random.Random) -> list[tuple[str, bytes, bool]]:
    """(key, bytes, valid) in upload order; about 15% invalid, about 10% of keys uploaded twice in a row."""
    planned: list[tuple[str, bytes, bool]] = []
    index = 0
    while len(planned) < count:
        roll = rng.random()
        key = f"soak/{index:04d}.{'png' if roll < 0.2 else 'jpg'}"
        index += 1
        if roll < 0.05:
            planned.append((key, b"not an image at all", False))
        elif roll < 0.15:
            planned.append((key, samples.truncated(samples.encode(samples.photo(320, 240), "JPEG"), 0.3), False))
        else:
            size = (rng.randrange(160, 640), rng.randrange(160, 640))
            fmt = "PNG" if key.endswith(".png") else "JPEG"
            planned.append((key, samples.encode(samples.photo(*size, seed=index), fmt), True))
            if rng.random() < 0.1 and len(planned) < count:  # replaced right away: its events race
                planned.append((key, samples.encode(samples.photo(*size[::-1], seed=index + 7919), fmt), True))
    return planned


def run(
    uploads: int = 500, s3_fault_rate: float = 0.05, function_fault_rate: float = 0.05, seed: int = 7
) -> SoakReport:
    rng = random.Random(seed)  # noqa: S311 - reproducible test traffic, not secrets
    planned = _uploads(uploads, rng)
    started = time.perf_counter()
    with LocalStack(StackSettings(name="soak", variants=VARIANTS, max_workers=4)) as stack:
        s3 = stack.client("s3")
        originals, resized = stack.settings.originals_bucket, stack.settings.resized_bucket
        s3_plan = shims.set_s3_faults(
            shims.FaultPlan(rate=s3_fault_rate, kinds=("SlowDown",), seed=seed),
            {originals: ("GET", "HEAD"), resized: ("GET", "HEAD", "PUT")},
        )
        function_plan = shims.set_function_faults(
            stack.function_name,
            shims.FaultPlan(rate=function_fault_rate, kinds=(*RUNTIME_FAULTS, "TransientError"), seed=seed + 1),
        )
        try:
            versions: dict[str, list[bytes]] = {}
            for key, data, _ in planned:
                versions.setdefault(key, []).append(data)

            def upload(key: str) -> None:  # one key's versions in order, back to back: their events race
                for data in versions[key]:
                    s3.put_object(Bucket=originals, Key=key, Body=data)

            with ThreadPoolExecutor(max_workers=4) as pool:
                list(pool.map(upload, versions))
            executions = stack.wait_for_executions(len(planned), timeout=900)
        finally:
            shims.clear_faults()
        report = _check(stack, planned, executions)
        report.s3_faults_injected = sum(s3_plan.injected.values())
        report.function_faults_injected = dict(function_plan.injected)
        report.seconds = round(time.perf_counter() - started, 1)
    return report


def _check(stack: LocalStack, planned: list[tuple[str, bytes, bool]], executions: list[dict[str, Any]]) -> SoakReport:
    last = {key: (data, valid) for key, data, valid in planned}
    violations: list[str] = []
    outcomes, retries, superseded, newest_published = _executions(stack, executions, violations)
    _originals_and_rollbacks(stack, last, newest_published, violations)
    redriven = _redrive_and_verify(stack, last, violations)
    return SoakReport(
        uploads=len(planned),
        keys=len(last),
        valid_keys=sum(valid for _, valid in last.values()),
        s3_faults_injected=0,
        function_faults_injected={},
        executions=len(executions),
        outcomes=dict(sorted(outcomes.items())),
        task_retries=retries,
        superseded=superseded,
        redriven_by_backfill=redriven,
        seconds=0.0,
        violations=violations,
    )


def _executions(
    stack: LocalStack, executions: list[dict[str, Any]], violations: list[str]
) -> tuple[Counter[str], int, int, set[str]]:
    """Outcomes, Task retries, superseded runs, and the keys whose newest version's run published."""
    s3, sfn = stack.client("s3"), stack.client("stepfunctions")
    outcomes: Counter[str] = Counter()
    retries = superseded = 0
    newest_published: set[str] = set()
    for execution in executions:
        given = json.loads(execution["input"])
        key = backfill_key(given)
        status, error = execution["status"], execution.get("error")
        outcomes[status if status != "FAILED" else f"FAILED {error}"] += 1
        if status != "SUCCEEDED" and (status != "FAILED" or error not in TYPED):
            violations.append(f"{key}: ended {status} {error}")
        history = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)["events"]
        retries += max(0, sum(e["type"] == "TaskScheduled" for e in history) - 1)
        if status == "SUCCEEDED":
            output = json.loads(execution["output"])
            superseded += bool(output.get("superseded"))
            current = s3.head_object(Bucket=stack.settings.originals_bucket, Key=key)
            if given.get("versionId") == current.get("VersionId") and not output.get("superseded"):
                newest_published.add(key)
    return outcomes, retries, superseded, newest_published


def _current_state(stack: LocalStack, key: str) -> str:
    head = stack.client("s3").head_object(Bucket=stack.settings.originals_bucket, Key=key)
    return source_state(SourceHead(stack.settings.originals_bucket, key, head["ETag"].strip('"'), None, 0))


def _originals_and_rollbacks(
    stack: LocalStack, last: dict[str, tuple[bytes, bool]], newest_published: set[str], violations: list[str]
) -> None:
    s3 = stack.client("s3")
    for key, (data, _) in last.items():  # originals: exactly what was uploaded last
        if s3.get_object(Bucket=stack.settings.originals_bucket, Key=key)["Body"].read() != data:
            violations.append(f"{key}: the original changed")
    for key in newest_published:  # never rolled back
        stored = s3.head_object(Bucket=stack.settings.resized_bucket, Key=key)["Metadata"].get(META_SOURCE_STATE)
        if stored != _current_state(stack, key):
            violations.append(f"{key}: variant rolled back")


def _redrive_and_verify(stack: LocalStack, last: dict[str, tuple[bytes, bool]], violations: list[str]) -> int:
    """Faults off: the operator's re-drive of whatever the faults left missing or stale, then every valid
    image's variants checked against its current version."""
    s3, sfn = stack.client("s3"), stack.client("stepfunctions")
    originals, resized = stack.settings.originals_bucket, stack.settings.resized_bucket
    starter = backfill.Starter(sfn, stack.state_machine_arn, None)
    before = sum(
        len(page["executions"])
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=stack.state_machine_arn)
    )
    summary = backfill.run(s3, starter, originals, resized, parse_variants(VARIANTS), prefix="soak/", rate=200.0)
    stack.wait_for_executions(before + summary.started, timeout=600)
    for key, (data, valid) in last.items():
        if not valid:
            continue
        want = _current_state(stack, key)
        source = Image.open(io.BytesIO(data))
        thumb = s3.get_object(Bucket=resized, Key=key)
        image = Image.open(io.BytesIO(thumb["Body"].read()))
        scale = min(200 / source.width, 200 / source.height, 1.0)
        if image.size != (max(1, round(source.width * scale)), max(1, round(source.height * scale))):
            violations.append(f"{key}: thumbnail {image.size} for a {source.size} source")
        square = s3.head_object(Bucket=resized, Key=f"square/{key.rsplit('.', 1)[0]}.webp")
        for name, metadata in (("thumbnail", thumb["Metadata"]), ("square", square["Metadata"])):
            if metadata.get(META_SOURCE_STATE) != want:
                violations.append(f"{key}: {name} not from the current version after the backfill")
    return int(summary.started)


def backfill_key(given: dict[str, Any]) -> str:
    from urllib.parse import unquote_plus

    key = str(given.get("key", ""))
    return unquote_plus(key) if given.get("keyEncoding") == "url" else key


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uploads", type=int, default=500)
    parser.add_argument("--s3-fault-rate", type=float, default=0.05)
    parser.add_argument("--function-fault-rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    report = run(args.uploads, args.s3_fault_rate, args.function_fault_rate, args.seed)
    print(json.dumps(asdict(report), indent=2))
    return 1 if report.violations else 0


if __name__ == "__main__":
    sys.exit(main())
