"""``python -m pipeline_dev.local up [--port N] [--cdn]`` (what ``make up`` runs): start the local stack in the
foreground, print how to reach it, serve until Ctrl-C."""

from __future__ import annotations

import argparse
import shutil
import signal
import socket
import sys
import threading

from image_resizer.variants import DEFAULT_VARIANTS

from pipeline_dev.local.cdn import NEGOTIATED_VARIANTS
from pipeline_dev.local.rendered import RenderError
from pipeline_dev.local.stack import CREDENTIALS, LocalStack, StackSettings

EXIT_PORT_IN_USE = 2
EXIT_REFUSED = 2  # Terraform refused the configuration, or is not installed (or Node, for --cdn)


def port_is_free(port: int) -> bool:
    """Whether 127.0.0.1:port can be bound now (moto's server thread would otherwise fail silently and hang)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline_dev.local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="run the local stack until interrupted")
    up.add_argument("--port", type=int, default=0, help="port of the AWS endpoint (0: any free port)")
    up.add_argument("--api-port", type=int, default=None, help="port of the API stand-in (default: port + 1)")
    up.add_argument(
        "--cdn",
        action="store_true",
        help="enable_cdn, with variants written as AVIF, WebP and JPEG: CDN_URL serves ?w= and ?v= as CloudFront would",
    )
    args = parser.parse_args(argv)

    api_port = args.api_port if args.api_port is not None else (args.port + 1 if args.port else 0)
    for role, port in (("AWS endpoint", args.port), ("API stand-in", api_port)):
        if port and not port_is_free(port):
            print(
                f"local stack: port {port} ({role}) is in use; stop what holds it or pick another (make up PORT=N "
                "uses N and N+1)",
                file=sys.stderr,
            )
            return EXIT_PORT_IN_USE
    if args.cdn and shutil.which("node") is None:
        print("local stack: --cdn runs the CloudFront Function under Node, and node is not installed", file=sys.stderr)
        return EXIT_REFUSED
    try:
        settings = StackSettings(port=args.port, api_port=api_port)
        if args.cdn:
            settings.variants = {**DEFAULT_VARIANTS, **NEGOTIATED_VARIANTS}
            settings.variables["enable_cdn"] = True
        stack = LocalStack(settings).start()
    except OSError as exc:  # a port taken between the check and the bind
        print(f"local stack: cannot start: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_PORT_IN_USE
    except RenderError as exc:
        print(f"local stack: terraform refused the configuration: {exc}", file=sys.stderr)
        return EXIT_REFUSED
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
        violations = stack.service_role_violations()
        stack.stop()
        print("local stack stopped", flush=True)
        for violation in violations:
            print(f"local stack: a rendered policy does not allow {violation}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
