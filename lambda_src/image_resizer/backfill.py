"""``image-resizer backfill``: start one workflow execution per existing original whose variants are missing
or stale, from a listing of the bucket. First a plan (:func:`make_plan`: what would start, its bytes, pixels and
estimated cost, from ``aws.pricing``), then the starts, within the caps the run enforces (``max_objects``,
``max_cost``). Re-runs are safe: execution names are derived from the object's identity and the variant
settings, so Step Functions refuses to start the same work twice, and what is done is skipped as fresh."""

from __future__ import annotations

import hashlib
import io
import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from image_resizer.aws.pricing import PRICES, estimated_image_cost
from image_resizer.aws.storage import ObjectStore, SourceHead, is_fresh
from image_resizer.pipeline.service import candidate_keys
from image_resizer.variants import VariantSpec

_THROTTLED = {"ThrottlingException", "TooManyRequestsException", "Throttling", "SlowDown"}
# Enough of most files for Pillow to read the dimensions from the header; JPEG's SOF may follow a large EXIF or
# a phone's MPF preview images, hence a second, larger read.
_HEADER_READS = (256 * 1024, 4 * 1024 * 1024)
# Where the header cannot be read: a photo's JPEG at about quality 85 holds a megapixel in 250-400 KB; the low end
# is taken, so the estimate errs on the side of more pixels (more cost).
_BYTES_PER_MEGAPIXEL_FALLBACK = 250_000


@dataclass(frozen=True)
class Pricing:
    """What the estimate assumes of the deployment (the Terraform defaults unless told otherwise)."""

    memory_mb: int = 2048
    architecture: str = "arm64"
    workflow: str = "STANDARD"


@dataclass
class PlannedObject:
    head: SourceHead
    reason: str  # "missing", "stale" or "all" (--all)
    megapixels: float
    estimated_cost_usd: float


@dataclass
class Plan:
    scanned: int = 0
    missing: int = 0
    stale: int = 0
    fresh: int = 0
    objects: list[PlannedObject] = field(default_factory=list)
    bytes: int = 0
    megapixels: float = 0.0
    pixels_from_headers: int = 0  # objects whose pixels were read from their header, not guessed from bytes
    planning_cost_usd: float = 0.0  # the plan's own LIST, HEAD and ranged GET requests, already spent

    @property
    def estimated_cost_usd(self) -> float:
        return sum(o.estimated_cost_usd for o in self.objects)

    def limited(self, max_objects: int | None) -> Plan:
        """The plan for the first ``max_objects`` objects only (all when None)."""
        if max_objects is None or max_objects >= len(self.objects):
            return self
        kept = self.objects[:max_objects]
        return Plan(
            self.scanned,
            sum(o.reason == "missing" for o in kept),
            sum(o.reason == "stale" for o in kept),
            self.fresh,
            kept,
            sum(o.head.size for o in kept),
            sum(o.megapixels for o in kept),
            self.pixels_from_headers,
            self.planning_cost_usd,
        )

    def facts(self, rate: float) -> dict[str, Any]:
        return {
            "scanned": self.scanned,
            "to_start": len(self.objects),
            "missing": self.missing,
            "stale": self.stale,
            "fresh": self.fresh,
            "bytes": self.bytes,
            "megapixels": round(self.megapixels, 1),
            "pixels_from_headers": self.pixels_from_headers,
            "estimated_cost_usd": round(self.estimated_cost_usd, 6),
            "planning_cost_usd": round(self.planning_cost_usd, 6),
            "estimated_seconds": round(len(self.objects) / rate, 1) if rate > 0 else None,
        }


@dataclass
class Summary:
    listed: int = 0
    started: int = 0
    skipped: int = 0  # variants already present and up to date
    already_started: int = 0  # an execution of that name exists: an earlier run started it
    failed: int = 0
    dry_run: bool = False
    interrupted: bool = False
    left: int = 0  # planned but not started: a cap was reached, or the run was interrupted
    estimated_cost_usd: float = 0.0  # of what was started (or, in a dry run, would be)


def variant_state(store: ObjectStore, resized_bucket: str, head: SourceHead, specs: tuple[VariantSpec, ...]) -> str:
    """ "fresh" when every variant is up to date, "missing" when one does not exist, "stale" otherwise."""
    state = "fresh"
    for spec in specs:
        keys = candidate_keys(spec, head.key, spec.content_hash(head.etag, head.shaping))
        stored = [store.head_variant(resized_bucket, key) for key in keys]
        fresh = [is_fresh(s, head, spec.settings_hash) for s in stored]
        if all(fresh) if spec.formats else any(fresh):  # formats: a key per format, each must be there
            continue
        if all(s is None for s in stored):
            return "missing"
        state = "stale"
    return state


def needs_work(store: ObjectStore, resized_bucket: str, head: SourceHead, specs: tuple[VariantSpec, ...]) -> bool:
    return variant_state(store, resized_bucket, head, specs) != "fresh"


def source_megapixels(s3: Any, head: SourceHead) -> tuple[float, bool]:
    """The source's megapixels from its header (a ranged GET; a second, larger one when metadata such as a
    phone's embedded previews comes first), else guessed from its size; and which."""
    from PIL import Image

    for length in _HEADER_READS:
        try:
            response = s3.get_object(Bucket=head.bucket, Key=head.key, Range=f"bytes=0-{length - 1}")
            with Image.open(io.BytesIO(response["Body"].read())) as image:
                return image.width * image.height / 1e6, True
        except Exception:  # an unreadable header: a larger read, then the size stands in
            if head.size <= length:
                break
    return head.size / _BYTES_PER_MEGAPIXEL_FALLBACK, False


def make_plan(
    s3: Any,
    bucket: str,
    resized_bucket: str,
    specs: tuple[VariantSpec, ...],
    prefix: str = "",
    only_missing: bool = True,
    pricing: Pricing | None = None,
    report: Callable[[Plan], None] = lambda _: None,
) -> Plan:
    """List the bucket and decide, object by object, what would start and what it would cost."""
    pricing = pricing or Pricing()
    store = ObjectStore(s3)
    plan = Plan()
    for head in list_originals(s3, bucket, prefix):
        plan.scanned += 1
        state = variant_state(store, resized_bucket, head, specs) if only_missing else "all"
        if state == "fresh":
            plan.fresh += 1
        else:
            if state in ("missing", "stale"):
                setattr(plan, state, getattr(plan, state) + 1)
            megapixels, from_header = source_megapixels(s3, head)
            plan.pixels_from_headers += from_header
            cost = estimated_image_cost(
                megapixels, pricing.memory_mb, pricing.architecture, pricing.workflow, len(specs)
            )
            plan.objects.append(PlannedObject(head, state, megapixels, cost))
            plan.bytes += head.size
            plan.megapixels += megapixels
        report(plan)
    heads = plan.scanned * len(specs) if only_missing else 0
    plan.planning_cost_usd = (
        -(-plan.scanned // 1000) * PRICES["s3_write"] + (heads + len(plan.objects)) * PRICES["s3_read"]
    )
    return plan


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
    planned: Plan | None = None,
    max_objects: int | None = None,
    max_cost: float | None = None,
) -> Summary:
    """Start what the plan holds (made here unless ``planned`` is given), at most ``max_objects`` and no more than
    ``max_cost`` USD of estimated cost; Ctrl-C stops starting and leaves the rest to a second run."""
    summary = Summary(dry_run=dry_run)
    try:
        if planned is None:
            planned = make_plan(s3, bucket, resized_bucket, specs, prefix, only_missing)
        summary.listed, summary.skipped = planned.scanned, planned.fresh
        limiter = RateLimiter(rate)
        for index, item in enumerate(planned.objects):
            if (max_objects is not None and summary.started + summary.already_started >= max_objects) or (
                max_cost is not None and summary.estimated_cost_usd + item.estimated_cost_usd > max_cost
            ):
                summary.left = len(planned.objects) - index
                break
            head = item.head
            name = execution_name(head, specs)
            payload = {"bucket": head.bucket, "key": head.key, "etag": head.etag}
            if dry_run:
                plan({"action": "start", "name": name, "input": payload, "reason": item.reason})
                summary.started += 1
                summary.estimated_cost_usd += item.estimated_cost_usd
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
                    summary.estimated_cost_usd += item.estimated_cost_usd
                else:
                    summary.already_started += 1
            report(summary)
    except KeyboardInterrupt:
        summary.interrupted = True
        done = summary.started + summary.already_started + summary.failed
        summary.left = max(0, len(planned.objects) - done) if planned is not None else 0
    return summary


# A Distributed Map's ItemReader reads at most this many items (ReaderConfig.MaxItems, AWS Step Functions).
DISTRIBUTED_MAP_MAX_ITEMS = 100_000_000


def distributed_map_input(
    prefix: str = "", max_objects: int | None = None, inventory_manifest_key: str | None = None
) -> dict[str, Any]:
    """The backfill state machine's input (state_machine/backfill.json checks the same in its ValidateInput)."""
    from image_resizer.errors import InvalidRequestError

    if max_objects is not None and not 1 <= max_objects <= DISTRIBUTED_MAP_MAX_ITEMS:
        raise InvalidRequestError(f"max_objects must be 1 to {DISTRIBUTED_MAP_MAX_ITEMS:,}, got {max_objects}")
    if inventory_manifest_key is not None:
        if prefix:
            raise InvalidRequestError("an inventory report lists the whole bucket: give a prefix or a report, not both")
        if not inventory_manifest_key.endswith("manifest.json"):
            raise InvalidRequestError(
                f"inventory_manifest_key {inventory_manifest_key!r} is not an S3 Inventory manifest.json"
            )
    given: dict[str, Any] = {"prefix": prefix}
    if max_objects is not None:
        given["max_objects"] = max_objects
    if inventory_manifest_key is not None:
        given["inventory_manifest_key"] = inventory_manifest_key
    return given


def summary_json(summary: Summary) -> str:
    facts = asdict(summary)
    facts["estimated_cost_usd"] = round(summary.estimated_cost_usd, 6)
    return json.dumps(facts)
