"""Backfill throughput against the local stack: objects per second listed and started by
`image-resizer backfill`, next to the anchor: listing the same bucket alone (list_objects_v2 pages).

    python benchmarks/bench_backfill.py [--objects 300]
"""

from __future__ import annotations

import argparse
import sys
import time

from image_resizer import backfill
from image_resizer.variants import default_variants
from pipeline_dev import samples
from pipeline_dev.local.stack import LocalStack


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=300)
    args = parser.parse_args()
    body = samples.encode(samples.photo(64, 48), "JPEG")
    with LocalStack() as stack:
        stack.set_rule_enabled(False)
        s3 = stack.client("s3")
        bucket = stack.settings.originals_bucket
        for i in range(args.objects):
            s3.put_object(Bucket=bucket, Key=f"bench/{i:06d}.jpg", Body=body)
        started = time.perf_counter()
        listed = sum(1 for _ in backfill.list_originals(s3, bucket, "bench/"))
        list_seconds = time.perf_counter() - started
        starter = backfill.Starter(stack.client("stepfunctions"), stack.state_machine_arn)
        started = time.perf_counter()
        dry = backfill.run(
            s3,
            starter,
            bucket,
            stack.settings.resized_bucket,
            default_variants(),
            prefix="bench/",
            rate=100_000,
            dry_run=True,
        )
        dry_seconds = time.perf_counter() - started
        started = time.perf_counter()
        summary = backfill.run(
            s3, starter, bucket, stack.settings.resized_bucket, default_variants(), prefix="bench/", rate=100_000
        )
        run_seconds = time.perf_counter() - started
        stack.wait_for_executions(args.objects, timeout=600)
    print(f"objects: {listed}")
    print(f"listing alone (anchor):        {listed / list_seconds:8.0f} objects/s")
    print(f"backfill --dry-run (list + HEAD): {dry.started / dry_seconds:5.0f} objects/s decided")
    print(
        f"backfill (HEAD variants + start): {summary.started / run_seconds:5.0f} objects/s listed and started"
        " (the started executions run in this same process meanwhile)"
    )
    print(f"ratio anchor / backfill:        {(listed / list_seconds) / (summary.started / run_seconds):8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
