"""Download and decode overlapped, on the network path: the ../shared/bench photos served by the local stack's
S3 (moto's server, with the stack's shims) behind a proxy that delivers each connection's replies at one S3
connection's rate. They live in a bucket of their own, which no event rule watches.

The rate: "Make one concurrent request for each 85-90 MB/s of desired network throughput" (AWS whitepaper
"Best Practices Design Patterns: Optimizing Amazon S3 Performance", section "Horizontal Scaling and Request
Parallelization for High Throughput"). A Lambda function's GetObject is one request on one connection, so
85 MB/s is the best a single download can expect; smaller functions see less (try --rate-mb 40).

Per photo, in rounds, side by side (the same three variants as bench_resize.py):
  download      GetObject and read the body, nothing else
  whole first   download, then render (the pipeline before it streamed)
  overlapped    ObjectStore.read_source + render: the decoder reads the body as it arrives (what runs now)
  libvips       download, then libvips' thumbnail of the three variants (bench_resize.py's anchor)

    python benchmarks/bench_download.py [--rate-mb 85] [--rounds 5]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from image_resizer.aws.events import ObjectRef
from image_resizer.aws.storage import ObjectStore
from image_resizer.imaging.render import render
from pipeline_dev.local.stack import CREDENTIALS, REGION, LocalStack
from pipeline_dev.throttled_proxy import ThrottledProxy

sys.path.insert(0, str(Path(__file__).parent))
import approaches
from _common import bench_images, interleaved_median_ms

BUCKET = "bench-download"
STREAMED_SUFFIXES = {".jpg", ".jpeg", ".png"}  # the formats decoded while they arrive
MAX_BYTES = 100 * 1024 * 1024


def _positive(kind: Callable[[str], float]) -> Callable[[str], float]:
    """An argparse type: a number above 0, or one line saying what is wrong (exit code 2)."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text} is not above 0")
        return value

    return parse


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--rate-mb", type=_positive(float), default=85.0, help="delivery rate, MB (10^6 bytes) per second"
    )
    parser.add_argument("--rounds", type=_positive(int), default=5, help="timed rounds per photo")
    args = parser.parse_args()
    images = [p for p in bench_images() if p.suffix.lower() in STREAMED_SUFFIXES]
    if not images:
        print("bench_download: ../shared/bench has no JPEG or PNG photos; nothing to measure")
        return 0
    with LocalStack() as stack:
        endpoint = urlsplit(stack.endpoint_url)
        upstream = (endpoint.hostname or "127.0.0.1", endpoint.port or 80)
        with ThrottledProxy(upstream, args.rate_mb * 1e6) as proxy:
            client = boto3.client(
                "s3",
                endpoint_url=proxy.endpoint_url,
                region_name=REGION,
                aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                config=Config(retries={"max_attempts": 1}),
            )
            client.create_bucket(Bucket=BUCKET)
            store = ObjectStore(client)
            print(f"rate {args.rate_mb:g} MB/s per connection, {args.rounds} rounds, medians in ms")
            print(
                f"{'input':<20} {'MB':>5} {'download':>9} {'whole 1st':>9} {'overlap':>8} {'libvips':>8} "
                f"{'overlap/whole':>14} {'overlap/libvips':>16}"
            )
            for path in images:
                _measure(client, store, path, args.rounds)
    return 0


def _measure(client: object, store: ObjectStore, path: Path, rounds: int) -> None:
    data = path.read_bytes()
    key = path.name
    client.put_object(Bucket=BUCKET, Key=key, Body=data)  # type: ignore[attr-defined]
    head = store.head_source(ObjectRef(BUCKET, key))

    def download() -> bytes:
        return bytes(client.get_object(Bucket=BUCKET, Key=key)["Body"].read())  # type: ignore[attr-defined]

    def overlapped() -> object:
        with store.read_source(head, MAX_BYTES) as body:
            return render(body, approaches.SPECS)

    assert download() == data
    assert [v.data for v in overlapped().variants] == approaches.ours(data)  # type: ignore[attr-defined]
    times = interleaved_median_ms(
        {
            "download": download,
            "whole first": lambda: render(download(), approaches.SPECS),
            "overlapped": overlapped,
            "libvips": lambda: approaches.libvips(download()),
        },
        rounds,
    )
    print(
        f"{path.name:<20} {len(data) / 1e6:>5.1f} {times['download']:>9.0f} {times['whole first']:>9.0f} "
        f"{times['overlapped']:>8.0f} {times['libvips']:>8.0f} {times['overlapped'] / times['whole first']:>14.2f} "
        f"{times['overlapped'] / times['libvips']:>16.2f}",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
