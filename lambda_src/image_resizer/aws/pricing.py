"""What an invocation costs: one price list for the function's own estimate (EMF, per invocation) and for
scripts/cost_model.py (per million images, from measured durations).

Prices: AWS us-east-1 public list prices, on demand, no free tier, as recorded in PRICES_AS_OF. Lambda bills
per millisecond of duration times configured memory (and, since August 2025, the init phase of a cold start
as well); S3 bills PUT/COPY/POST/LIST requests at one rate and GET/HEAD and the rest at another (DELETE is
free); a STANDARD workflow bills per state transition, an EXPRESS one per request plus its duration in 100 ms
steps at 64 MB.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

PRICES_AS_OF: Final = "2026-11-30 (AWS us-east-1 list prices; unchanged since arm64 Lambda pricing of 2021)"
PRICES: Final[dict[str, Any]] = {
    "lambda_gb_second": {"x86_64": 0.0000166667, "arm64": 0.0000133334},
    "lambda_request": 0.20 / 1_000_000,
    "sfn_standard_transition": 0.025 / 1_000,
    "sfn_express_request": 1.00 / 1_000_000,
    "sfn_express_gb_second": 0.00001667,
    "s3_write": 0.005 / 1_000,  # PUT, COPY, POST, LIST
    "s3_read": 0.0004 / 1_000,  # GET, HEAD and all other requests
    "logs_ingest_gb": 0.50,
}
# ValidateInput -> Resize -> CheckResult -> AnnounceReady -> Resized: five states per successful execution
# (two more with enable_events: PublishReady, and the event's own price).
STANDARD_TRANSITIONS_PER_IMAGE: Final = 5
EXPRESS_MEMORY_GB: Final = 0.0625  # Express bills memory in 64 MB steps; this workflow needs the first one
EXPRESS_OVERHEAD_MS: Final = 100  # orchestration time around the Lambda call, billed in 100 ms steps
WORKFLOW_TYPES: Final = ("STANDARD", "EXPRESS")
LOG_BYTES_PER_IMAGE: Final = 2_000  # START/END/REPORT + one JSON line + EMF metrics
# An invocation's duration from its source's size, for estimates made before anything runs (the backfill's plan):
# a fixed part (S3 round trips, encoders' set-up, the manifest) and a part per megapixel decoded. Conservative:
# for the bench photos (12-24 MP) on the local stack (2-core x86_64 VM, 2026-12-05) the function reported
# 69-381 ms where this gives 294-438 ms (JPEGs decode at a reduced DCT scale); a STANDARD workflow's transitions
# are most of the cost, and tests/integration/test_backfill_plan.py keeps the estimate within 25% of what the
# function's own EMF metric reports (measured: +5%).
INVOCATION_MS_FIXED: Final = 150.0
INVOCATION_MS_PER_MEGAPIXEL: Final = 12.0
S3_WRITE_OPERATIONS: Final = frozenset(
    {"PutObject", "CopyObject", "ListObjects", "ListObjectsV2", "ListObjectVersions"}
)
S3_FREE_OPERATIONS: Final = frozenset({"DeleteObject", "DeleteObjects"})


@dataclass(frozen=True, slots=True)
class InvocationCost:
    lambda_compute: float
    lambda_request: float
    workflow: float
    s3_requests: float

    @property
    def total(self) -> float:
        return self.lambda_compute + self.lambda_request + self.workflow + self.s3_requests


def architecture_of(machine: str) -> str:
    """Lambda's name for the CPU ``platform.machine()`` reports."""
    return "arm64" if machine in ("aarch64", "arm64") else "x86_64"


def s3_request_cost(requests: Mapping[str, int]) -> float:
    """``requests``: S3 API calls by operation name, as the function made them."""
    total = 0.0
    for operation, count in requests.items():
        if operation in S3_FREE_OPERATIONS:
            continue
        total += count * PRICES["s3_write" if operation in S3_WRITE_OPERATIONS else "s3_read"]
    return total


def invocation_cost(
    duration_ms: float, memory_mb: int, architecture: str, workflow: str, s3_requests: Mapping[str, int]
) -> InvocationCost:
    billed_ms = max(1, round(duration_ms))  # Lambda bills per millisecond
    gb_seconds = (memory_mb / 1024) * (billed_ms / 1000)
    if workflow == "EXPRESS":
        express_seconds = -(-(duration_ms + EXPRESS_OVERHEAD_MS) // 100) / 10  # 100 ms steps
        workflow_cost = (
            PRICES["sfn_express_request"] + express_seconds * EXPRESS_MEMORY_GB * PRICES["sfn_express_gb_second"]
        )
    else:
        workflow_cost = STANDARD_TRANSITIONS_PER_IMAGE * PRICES["sfn_standard_transition"]
    return InvocationCost(
        lambda_compute=gb_seconds * PRICES["lambda_gb_second"][architecture],
        lambda_request=PRICES["lambda_request"],
        workflow=workflow_cost,
        s3_requests=s3_request_cost(s3_requests),
    )


def fresh_upload_requests(variants: int) -> dict[str, int]:
    """The S3 calls a fresh upload makes (counted in tests/functional/test_handler.py): HEAD the source, HEAD each
    variant, GET the source, HEAD the source again before publishing, PUT each variant and the manifest."""
    return {"HeadObject": 2 + variants, "GetObject": 1, "PutObject": variants + 1}


def estimated_invocation_ms(megapixels: float) -> float:
    return INVOCATION_MS_FIXED + INVOCATION_MS_PER_MEGAPIXEL * megapixels


def estimated_image_cost(megapixels: float, memory_mb: int, architecture: str, workflow: str, variants: int) -> float:
    """One image through the workflow, in USD: the function's own estimate for the duration its size predicts,
    plus its log lines."""
    cost = invocation_cost(
        estimated_invocation_ms(megapixels), memory_mb, architecture, workflow, fresh_upload_requests(variants)
    )
    logs: float = LOG_BYTES_PER_IMAGE / 1024**3 * PRICES["logs_ingest_gb"]
    return cost.total + logs
