"""``image-resizer backfill``: start one workflow execution per existing original whose variants are missing
or stale, from a listing of the bucket. Re-runs are safe: execution names are derived from the object's
identity and the variant settings, so Step Functions refuses to start the same work twice."""

from __future__ import annotations

import hashlib
import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from botocore.exceptions import ClientError

from image_resizer.aws.storage import ObjectStore, SourceHead, is_fresh
from image_resizer.pipeline.service import candidate_keys
from image_resizer.variants import VariantSpec

_THROTTLED = {"ThrottlingException", "TooManyRequestsException", "Throttling", "SlowDown"}


@dataclass
class Summary:
    listed: int = 0
    started: int = 0
    skipped: int = 0  # variants already present and up to date
    already_started: int = 0  # an execution of that name exists: an earlier run started it
    failed: int = 0
    dry_run: bool = False
    interrupted: bool = False


def needs_work(store: ObjectStore, resized_bucket: str, head: SourceHead, specs: tuple[VariantSpec, ...]) -> bool:
    for spec in specs:
        keys = candidate_keys(spec, head.key, spec.content_hash(head.etag, head.shaping))
        stored = (store.head_variant(resized_bucket, key) for key in keys)
        if not any(is_fresh(s, head, spec.settings_hash) for s in stored):
            return True
    return False


def execution_name(head: SourceHead, specs: tuple[VariantSpec, ...]) -> str:
    identity = json.dumps([head.bucket, head.key, head.etag, [s.settings_hash for s in specs]])
    return "backfill-" + hashlib.sha256(identity.encode()).hexdigest()[:48]


class RateLimiter:
    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self._clock = clock
        self._next = clock()

    def wait(self) -> None:
        now = self._clock()
        if self._next > now:
            time.sleep(self._next - now)
        self._next = max(now, self._next) + self.interval


def list_originals(s3: Any, bucket: str, prefix: str) -> Iterator[SourceHead]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            yield SourceHead(bucket, item["Key"], str(item.get("ETag", "")).strip('"'), None, int(item.get("Size", 0)))


class Starter:
    """Starts executions through StartExecution (deterministic names) or the HTTP API (POST /start)."""

    def __init__(
        self, stepfunctions: Any = None, state_machine_arn: str | None = None, api_url: str | None = None
    ) -> None:
        self._sfn, self._arn, self._api = stepfunctions, state_machine_arn, api_url

    def start(self, name: str, payload: dict[str, Any]) -> str:
        """'started' or 'already_started'; raises after repeated throttling."""
        body = json.dumps(payload)
        for attempt in range(8):
            try:
                if self._api:
                    return self._post(body)
                if self._exists(name):
                    return "already_started"
                self._sfn.start_execution(stateMachineArn=self._arn, name=name, input=body)
                return "started"
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code == "ExecutionAlreadyExists":
                    return "already_started"
                if code not in _THROTTLED or attempt == 7:
                    raise
            time.sleep(min(10.0, 0.2 * 2**attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def _exists(self, name: str) -> bool:
        """StartExecution is idempotent for a running execution of the same name: ask first, to count truly."""
        arn = f"{(self._arn or '').replace(':stateMachine:', ':execution:')}:{name}"
        try:
            self._sfn.describe_execution(executionArn=arn)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ExecutionDoesNotExist":
                return False
            raise
        return True

    def _post(self, body: str) -> str:
        request = urllib.request.Request(  # noqa: S310 - the operator's own API URL
            self._api or "", data=body.encode(), method="POST", headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            response.read()
        return "started"


def run(
    s3: Any,
    starter: Starter,
    bucket: str,
    resized_bucket: str,
    specs: tuple[VariantSpec, ...],
    prefix: str = "",
    only_missing: bool = True,
    dry_run: bool = False,
    rate: float = 10.0,
    report: Callable[[Summary], None] = lambda _: None,
    plan: Callable[[dict[str, Any]], None] = lambda _: None,
) -> Summary:
    summary = Summary(dry_run=dry_run)
    store = ObjectStore(s3)
    limiter = RateLimiter(rate)
    try:
        for head in list_originals(s3, bucket, prefix):
            summary.listed += 1
            if only_missing and not needs_work(store, resized_bucket, head, specs):
                summary.skipped += 1
                report(summary)
                continue
            name = execution_name(head, specs)
            payload = {"bucket": head.bucket, "key": head.key, "etag": head.etag}
            if dry_run:
                plan({"action": "start", "name": name, "input": payload})
                summary.started += 1
                report(summary)
                continue
            limiter.wait()
            try:
                outcome = starter.start(name, payload)
            except (ClientError, urllib.error.URLError, OSError) as exc:
                summary.failed += 1
                print(f"image-resizer backfill: could not start {head.key!r}: {exc}", file=sys.stderr)
            else:
                if outcome == "started":
                    summary.started += 1
                else:
                    summary.already_started += 1
            report(summary)
    except KeyboardInterrupt:
        summary.interrupted = True
    return summary


def summary_json(summary: Summary) -> str:
    return json.dumps(asdict(summary))
