"""``image-resizer``: the same core on local files.

``image-resizer resize --out DIR [--variants JSON] [--max-source-pixels N] FILE...`` prints one JSON line per
input and exits 0 when every input succeeded, 1 when any was rejected, 2 for usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from image_resizer.errors import ConfigurationError, ImageResizerError, SourceNotFoundError
from image_resizer.limits import DEFAULT_MAX_SOURCE_BYTES, DEFAULT_MAX_SOURCE_PIXELS, Limits
from image_resizer.render import render
from image_resizer.variants import DEFAULT_VARIANTS, VariantSpec, parse_variants

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="image-resizer", description="Resize images with the pipeline's own core.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    resize = commands.add_parser("resize", help="write the variants of local image files")
    resize.add_argument("--out", required=True, type=Path, help="directory to write the variants into")
    resize.add_argument(
        "--variants",
        default=None,
        help="variants as JSON, or @FILE to read them from a file (default: the pipeline's default variants)",
    )
    resize.add_argument("--max-source-pixels", type=int, default=DEFAULT_MAX_SOURCE_PIXELS, metavar="N")
    resize.add_argument("--max-source-bytes", type=int, default=DEFAULT_MAX_SOURCE_BYTES, metavar="N")
    resize.add_argument("files", nargs="+", type=Path, metavar="FILE")

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
    backfill.add_argument("--resized-bucket", required=True, help="the resized bucket (to find fresh variants)")
    backfill.add_argument("--variants", default=None, help="the function's variants (JSON or @FILE); default: built-in")
    backfill.add_argument("--json", action="store_true", help="print the summary as JSON")
    return parser


def _rate(text: str) -> float:
    try:
        value = float(text.removesuffix("/s"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"rate must look like 10 or 10/s, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("rate must be positive")
    return value


def _load_variants(raw: str | None) -> tuple[VariantSpec, ...]:
    if raw is None:
        return parse_variants(DEFAULT_VARIANTS)
    if raw.startswith("@"):
        try:
            raw = Path(raw[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(f"cannot read variants file: {exc}") from exc
    return parse_variants(raw)


def resize_file(path: Path, out_dir: Path, specs: Sequence[VariantSpec], limits: Limits) -> dict[str, Any]:
    try:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SourceNotFoundError(f"cannot read {path}: {exc.strerror}") from exc
        result = render(data, specs, limits)
    except ImageResizerError as exc:
        return {"source": str(path), "ok": False, "error": {"type": exc.error_type, "message": str(exc)}}
    outputs = []
    for variant in result.variants:
        target = out_dir / variant.spec.render_key(path.name, variant.extension)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(variant.data)
        outputs.append({"path": str(target), **variant.facts()})
    line: dict[str, Any] = {"source": str(path), "ok": True, "outputs": outputs}
    if result.hdr:
        line["hdr"] = result.hdr
    return line


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "backfill":
        return _backfill(args)
    try:
        specs = _load_variants(args.variants)
        limits = Limits(max_source_pixels=args.max_source_pixels, max_source_bytes=args.max_source_bytes)
    except ConfigurationError as exc:
        print(f"image-resizer: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    args.out.mkdir(parents=True, exist_ok=True)
    status = EXIT_OK
    for path in args.files:
        line = resize_file(path, args.out, specs, limits)
        print(json.dumps(line, ensure_ascii=False), flush=True)
        if not line["ok"]:
            status = EXIT_REJECTED
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


def _backfill(args: argparse.Namespace) -> int:
    import boto3

    from image_resizer import backfill

    try:
        specs = _load_variants(args.variants)
    except ConfigurationError as exc:
        print(f"image-resizer: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    s3 = boto3.client("s3", endpoint_url=args.endpoint_url)
    stepfunctions = None if args.api_url else boto3.client("stepfunctions", endpoint_url=args.endpoint_url)
    starter = backfill.Starter(stepfunctions, args.state_machine_arn, args.api_url)
    interactive = sys.stderr.isatty()

    def report(summary: backfill.Summary) -> None:
        line = f"listed {summary.listed}  started {summary.started}  skipped {summary.skipped}"
        if summary.already_started:
            line += f"  already started {summary.already_started}"
        if interactive:
            print(f"\r{line}", end="", file=sys.stderr, flush=True)
        elif summary.listed % 100 == 0:
            print(line, file=sys.stderr, flush=True)

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
        return 130
    return EXIT_REJECTED if summary.failed else EXIT_OK
