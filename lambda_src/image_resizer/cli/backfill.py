"""``image-resizer backfill``: start the workflow for existing originals whose variants are missing or stale."""

from __future__ import annotations

import argparse
import json
import sys

from image_resizer.cli.parser import EXIT_AWS, EXIT_INTERRUPTED, EXIT_OK, EXIT_REJECTED, EXIT_USAGE, load_variants
from image_resizer.cli.problems import aws_problem
from image_resizer.errors import ConfigurationError


def run(args: argparse.Namespace) -> int:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    from image_resizer import backfill

    try:
        specs = load_variants(args.variants)
    except ConfigurationError as exc:
        print(f"image-resizer: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    # An endpoint that does not answer should fail in seconds, not after botocore's minute-long defaults.
    config = Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard", "max_attempts": 3})
    interactive = sys.stderr.isatty()

    def report(summary: backfill.Summary) -> None:
        line = f"listed {summary.listed}  started {summary.started}  skipped {summary.skipped}"
        if summary.already_started:
            line += f"  already started {summary.already_started}"
        if interactive:
            print(f"\r{line}", end="", file=sys.stderr, flush=True)
        elif summary.listed % 100 == 0:
            print(line, file=sys.stderr, flush=True)

    bucket = args.bucket
    try:
        s3 = boto3.client("s3", endpoint_url=args.endpoint_url, config=config)
        stepfunctions = (
            None if args.api_url else boto3.client("stepfunctions", endpoint_url=args.endpoint_url, config=config)
        )
        starter = backfill.Starter(stepfunctions, args.state_machine_arn, args.api_url)
        for bucket in (args.bucket, args.resized_bucket):
            s3.head_bucket(Bucket=bucket)
        bucket = args.bucket
        summary = backfill.run(
            s3,
            starter,
            args.bucket,
            args.resized_bucket,
            specs,
            prefix=args.prefix,
            only_missing=args.only_missing,
            dry_run=args.dry_run,
            rate=args.rate,
            report=report,
            plan=lambda item: print(json.dumps(item, ensure_ascii=False), flush=True),
        )
    except (BotoCoreError, ClientError) as exc:
        print(f"image-resizer: error: {aws_problem(exc, bucket)}", file=sys.stderr)
        return EXIT_AWS
    if interactive:
        print(file=sys.stderr)
    if args.json:
        print(backfill.summary_json(summary))
    else:
        verb = "would start" if summary.dry_run else "started"
        print(
            f"listed {summary.listed}, {verb} {summary.started}, skipped {summary.skipped} (up to date), "
            f"already started {summary.already_started}, failed {summary.failed}"
            + (" - interrupted, run again to finish" if summary.interrupted else "")
        )
    if summary.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_REJECTED if summary.failed else EXIT_OK
