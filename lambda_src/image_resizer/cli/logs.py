"""``image-resizer logs``: the function's log lines, with AWS CLI v1 or v2 (v1 has no ``aws logs tail``)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from image_resizer.cli.parser import EXIT_AWS, EXIT_INTERRUPTED, EXIT_OK
from image_resizer.cli.problems import aws_problem


def run(args: argparse.Namespace) -> int:
    import time

    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    group = f"/aws/lambda/{args.function}"
    start_ms = int(args.since * 1000)
    seen: set[str] = set()
    try:
        logs = boto3.client("logs", endpoint_url=args.endpoint_url)
        while True:
            kwargs: dict[str, Any] = {"logGroupName": group, "startTime": start_ms}
            while True:
                page = logs.filter_log_events(**kwargs)
                for event in page.get("events", []):
                    if event["eventId"] not in seen:
                        seen.add(event["eventId"])
                        start_ms = max(start_ms, int(event["timestamp"]))
                        print(event["message"].rstrip("\n"), flush=True)
                if not page.get("nextToken"):
                    break
                kwargs["nextToken"] = page["nextToken"]
            if not args.follow:
                return EXIT_OK
            time.sleep(2)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except (BotoCoreError, ClientError) as exc:
        if isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            print(f"image-resizer: error: log group {group} does not exist (no invocation yet?)", file=sys.stderr)
        else:
            print(f"image-resizer: error: {aws_problem(exc, '-')}", file=sys.stderr)
        return EXIT_AWS
