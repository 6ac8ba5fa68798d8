"""Upload-to-variant latency on the local stack (S3 -> EventBridge -> Step Functions -> Lambda worker -> S3),
next to the anchor: the same image rendered by the core in this process. The ratio is the pipeline's
overhead (events, orchestration, worker round trip, S3 over HTTP). The same uploads with the manifest off
(MANIFEST_KEY=null) give what the manifest and its placeholders cost; the two configurations alternate in
rounds so that drift in the machine's load falls on both.

    python benchmarks/bench_local_pipeline.py [--uploads 30] [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from image_resizer.imaging.render import render
from image_resizer.variants import default_variants
from pipeline_dev import samples
from pipeline_dev.local.stack import LocalStack, StackSettings

MANIFEST_OFF = {"MANIFEST_KEY": "null"}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def upload_latencies(image: bytes, uploads: int, environment: dict[str, str]) -> tuple[float, list[float]]:
    """The first upload's latency (it pays the worker's cold start) and the others', in milliseconds."""
    latencies = []
    with LocalStack(StackSettings(extra_environment=environment)) as stack:
        s3 = stack.client("s3")
        for i in range(uploads + 1):
            key = f"bench/{i:04d}.jpg"
            started = time.perf_counter()
            s3.put_object(Bucket=stack.settings.originals_bucket, Key=key, Body=image)
            while True:
                try:
                    s3.head_object(Bucket=stack.settings.resized_bucket, Key=key)
                    break
                except s3.exceptions.ClientError:
                    time.sleep(0.01)
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies[0], latencies[1:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uploads", type=int, default=30, help="uploads per configuration and round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of manifest on, then off")
    args = parser.parse_args()
    image = samples.encode(samples.photo(2000, 1500, seed=11), "JPEG", quality=88)
    specs = default_variants()
    render(image, specs)  # warm
    anchor = []
    for _ in range(args.uploads):
        started = time.perf_counter()
        render(image, specs)
        anchor.append((time.perf_counter() - started) * 1000)
    warm_on: list[float] = []
    warm_off: list[float] = []
    colds = []
    for _ in range(args.rounds):
        cold, warm = upload_latencies(image, args.uploads, {})
        colds.append(cold)
        warm_on += warm
        warm_off += upload_latencies(image, args.uploads, MANIFEST_OFF)[1]
    direct = statistics.median(anchor)
    print(
        f"uploads: {args.uploads} sequential per round, {args.rounds} rounds, 2000x1500 JPEG,"
        " default variants (one 200 px thumbnail)"
    )
    print(f"core render in-process (anchor): median {direct:7.1f} ms")
    median, p95 = statistics.median(warm_on), percentile(warm_on, 0.95)
    print(f"upload -> variant, local stack:  median {median:7.1f} ms, p95 {p95:7.1f} ms", end="")
    print(f", cold worker {colds[0]:7.1f} ms")
    print(f"ratio pipeline / core (median):  {median / direct:7.1f}")
    off = statistics.median(warm_off)
    print(f"same, manifest off:              median {off:7.1f} ms, p95 {percentile(warm_off, 0.95):7.1f} ms")
    print(f"ratio manifest on / off (median): {median / off:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
