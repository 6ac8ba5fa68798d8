"""Bytes at a perceptual target: ours with quality "auto" (JPEG) and format "best", ours at fixed quality 82,
and libvips `thumbnail` at Q 82 (JPEG and WebP), side by side in one run, for variants of 1600, 800 and 200 px.

Every output is scored with SSIMULACRA 2 against one independent reference per image and size: Pillow's
LANCZOS on the full decode, turned upright and converted to sRGB with ImageCms (libvips is asked for sRGB
too, `export_profile=srgb`, so that colour management is not what is compared). Ours is run twice: at the
default target (80) and "matched", each variant's target set to the score libvips' Q 82 JPEG reached on it,
which measures bytes at an equal score (plus half a point, see MATCH_MARGIN). Time: one render of all three
variants per image, auto or best against the same render at fixed quality 82.

Inputs: the photos in ../shared/bench, and the still photographic and graphic images of ../shared/corpus
(graphic: at most 256 colours, or alpha). Skipped cleanly when neither is present.

    python benchmarks/bench_quality.py [--corpus-limit N] [--json results.json]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _common import bench_images
from image_resizer.imaging.encode import flatten
from image_resizer.imaging.quality.search import is_graphic
from image_resizer.imaging.quality.ssimulacra2 import Reference
from image_resizer.imaging.render import render
from image_resizer.variants import QUALITY_TARGET_RANGE, parse_variants
from PIL import Image, ImageCms, ImageOps

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
BENCH_NAMES = {path.name for path in bench_images()}
SIZES = (1600, 800, 200)
DEFAULT_TARGET = 80.0
MATCH_MARGIN = 0.5
_SRGB = ImageCms.createProfile("sRGB")


@dataclass
class Cell:
    image: str
    kind: str  # photo or graphic
    size: int
    width: int
    height: int
    bytes: dict[str, int]
    scores: dict[str, float]
    formats: dict[str, str]
    targets: dict[str, float]


def reference_image(data: bytes) -> Image.Image:
    """The full decode, upright, in sRGB: an embedded profile is applied to the decoded mode (CMYK, grey, RGB)
    with perceptual intent and black-point compensation, the conversion the pipeline documents."""
    with Image.open(io.BytesIO(data)) as opened:
        opened.seek(0)
        image = ImageOps.exif_transpose(opened)
        profile = opened.info.get("icc_profile")
        alpha = "A" in image.getbands() or "transparency" in image.info
        if profile and image.mode in ("RGB", "RGBA", "CMYK", "L"):
            try:
                source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
                converted = ImageCms.profileToProfile(
                    image,
                    source,
                    _SRGB,
                    renderingIntent=ImageCms.Intent.PERCEPTUAL,
                    outputMode="RGBA" if image.mode == "RGBA" else "RGB",
                    flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
                )
                image = converted or image
            except ImageCms.PyCMSError:
                pass  # a broken profile is ignored, as browsers (and the pipeline) do
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if alpha else "RGB")
        return image


def libvips(data: bytes, size: int, suffix: str) -> bytes:
    import pyvips

    # size="down": never enlarge, as ours never does.
    thumb = pyvips.Image.thumbnail_buffer(data, size, height=size, export_profile="srgb", size="down")
    # JPEG has no alpha: flatten on white, as ours does (libvips' default background is black).
    options = "Q=82,strip,background=255" if suffix == ".jpg" else "Q=82,strip"
    return bytes(thumb.write_to_buffer(f"{suffix}[{options}]"))


def specs(size_targets: dict[int, float], **settings: Any) -> Any:
    variants = {}
    for size in SIZES:
        entry: dict[str, Any] = {"width": size, "height": size, "key": f"{size}/{{dir}}{{stem}}.{{ext}}", **settings}
        if settings.get("quality") == "auto" or settings.get("format") == "best":
            low, high = QUALITY_TARGET_RANGE
            target = (size_targets or {}).get(size, DEFAULT_TARGET)
            entry["quality_target"] = min(high, max(low, round(target, 2)))
        variants[f"v{size}"] = entry
    return parse_variants(variants)


def timed_render(data: bytes, variant_specs: Any) -> tuple[dict[int, Any], float]:
    started = time.perf_counter()
    result = render(data, variant_specs)
    elapsed = time.perf_counter() - started
    return {int(v.spec.name[1:]): v for v in result.variants}, elapsed


def score_of(reference: Reference | None, data: bytes, mode: str) -> float:
    with Image.open(io.BytesIO(data)) as image:
        return reference.score(image.convert(mode)) if reference else float("nan")


def run_image(name: str, data: bytes) -> tuple[list[Cell], dict[str, float]]:
    full = reference_image(data)
    graphic = is_graphic(full.copy().reduce(max(1, min(full.size) // 400)), full.mode == "RGBA")
    vips = {
        (size, fmt): libvips(data, size, suffix)
        for size in SIZES
        for fmt, suffix in (("jpeg", ".jpg"), ("webp", ".webp"))
    }
    references: dict[tuple[tuple[int, int], bool], Reference] = {}

    def scored(data_out: bytes) -> float:
        with Image.open(io.BytesIO(data_out)) as image:
            size, flat = image.size, image.format == "JPEG" and full.mode == "RGBA"
        if (size, flat) not in references:
            resized = full.resize(size, Image.Resampling.LANCZOS)
            references[(size, flat)] = Reference(flatten(resized) if flat else resized)
        return score_of(references[(size, flat)], data_out, "RGB" if flat else full.mode)

    vips_scores = {key: scored(out) for key, out in vips.items()}
    fixed, fixed_time = timed_render(data, specs({}, quality=82))
    auto, auto_time = timed_render(data, specs({}, format="jpeg", quality="auto"))
    best, best_time = timed_render(data, specs({}, format="best"))
    # Half a point above libvips' score: our search scores against the variant's own pixels, this benchmark
    # against the full-decode reference, and the two readings of one output differ by a few tenths.
    matched_targets = {size: vips_scores[(size, "jpeg")] + MATCH_MARGIN for size in SIZES}
    auto_matched, _ = timed_render(data, specs(matched_targets, format="jpeg", quality="auto"))
    best_matched, _ = timed_render(data, specs(matched_targets, format="best"))
    cells = []
    # A source smaller than a box gives the same output for it as for the next: one cell per distinct output.
    sizes = [size for size in SIZES if size <= max(full.size)] or [SIZES[-1]]
    for size in sizes:
        ours = {
            "fixed82": fixed[size],
            "auto80": auto[size],
            "best80": best[size],
            "auto_matched": auto_matched[size],
            "best_matched": best_matched[size],
        }
        outputs = {
            **{k: v.data for k, v in ours.items()},
            "vips_jpeg82": vips[(size, "jpeg")],
            "vips_webp82": vips[(size, "webp")],
        }
        cells.append(
            Cell(
                image=name,
                kind="graphic" if graphic else "photo",
                size=size,
                width=ours["fixed82"].width,
                height=ours["fixed82"].height,
                bytes={k: len(v) for k, v in outputs.items()},
                scores={k: round(scored(v), 2) for k, v in outputs.items()},
                formats={k: v.format for k, v in ours.items()},
                targets={k: v.spec.quality_target for k, v in ours.items() if v.spec.quality_target is not None},
            )
        )
    group = "bench" if name in BENCH_NAMES else "corpus"
    return cells, {"fixed": fixed_time, "auto": auto_time, "best": best_time, "group": group}


def corpus_images(limit: int) -> list[tuple[str, Path]]:
    manifest = CORPUS / "MANIFEST.csv"
    if not manifest.is_file():
        return []
    chosen = []
    for row in csv.DictReader(manifest.open()):
        path = CORPUS / "images" / row["file"]
        if row["category"] in ("hostile",) or "ERROR" in row["expected"] or not path.is_file():
            continue
        if row["category"] == "exif_orientation" and row["file"] != "Landscape_1.jpg":
            continue  # nine copies of one photo
        try:
            with Image.open(path) as image:
                if getattr(image, "n_frames", 1) > 1 or image.width * image.height > 50_000_000:
                    continue
                if min(image.size) < 64:
                    continue
        except Exception:  # whatever Pillow cannot open is not an input here
            continue
        chosen.append((row["file"], path))
    return chosen[:limit]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus-limit", type=int, default=40, metavar="N")
    parser.add_argument("--json", type=Path, help="write every cell here")
    args = parser.parse_args()
    inputs = [(p.name, p) for p in bench_images()] + corpus_images(args.corpus_limit)
    if not inputs:
        print("bench_quality: no inputs (../shared/bench and ../shared/corpus are absent); nothing to measure")
        return 0
    cells: list[Cell] = []
    times: list[dict[str, Any]] = []
    columns = ("vips J82", "ours 82", "auto@80", "best@80", "best@match")
    print(f"{'image':<34} {'kind':<7} {'size':>4} " + " ".join(f"{c:>18}" for c in columns))
    for name, path in inputs:
        try:
            image_cells, image_times = run_image(name, path.read_bytes())
        except Exception as exc:  # a benchmark reports and goes on
            print(f"{name:<34} skipped: {type(exc).__name__}: {exc}")
            continue
        cells += image_cells
        times.append(image_times)
        for cell in image_cells:
            shown = [show(cell, key) for key in ("vips_jpeg82", "fixed82", "auto80", "best80", "best_matched")]
            print(f"{name[:34]:<34} {cell.kind:<7} {cell.size:>4} " + " ".join(f"{s:>18}" for s in shown), flush=True)
    summarise(cells, times)
    if args.json:
        args.json.write_text(json.dumps([asdict(c) for c in cells], indent=1))
    return 0


def show(cell: Cell, key: str) -> str:
    chosen = cell.formats.get(key, "")[:4]
    return f"{cell.bytes[key] / 1024:6.1f}K/{cell.scores[key]:5.1f} {chosen}".rstrip()


def summarise(cells: list[Cell], times: list[dict[str, Any]]) -> None:
    def ratio(key: str, against: str = "vips_jpeg82", kind: str | None = None) -> str:
        chosen = [c for c in cells if kind in (None, c.kind)]
        ratios = [c.bytes[key] / c.bytes[against] for c in chosen]
        at_least = sum(c.scores[key] >= c.scores[against] - 0.05 for c in chosen)
        return (
            f"median {statistics.median(ratios):.3f}x, score >= libvips' in {at_least}/{len(chosen)}" if chosen else "-"
        )

    print()
    print(f"{len(cells)} cells ({len({c.image for c in cells})} images x sizes); bytes against libvips Q82 JPEG:")
    for key, label in [
        ("fixed82", "ours, fixed quality 82"),
        ("vips_webp82", "libvips Q82 WebP"),
        ("auto80", "ours, quality auto (JPEG), target 80"),
        ("best80", "ours, format best, target 80"),
        ("auto_matched", "ours, quality auto (JPEG), target = libvips' score"),
        ("best_matched", "ours, format best, target = libvips' score"),
    ]:
        print(f"  {label:<52} all: {ratio(key)}")
        for kind in ("photo", "graphic"):
            print(f"  {'':<52} {kind}: {ratio(key, kind=kind)}")
    misses = [
        (c.image, c.size, key, c.scores[key], target)
        for c in cells
        for key, target in c.targets.items()
        if c.scores[key] < target - 2
    ]
    print(f"  more than 2 points below the target: {len(misses)} of {sum(len(c.targets) for c in cells)}")
    for miss in misses[:10]:
        print(f"    {miss}")
    for group in ("bench", "corpus"):
        chosen = [t for t in times if t["group"] == group]
        if not chosen:
            continue
        fixed_ms = statistics.median(t["fixed"] for t in chosen) * 1000
        for key in ("auto", "best"):
            per_image = [t[key] / t["fixed"] for t in chosen]
            print(
                f"  time, {key} / fixed 82, {len(chosen)} {group} images: median {statistics.median(per_image):.1f}x "
                f"(range {min(per_image):.1f}-{max(per_image):.1f}x; fixed 82 median {fixed_ms:.0f} ms)"
            )


if __name__ == "__main__":
    sys.exit(main())
