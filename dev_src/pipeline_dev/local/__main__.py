"""``python -m pipeline_dev.local up [--port N]`` (what ``make up`` runs): start the local stack in the
foreground, print how to reach it, serve until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from pipeline_dev.local.stack import CREDENTIALS, LocalStack, StackSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline_dev.local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="run the local stack until interrupted")
    up.add_argument("--port", type=int, default=0, help="port of the AWS endpoint (0: any free port)")
    up.add_argument("--api-port", type=int, default=None, help="port of the API stand-in (default: port + 1)")
    args = parser.parse_args(argv)

    api_port = args.api_port if args.api_port is not None else (args.port + 1 if args.port else 0)
    stack = LocalStack(StackSettings(port=args.port, api_port=api_port)).start()
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    try:
        for line in stack.environment_lines():
            print(line)
        for name, value in CREDENTIALS.items():
            print(f"{name}={value}")
        print("# the local stack is up: paste the lines above as environment variables, Ctrl-C stops it", flush=True)
        stopped.wait()
    finally:
        stack.stop()
        print("local stack stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
