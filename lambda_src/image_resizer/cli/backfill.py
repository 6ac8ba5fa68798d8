"""``image-resizer backfill``: start the workflow for existing originals whose variants are missing or stale.

A priced plan comes first (objects scanned, what would start and why, bytes, megapixels, estimated USD and time),
then the caps are checked (``--max-cost`` refuses, ``--max-objects`` limits), a terminal asks before an estimate
above CONFIRM_ABOVE_USD (``--yes`` skips), and the starts run with progress. Ctrl-C stops starting; the same
command again continues (what is done is fresh, what runs is already started).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from image_resizer.cli.parser import EXIT_AWS, EXIT_INTERRUPTED, EXIT_OK, EXIT_REJECTED, EXIT_USAGE, load_variants
from image_resizer.cli.problems import aws_problem
from image_resizer.errors import ConfigurationError

CONFIRM_ABOVE_USD = 1.0


def run(args: argparse.Namespace) -> int:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    from image_resizer import backfill

    try:
        specs = load_variants(args.variants)
    except ConfigurationError as exc:
        return _usage(str(exc))
    if args.bucket == args.resized_bucket:
        return _usage(f"--bucket and --resized-bucket are both {args.bucket!r}: give the originals bucket")
    if args.inventory_manifest_key is not None and args.distributed_map_arn is None:
        return _usage("--inventory-manifest-key is read by the Distributed Map: give --distributed-map-arn")
    if args.distributed_map_arn is not None:
        return _start_distributed_map(args)
    # An endpoint that does not answer should fail in seconds, not after botocore's minute-long defaults.
    config = Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard", "max_attempts": 3})
    pricing = backfill.Pricing(args.memory_mb, args.architecture, args.workflow_type)
    progress = _Progress(sys.stderr.isatty())
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
        plan = backfill.make_plan(
            s3, args.bucket, args.resized_bucket, specs, args.prefix, args.only_missing, pricing, progress.planning
        )
        progress.close()
        if plan.scanned == 0:
            return _usage(f"no object in {args.bucket!r} under the prefix {args.prefix!r}; nothing to do")
        run_plan = plan.limited(args.max_objects)
        print(_estimate_line(plan, run_plan, args, pricing), file=sys.stderr, flush=True)
        if args.max_cost is not None and run_plan.estimated_cost_usd > args.max_cost:
            return _usage(
                f"the estimate ${run_plan.estimated_cost_usd:.4f} exceeds --max-cost ${args.max_cost:.4f}; nothing "
                "started (narrow it with --prefix or --max-objects, or raise the cap)"
            )
        if not args.dry_run and not _confirmed(run_plan.estimated_cost_usd, len(run_plan.objects), args.yes):
            print("image-resizer: nothing started", file=sys.stderr)
            return EXIT_REJECTED
        summary = backfill.run(
            s3,
            starter,
            args.bucket,
            args.resized_bucket,
            specs,
            dry_run=args.dry_run,
            rate=args.rate,
            report=progress.starting(len(run_plan.objects)),
            plan=lambda item: print(json.dumps(item, ensure_ascii=False), flush=True),
            planned=plan,
            max_objects=args.max_objects,
            max_cost=args.max_cost,
        )
        progress.close()
    except (BotoCoreError, ClientError) as exc:
        progress.close()
        print(f"image-resizer: error: {aws_problem(exc, bucket)}", file=sys.stderr)
        return EXIT_AWS
    except KeyboardInterrupt:  # while planning: nothing started yet
        progress.close()
        print("image-resizer: interrupted while planning; nothing started", file=sys.stderr)
        return EXIT_INTERRUPTED
    _print_summary(summary, run_plan, args)
    if summary.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_REJECTED if summary.failed else EXIT_OK


def _start_distributed_map(args: argparse.Namespace) -> int:
    """One execution of the backfill state machine, its input checked here as its ValidateInput checks it. It is
    not planned (a bucket of millions is what it is for): --max-objects caps its ItemReader, --max-cost does not
    apply."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from image_resizer import backfill
    from image_resizer.errors import InvalidRequestError

    if args.max_cost is not None:
        return _usage("--max-cost needs a plan, which the Distributed Map does not make: cap it with --max-objects")
    try:
        given = backfill.distributed_map_input(args.prefix, args.max_objects, args.inventory_manifest_key)
    except InvalidRequestError as exc:
        return _usage(str(exc))
    if args.dry_run:
        print(json.dumps(given))
        return EXIT_OK
    try:
        sfn = boto3.client("stepfunctions", endpoint_url=args.endpoint_url)
        started = sfn.start_execution(stateMachineArn=args.distributed_map_arn, input=json.dumps(given))
    except (BotoCoreError, ClientError) as exc:
        print(f"image-resizer: error: {aws_problem(exc, args.bucket)}", file=sys.stderr)
        return EXIT_AWS
    print(json.dumps({"executionArn": started["executionArn"], "input": given}))
    return EXIT_OK


def _usage(message: str) -> int:
    print(f"image-resizer: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _estimate_line(plan: Any, run_plan: Any, args: argparse.Namespace, pricing: Any) -> str:
    verb = "would start" if args.dry_run else "will start"
    capped = f" (of {len(plan.objects)}: --max-objects)" if len(run_plan.objects) < len(plan.objects) else ""
    seconds = len(run_plan.objects) / args.rate
    return (
        f"plan: scanned {plan.scanned}; {verb} {len(run_plan.objects)}{capped} ({run_plan.missing} missing, "
        f"{run_plan.stale} stale); {plan.fresh} up to date; {run_plan.bytes / 1e6:,.1f} MB, "
        f"{run_plan.megapixels:,.1f} MP; estimated ${run_plan.estimated_cost_usd:.4f} at {pricing.memory_mb} MB "
        f"{pricing.architecture} {pricing.workflow}, about {seconds:,.0f} s at {args.rate:g}/s"
    )


def _confirmed(estimate: float, count: int, yes: bool) -> bool:
    """Ask on a terminal before an estimate above CONFIRM_ABOVE_USD; a pipe or --yes does not ask."""
    if yes or estimate <= CONFIRM_ABOVE_USD or not sys.stdin.isatty():
        return True
    answer = input(f"start {count} executions, estimated ${estimate:.2f}? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def _print_summary(summary: Any, run_plan: Any, args: argparse.Namespace) -> None:
    """--json: the summary; a dry run's also holds the plan (to_start, missing, stale, bytes, estimated_cost_usd)."""
    from image_resizer import backfill

    if args.json:
        facts = json.loads(backfill.summary_json(summary))
        print(json.dumps({**facts, **run_plan.facts(args.rate)} if args.dry_run else facts))
        return
    verb = "would start" if summary.dry_run else "started"
    line = (
        f"listed {summary.listed}, {verb} {summary.started}, skipped {summary.skipped} (up to date), "
        f"already started {summary.already_started}, failed {summary.failed}, "
        f"estimated ${summary.estimated_cost_usd:.4f}"
    )
    if summary.left:
        line += f"; {summary.left} left: run the same command again to continue"
    elif summary.interrupted:
        line += " - interrupted, run again to finish"
    print(line)


class _Progress:
    """tqdm's bar on a terminal when tqdm is installed (the `progress` extra); plain lines otherwise."""

    def __init__(self, interactive: bool) -> None:
        self._interactive = interactive
        self._bar: Any = None

    def _make(self, total: int | None, unit: str, description: str) -> Any:
        if not self._interactive:
            return None
        try:
            from tqdm import tqdm
        except ImportError:
            return None
        return tqdm(total=total, unit=unit, desc=description, file=sys.stderr, leave=False)

    def planning(self, plan: Any) -> None:
        if self._bar is None:
            self._bar = self._make(None, " objects", "planning")
        if self._bar is not None:
            self._bar.update(plan.scanned - self._bar.n)
            self._bar.set_postfix(to_start=len(plan.objects), fresh=plan.fresh, refresh=False)
        elif plan.scanned % 1000 == 0:
            print(f"planning: scanned {plan.scanned}, to start {len(plan.objects)}", file=sys.stderr, flush=True)

    def starting(self, total: int) -> Any:
        self.close()

        def report(summary: Any) -> None:
            done = summary.started + summary.already_started + summary.failed
            if self._bar is None:
                self._bar = self._make(total, " starts", "starting")
            if self._bar is not None:
                self._bar.update(done - self._bar.n)
                self._bar.set_postfix(failed=summary.failed, usd=f"{summary.estimated_cost_usd:.4f}", refresh=False)
            elif done % 100 == 0 and done:
                print(
                    f"started {summary.started}, already started {summary.already_started}, failed "
                    f"{summary.failed}, estimated ${summary.estimated_cost_usd:.4f} so far",
                    file=sys.stderr,
                    flush=True,
                )

        return report

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
