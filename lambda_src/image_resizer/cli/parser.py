"""The ``image-resizer`` command line: its arguments, their types and the exit codes every command shares."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

from image_resizer.errors import ConfigurationError
from image_resizer.limits import DEFAULT_MAX_SOURCE_BYTES, DEFAULT_MAX_SOURCE_PIXELS
from image_resizer.pipeline.manifest import DEFAULT_MANIFEST_KEY
from image_resizer.variants import DEFAULT_VARIANTS, VariantSpec, parse_variants

EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_AWS, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
N = TypeVar("N", int, float)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="image-resizer", description="Resize images with the pipeline's own core.")
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="print the version and exit")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    resize = commands.add_parser("resize", help="write the variants of local image files")
    resize.add_argument("--out", required=True, type=Path, help="directory to write the variants into")
    resize.add_argument(
        "--variants",
        default=None,
        help="variants as JSON, or @FILE to read them from a file (default: the pipeline's default variants)",
    )
    resize.add_argument(
        "--max-source-pixels",
        type=int,
        default=DEFAULT_MAX_SOURCE_PIXELS,
        metavar="N",
        help=f"refuse sources of more than N pixels, before decoding (default: {DEFAULT_MAX_SOURCE_PIXELS:,})",
    )
    resize.add_argument(
        "--max-source-bytes",
        type=int,
        default=DEFAULT_MAX_SOURCE_BYTES,
        metavar="N",
        help=f"refuse files of more than N bytes (default: {DEFAULT_MAX_SOURCE_BYTES:,})",
    )
    resize.add_argument(
        "--memory-mb",
        type=_memory_mb,
        default=_memory_from_environment(),
        metavar="MB",
        help="refuse, before decoding, what would not fit a function of this memory size, as the Lambda does "
        "(default: AWS_LAMBDA_FUNCTION_MEMORY_SIZE when set, else no memory check)",
    )
    resize.add_argument(
        "--focal-point",
        metavar="X,Y",
        help="focal point for gravity 'focal' (fractions of the upright width and height), as x-amz-meta-focal-point",
    )
    resize.add_argument(
        "--only", metavar="NAME,...", help="render only these configured variants, as x-amz-meta-variants"
    )
    resize.add_argument(
        "--manifest-key",
        default=DEFAULT_MANIFEST_KEY,
        metavar="TEMPLATE",
        help=f"where each input's manifest is written under --out ({{key}}, {{dir}}, {{stem}}; 'null': none; "
        f"default {DEFAULT_MANIFEST_KEY})",
    )
    resize.add_argument(
        "files", nargs="+", type=Path, metavar="FILE", help="image files, or folders to walk (relative paths kept)"
    )

    backfill = commands.add_parser(
        "backfill", help="start workflow executions for existing originals whose variants are missing or stale"
    )
    backfill.add_argument("--bucket", required=True, help="the originals bucket")
    backfill.add_argument("--prefix", default="", help="only keys under this prefix")
    which = backfill.add_mutually_exclusive_group()
    which.add_argument(
        "--only-missing",
        dest="only_missing",
        action="store_true",
        default=True,
        help="only objects with a missing or stale variant (default)",
    )
    which.add_argument("--all", dest="only_missing", action="store_false", help="every object")
    backfill.add_argument("--dry-run", action="store_true", help="print what would start; change nothing")
    backfill.add_argument("--rate", type=_rate, default=10.0, metavar="N/s", help="executions started per second")
    backfill.add_argument("--endpoint-url", default=None, help="AWS endpoint (e.g. the local stack)")
    target = backfill.add_mutually_exclusive_group(required=True)
    target.add_argument("--state-machine-arn", help="start through StartExecution (deterministic names)")
    target.add_argument("--api-url", help="start through the HTTP API's POST /start")
    target.add_argument(
        "--distributed-map-arn",
        help="start the backfill state machine (enable_backfill) once, for buckets too large to plan here",
    )
    backfill.add_argument("--resized-bucket", required=True, help="the resized bucket (to find fresh variants)")
    backfill.add_argument("--variants", default=None, help="the function's variants (JSON or @FILE); default: built-in")
    backfill.add_argument("--json", action="store_true", help="print the summary as JSON")
    backfill.add_argument(
        "--max-objects", type=_positive_int, metavar="N", help="start at most N executions; the rest is left"
    )
    backfill.add_argument(
        "--max-cost",
        type=_positive_float,
        metavar="USD",
        help="refuse to start when the plan's estimate exceeds USD; stop starting when the running estimate would",
    )
    backfill.add_argument("--yes", action="store_true", help="start without asking, whatever the estimate")
    backfill.add_argument(
        "--inventory-manifest-key",
        metavar="KEY",
        help="with --distributed-map-arn: read this S3 Inventory report's manifest.json instead of listing",
    )
    backfill.add_argument(
        "--memory-mb", type=_positive_int, default=2048, metavar="MB", help="the function's memory, for the estimate"
    )
    backfill.add_argument(
        "--architecture", choices=("arm64", "x86_64"), default="arm64", help="the function's CPU, for the estimate"
    )
    backfill.add_argument(
        "--workflow-type", choices=("STANDARD", "EXPRESS"), default="STANDARD", help="the workflow's type"
    )

    logs = commands.add_parser(
        "logs", help="print the function's log lines (AWS CLI v1 has no `aws logs tail`; this works with either)"
    )
    logs.add_argument("--function", default="image-resizer", help="the function's name (default: image-resizer)")
    logs.add_argument(
        "--since",
        type=since,
        default="10m",
        metavar="WHEN",
        help="how far back (30s, 10m, 2h, 1d, 1w; a number alone is minutes) or an ISO 8601 time (default 10m)",
    )
    logs.add_argument("--follow", action="store_true", help="keep printing new lines until Ctrl-C")
    logs.add_argument("--endpoint-url", default=None, help="AWS endpoint (e.g. the local stack's AWS_ENDPOINT_URL)")
    return parser


_SINCE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def since(text: str, now: float | None = None) -> float:
    """The start of a ``--since`` window as epoch seconds: what ``aws logs tail --since`` takes (a number with s, m,
    h, d or w, or an ISO 8601 time; a time without a zone is UTC), and a plain number as minutes, as before."""
    import datetime
    import time

    now = time.time() if now is None else now
    value = text.strip()
    unit = value[-1:].lower()
    number = value[:-1] if unit in _SINCE_UNITS else value
    try:
        amount: float | None = float(number)
    except ValueError:
        amount = None
    if amount is not None:
        if not amount >= 0:  # negative, or NaN
            raise argparse.ArgumentTypeError(f"--since must not be negative, got {text!r}")
        return now - amount * _SINCE_UNITS.get(unit, 60)
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--since takes 30s, 10m, 2h, 1d, 1w or an ISO 8601 time like 2026-12-05T10:00:00Z, got {text!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.timestamp()


class _VersionAction(argparse.Action):
    """argparse's own "version" action needs the text up front: reading the distribution's metadata cost every
    command 15 ms of start-up; this reads it only when --version is given."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(_version())
        parser.exit()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    from image_resizer.variants import RENDERER_VERSION

    try:
        package = version("image-resizer")
    except PackageNotFoundError:  # the Lambda zip carries the code, not the distribution's metadata
        package = "unknown"
    return f"image-resizer {package} (renderer {RENDERER_VERSION})"


def _memory_from_environment() -> int | None:
    raw = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


def _memory_mb(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"memory must be a whole number of MB, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("memory must not be negative")
    return value


def _positive(convert: Callable[[str], N], expected: str) -> Callable[[str], N]:
    """An argparse type: ``convert``'s number, refused unless positive (NaN included)."""

    def parse(text: str) -> N:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text!r}")
        return value

    return parse


_positive_int = _positive(int, "a whole number")
_positive_float = _positive(lambda text: float(text.lstrip("$")), "an amount such as 5 or 0.50")


def _rate(text: str) -> float:
    try:
        value = float(text.removesuffix("/s"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"rate must look like 10 or 10/s, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("rate must be positive")
    return value


def load_variants(raw: str | None) -> tuple[VariantSpec, ...]:
    if raw is None:
        return parse_variants(DEFAULT_VARIANTS)
    if raw.startswith("@"):
        try:
            raw = Path(raw[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(f"cannot read variants file: {exc}") from exc
    elif not raw.lstrip().startswith(("[", "{")):
        raise ConfigurationError(f"variants {raw!r} are not JSON; to read them from a file, write @{raw}")
    return parse_variants(raw)
