"""What the pipeline costs per million images, from a measured duration per image.

    python scripts/cost_model.py [--duration-ms 350] [--memory-mb 2048] [--markdown]
    python scripts/cost_model.py --api-worst-case 5   # an anonymous caller at POST /start's throttle, per hour

Counts per image: one Lambda invocation (duration x memory, by architecture), the Step Functions workflow
(STANDARD: state transitions; EXPRESS: requests + duration), S3 requests made by the handler (HEAD source,
HEAD each variant, GET source, PUT each variant) and CloudWatch Logs ingestion. S3 -> EventBridge events
from AWS services are free. Not counted: storage (GB-months, yours to size), data transfer, alarms.

Prices: AWS us-east-1 public list prices (on-demand, no free tier), as recorded in PRICES_AS_OF.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Final

PRICES_AS_OF: Final = "2026-11-30 (AWS us-east-1 list prices; unchanged since arm64 Lambda pricing of 2021)"
PRICES: Final = {
    "lambda_gb_second": {"x86_64": 0.0000166667, "arm64": 0.0000133334},
    "lambda_request": 0.20 / 1_000_000,
    "sfn_standard_transition": 0.025 / 1_000,
    "sfn_express_request": 1.00 / 1_000_000,
    "sfn_express_gb_second": 0.00001667,
    "s3_put": 0.005 / 1_000,
    "s3_get": 0.0004 / 1_000,  # GET and HEAD
    "logs_ingest_gb": 0.50,
}
# ValidateInput -> Resize -> CheckResult -> AnnounceReady -> Resized: five states per successful execution
# (two more with enable_events: PublishReady, and the event's own price).
STANDARD_TRANSITIONS_PER_IMAGE: Final = 5
EXPRESS_MEMORY_GB: Final = 0.0625  # Express bills memory in 64 MB steps; this workflow needs the first one
EXPRESS_OVERHEAD_MS: Final = 100  # orchestration time around the Lambda call, billed in 100 ms steps
LOG_BYTES_PER_IMAGE: Final = 2_000  # START/END/REPORT + one JSON line + EMF metrics


@dataclass(frozen=True)
class Cost:
    lambda_compute: float
    lambda_requests: float
    workflow: float
    s3_requests: float
    logs: float

    @property
    def total(self) -> float:
        return self.lambda_compute + self.lambda_requests + self.workflow + self.s3_requests + self.logs


def per_million(duration_ms: float, memory_mb: int, architecture: str, workflow: str, variants: int = 1) -> Cost:
    images = 1_000_000
    billed_ms = max(1, round(duration_ms))  # Lambda bills per millisecond
    gb_seconds = (memory_mb / 1024) * (billed_ms / 1000)
    if workflow == "STANDARD":
        workflow_cost = STANDARD_TRANSITIONS_PER_IMAGE * PRICES["sfn_standard_transition"]
    else:
        express_seconds = -(-(duration_ms + EXPRESS_OVERHEAD_MS) // 100) / 10  # 100 ms steps
        workflow_cost = (
            PRICES["sfn_express_request"] + express_seconds * EXPRESS_MEMORY_GB * PRICES["sfn_express_gb_second"]
        )
    s3 = variants * PRICES["s3_put"] + (2 + variants) * PRICES["s3_get"]
    return Cost(
        lambda_compute=images * gb_seconds * PRICES["lambda_gb_second"][architecture],
        lambda_requests=images * PRICES["lambda_request"],
        workflow=images * workflow_cost,
        s3_requests=images * s3,
        logs=images * LOG_BYTES_PER_IMAGE / 1024**3 * PRICES["logs_ingest_gb"],
    )


# A request the function refuses (a made-up key: HEAD 404) goes ValidateInput -> Resize -> ReadResizeFailure ->
# ParseResizeFailure -> CheckResizeFailureMessage -> AnnounceFailed -> ResizeFailed: seven states; it costs the
# function a HEAD.
REJECTED_TRANSITIONS: Final = 7
REJECTED_DURATION_MS: Final = 60


def api_worst_case_per_hour(rate_per_second: float, memory_mb: int = 2048, architecture: str = "arm64") -> float:
    """What an anonymous caller can spend per hour at POST /start's throttle on a STANDARD workflow: every
    request a rejected execution (the most transitions a request can buy; a known key costs four and answers
    from HEADs when its variants are fresh)."""
    executions = rate_per_second * 3600
    gb_seconds = (memory_mb / 1024) * (REJECTED_DURATION_MS / 1000)
    per_execution = (
        REJECTED_TRANSITIONS * PRICES["sfn_standard_transition"]
        + PRICES["lambda_request"]
        + gb_seconds * PRICES["lambda_gb_second"][architecture]
        + 2 * PRICES["s3_get"]
        + LOG_BYTES_PER_IMAGE / 1024**3 * PRICES["logs_ingest_gb"]
    )
    return executions * per_execution


def table(duration_ms: float, memory_mb: int, variants: int) -> str:
    lines = [
        f"Per million images, {duration_ms:.0f} ms per image at {memory_mb} MB, {variants} variant(s); "
        f"prices {PRICES_AS_OF}.",
        "",
        "| workflow | architecture | Lambda compute | Lambda requests | Step Functions | S3 requests | Logs | total |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for workflow in ("STANDARD", "EXPRESS"):
        for architecture in ("arm64", "x86_64"):
            cost = per_million(duration_ms, memory_mb, architecture, workflow, variants)
            lines.append(
                f"| {workflow} | {architecture} | ${cost.lambda_compute:,.2f} | ${cost.lambda_requests:,.2f} | "
                f"${cost.workflow:,.2f} | ${cost.s3_requests:,.2f} | ${cost.logs:,.2f} | **${cost.total:,.2f}** |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration-ms", type=float, default=200.0, help="billed duration per image")
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--variants", type=int, default=1)
    parser.add_argument("--api-worst-case", type=float, metavar="RPS", help="cost per hour of POST /start at RPS")
    args = parser.parse_args(argv)
    if args.api_worst_case is not None:
        cost = api_worst_case_per_hour(args.api_worst_case, args.memory_mb)
        print(
            f"POST /start at {args.api_worst_case:g} requests/s for an hour: {args.api_worst_case * 3600:,.0f} "
            f"rejected executions, ${cost:,.2f} (prices {PRICES_AS_OF})"
        )
        return 0
    print(table(args.duration_ms, args.memory_mb, args.variants))
    return 0


if __name__ == "__main__":
    sys.exit(main())
