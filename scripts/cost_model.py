"""What the pipeline costs per million images, from a measured duration per image.

    python scripts/cost_model.py [--duration-ms 350] [--memory-mb 2048] [--variants 3]
    python scripts/cost_model.py --durations results.json   # measured: `python benchmarks/bench_resize.py --json`
    python scripts/cost_model.py --api-worst-case 5   # an anonymous caller at POST /start's throttle, per hour

Counts per image: one Lambda invocation (duration x memory, by architecture), the Step Functions workflow
(STANDARD: state transitions; EXPRESS: requests + duration), S3 requests made by the handler (HEAD source,
HEAD each variant, GET source, PUT each variant) and CloudWatch Logs ingestion. S3 -> EventBridge events
from AWS services are free. Not counted: storage (GB-months, yours to size), data transfer, alarms.

Prices: AWS us-east-1 public list prices (on-demand, no free tier), as recorded in PRICES_AS_OF.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Final

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "lambda_src"))
from image_resizer.aws.pricing import (
    LOG_BYTES_PER_IMAGE,
    PRICES,
    PRICES_AS_OF,
    fresh_upload_requests,
    invocation_cost,
)


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
    """The function's own per-invocation estimate (image_resizer.aws.pricing), a million times, with the S3 calls
    a fresh upload makes (counted in tests/functional/test_handler.py): HEAD the source, HEAD each variant,
    GET the source, HEAD the source again before publishing, PUT each variant and the manifest."""
    images = 1_000_000
    one = invocation_cost(duration_ms, memory_mb, architecture, workflow, fresh_upload_requests(variants))
    return Cost(
        lambda_compute=images * one.lambda_compute,
        lambda_requests=images * one.lambda_request,
        workflow=images * one.workflow,
        s3_requests=images * one.s3_requests,
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
        + 2 * PRICES["s3_read"]
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
    parser.add_argument(
        "--durations",
        type=Path,
        metavar="FILE",
        help="a benchmark's measured durations (JSON written by bench_resize.py --json): the median and the "
        "slowest input are priced instead of --duration-ms",
    )
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
    if args.durations is not None:
        try:
            measured = json.loads(args.durations.read_text())
            durations = {str(name): float(ms) for name, ms in measured["durations_ms"].items()}
            variants = int(measured.get("variants", args.variants))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            print(f"cost_model: error: cannot read durations from {args.durations}: {exc}", file=sys.stderr)
            return 2
        if not durations:
            print(f"cost_model: error: {args.durations} holds no durations", file=sys.stderr)
            return 2
        slowest = max(durations, key=durations.__getitem__)
        print(f"Measured: {measured.get('command', '?')} on {measured.get('machine', '?')}.")
        print(f"Median of {len(durations)} inputs: {statistics.median(durations.values()):.0f} ms.\n")
        print(table(statistics.median(durations.values()), args.memory_mb, variants))
        print(f"\nSlowest input ({slowest}): {durations[slowest]:.0f} ms.\n")
        print(table(durations[slowest], args.memory_mb, variants))
        return 0
    print(table(args.duration_ms, args.memory_mb, args.variants))
    return 0


if __name__ == "__main__":
    sys.exit(main())
