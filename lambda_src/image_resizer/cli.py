"""``image-resizer``: the same core on local files.

``image-resizer resize --out DIR [--variants JSON] [--max-source-pixels N] FILE|FOLDER...`` prints one JSON
line per input. A folder is walked (hidden files skipped) and its files keep their paths relative to it, so
``photos/2024/a.jpg`` given as ``photos`` is written as ``2024/a.jpg`` under each variant's key template.

Exit status, for every command: 0 when everything succeeded; 1 when an input was rejected (a typed error in
its JSON line) or a backfill start failed; 2 for usage errors (bad flags, variants, ``--out`` a file, two
inputs that would write the same output); 3 when AWS cannot be used (endpoint unreachable, bucket missing,
access denied); 130 when interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from image_resizer.errors import ConfigurationError, ImageResizerError, InvalidRequestError, SourceNotFoundError
from image_resizer.limits import DEFAULT_MAX_SOURCE_BYTES, DEFAULT_MAX_SOURCE_PIXELS, Limits
from image_resizer.manifest import DEFAULT_MANIFEST_KEY, parse_manifest_key
from image_resizer.overrides import Overrides, parse_focal_point, parse_only, selected
from image_resizer.render import render
from image_resizer.variants import DEFAULT_VARIANTS, VariantSpec, parse_variants

EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_AWS = 0, 1, 2, 3


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
    backfill.add_argument("--resized-bucket", required=True, help="the resized bucket (to find fresh variants)")
    backfill.add_argument("--variants", default=None, help="the function's variants (JSON or @FILE); default: built-in")
    backfill.add_argument("--json", action="store_true", help="print the summary as JSON")

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


def inputs(paths: Sequence[Path]) -> list[tuple[Path, str]]:
    """(file, key) pairs: a file's key is its name, a folder's files keep their path relative to the folder.

    A path that does not exist stays in the list, to be reported as that input's typed error."""
    found: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path)
                if child.is_file() and not any(part.startswith(".") for part in relative.parts):
                    found.append((child, relative.as_posix()))
        else:
            found.append((path, path.name))
    return found


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
    elif not raw.lstrip().startswith(("[", "{")):
        raise ConfigurationError(f"variants {raw!r} are not JSON; to read them from a file, write @{raw}")
    return parse_variants(raw)


def resize_file(
    path: Path,
    out_dir: Path,
    specs: Sequence[VariantSpec],
    limits: Limits,
    key: str | None = None,
    focal: tuple[float, float] | None = None,
    manifest_template: str | None = None,
) -> dict[str, Any]:
    try:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SourceNotFoundError(f"cannot read {path}: {exc.strerror}") from exc
        result = render(data, specs, limits, focal=focal)
    except ImageResizerError as exc:
        return {"source": str(path), "ok": False, "error": {"type": exc.error_type, "message": str(exc)}}
    outputs = []
    # Locally the file's own digest stands in for the ETag in {hash}: once, and only for keys that use it.
    digest = _md5(data) if any(s.content_addressed for s in specs) else ""
    for variant in result.variants:
        content_hash = variant.spec.content_hash(digest) if variant.spec.content_addressed else ""
        target = out_dir / variant.spec.render_key(key or path.name, variant.extension, content_hash)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(variant.data)
        outputs.append({"path": str(target), **variant.facts()})
    line: dict[str, Any] = {"source": str(path), "ok": True, "outputs": outputs}
    if result.hdr:
        line["hdr"] = result.hdr
    if manifest_template:
        line["manifest"] = str(
            _write_manifest(path, out_dir, key or path.name, result, outputs, specs, manifest_template)
        )
    return line


def _write_manifest(
    path: Path,
    out_dir: Path,
    key: str,
    result: Any,
    outputs: list[dict[str, Any]],
    specs: Sequence[VariantSpec],
    template: str,
) -> Path:
    """The same manifest the function writes, beside the outputs; keys are paths relative to --out."""
    import io

    from PIL import Image

    from image_resizer.manifest import build as build_manifest
    from image_resizer.manifest import manifest_key
    from image_resizer.placeholders import placeholders, smallest_whole

    with Image.open(io.BytesIO(smallest_whole(result).data)) as image:
        marks = placeholders(image)
    source = {
        "key": key,
        "etag": "",
        "width": result.source_width,
        "height": result.source_height,
        "format": result.source_format,
        "bytes": path.stat().st_size,
    }
    reported = [{**o, "key": Path(o["path"]).relative_to(out_dir).as_posix()} for o in outputs]
    manifest = build_manifest(
        source, reported, {s.name: s.quality for s in specs}, {s.name: s.fit for s in specs}, marks, None
    )
    target = out_dir / manifest_key(template, key)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return target


def _same_key(pairs: Sequence[tuple[Path, str]]) -> str | None:
    """Two inputs with one key would overwrite each other's variants: say which, before writing anything."""
    seen: dict[str, Path] = {}
    for path, key in pairs:
        if key in seen:
            return (
                f"{seen[key]} and {path} would write the same outputs ({key!r}); "
                "give their folder instead, so their relative paths are kept"
            )
        seen[key] = path
    return None


def _md5(data: bytes) -> str:
    import hashlib  # OpenSSL's bindings: only for keys with {hash}

    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "backfill":
        return _backfill(args)
    if args.command == "logs":
        return _logs(args)
    try:
        specs = _load_variants(args.variants)
        focal = parse_focal_point(args.focal_point, "--focal-point") if args.focal_point else None
        manifest_template = parse_manifest_key(args.manifest_key)
        if args.only:
            specs = selected(specs, Overrides(only=parse_only(args.only, specs, "--only")))
        limits = Limits(
            max_source_pixels=args.max_source_pixels,
            max_source_bytes=args.max_source_bytes,
            memory_mb=args.memory_mb or None,
        )
    except (ConfigurationError, InvalidRequestError) as exc:
        print(f"image-resizer: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.out.exists() and not args.out.is_dir():
        print(
            f"image-resizer: error: --out {args.out} is a file; give a folder to write the variants into",
            file=sys.stderr,
        )
        return EXIT_USAGE
    pairs = inputs(args.files)
    clash = _same_key(pairs)
    if clash:
        print(f"image-resizer: error: {clash}", file=sys.stderr)
        return EXIT_USAGE
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"image-resizer: error: cannot create --out {args.out}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    status = EXIT_OK
    for path, key in pairs:
        line = resize_file(path, args.out, specs, limits, key, focal, manifest_template)
        print(json.dumps(line, ensure_ascii=False), flush=True)
        if not line["ok"]:
            status = EXIT_REJECTED
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


def _backfill(args: argparse.Namespace) -> int:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    from image_resizer import backfill

    try:
        specs = _load_variants(args.variants)
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
        print(f"image-resizer: error: {_aws_problem(exc, bucket)}", file=sys.stderr)
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
        return 130
    return EXIT_REJECTED if summary.failed else EXIT_OK


def _aws_problem(exc: Exception, bucket: str) -> str:
    """One line for what stops a backfill: the endpoint, the bucket, the rights."""
    from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError, NoRegionError

    if isinstance(exc, NoRegionError | NoCredentialsError):
        return f"{exc} (set AWS_REGION / AWS_DEFAULT_REGION and credentials, e.g. from `make up`'s lines)"
    if isinstance(exc, EndpointConnectionError):
        return f"cannot reach the AWS endpoint ({exc.kwargs.get('endpoint_url', 'unknown')}); is it running?"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        if code in ("404", "NoSuchBucket", "NotFound"):
            return f"bucket {bucket!r} does not exist (or belongs to another account)"
        if code in ("403", "AccessDenied", "Forbidden"):
            return f"access to bucket {bucket!r} is denied; check the credentials and the bucket policy"
        return f"AWS refused the request: {code} {error.get('Message', '')}".rstrip()
    return f"AWS request failed: {exc}"


def _logs(args: argparse.Namespace) -> int:
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
        return 130
    except (BotoCoreError, ClientError) as exc:
        if isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            print(f"image-resizer: error: log group {group} does not exist (no invocation yet?)", file=sys.stderr)
        else:
            print(f"image-resizer: error: {_aws_problem(exc, '-')}", file=sys.stderr)
        return EXIT_AWS
