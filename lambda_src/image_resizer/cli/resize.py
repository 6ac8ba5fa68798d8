"""``image-resizer resize``: the function's render of local files, one JSON line per input."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from image_resizer.cli.parser import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, load_variants
from image_resizer.errors import ConfigurationError, ImageResizerError, InvalidRequestError, SourceNotFoundError
from image_resizer.imaging.render import render
from image_resizer.limits import Limits
from image_resizer.pipeline.manifest import parse_manifest_key
from image_resizer.pipeline.overrides import Overrides, parse_focal_point, parse_only, selected
from image_resizer.variants import VariantSpec


def run(args: argparse.Namespace) -> int:
    try:
        specs = load_variants(args.variants)
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
        try:
            line = resize_file(path, args.out, specs, limits, key, focal, manifest_template)
        except Exception as exc:  # a bug of ours: said in this input's line, and the other inputs still run
            line = {"source": str(path), "ok": False, "error": unexpected(exc)}
        print(json.dumps(line, ensure_ascii=False), flush=True)
        if not line["ok"]:
            status = EXIT_REJECTED
    return status


def unexpected(exc: BaseException) -> dict[str, str]:
    """An error none of the typed errors names, with where it was raised: a bug to report, not a bad input."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return {"type": "UnexpectedError", "message": f"{type(exc).__name__}: {exc}{where} (a bug: please report it)"}


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
        output = {"path": str(target), **variant.facts()}
        if variant.crop_scores is not None:  # why the crop went where it did (the shares of the saliency)
            output["crop_score"] = {
                "chosen": round(variant.crop_scores[0], 3),
                "centre": round(variant.crop_scores[1], 3),
            }
        outputs.append(output)
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
    """The same manifest the function writes (one builder), beside the outputs; keys are relative to --out."""
    from image_resizer.pipeline import manifest
    from image_resizer.pipeline.placeholders import of_rendering

    source = manifest.source_entry(
        key, "", result.source_width, result.source_height, result.source_format, path.stat().st_size
    )
    reported = [{**o, "key": Path(o["path"]).relative_to(out_dir).as_posix()} for o in outputs]
    built = manifest.build(source, reported, specs, of_rendering(result), None)
    target = out_dir / manifest.manifest_key(template, key)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(built, indent=2, ensure_ascii=False), encoding="utf-8")
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
