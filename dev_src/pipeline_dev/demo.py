"""``make demo``: sample uploads through the pipeline's core, a results table and an HTML page.

Until the local stack exists this runs the same code path as the CLI (core only, no AWS emulation).
"""

from __future__ import annotations

import argparse
import html
import json
import sys
import time
from pathlib import Path
from typing import Any

from image_resizer.cli import resize_file
from image_resizer.limits import Limits
from image_resizer.variants import DEFAULT_VARIANTS, parse_variants

from pipeline_dev import samples

DEMO_VARIANTS = {
    **DEFAULT_VARIANTS,
    "medium": {"width": 800, "height": 800, "format": "webp", "quality": 80, "key": "medium/{dir}{stem}.{ext}"},
}
INVALID_SAMPLES = {"corrupt.jpg"}


def write_samples(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    made = {
        "phone-photo-rotated.jpg": samples.oriented_jpeg(6, samples.photo(1600, 1200, seed=3)),
        "transparent-logo.png": samples.transparent_png(),
        "camera-24mp.jpg": samples.encode(samples.photo(6000, 4000, seed=4), "JPEG", quality=90),
        "corrupt.jpg": samples.truncated(samples.encode(samples.photo(800, 600), "JPEG"), 0.4),
    }
    paths = []
    for name, data in made.items():
        path = directory / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def render_table(results: list[dict[str, Any]], durations: list[float]) -> str:
    header = f"{'file':<28} {'status':<9} {'ms':>6}  variants / error"
    rows = [header, "-" * len(header)]
    for result, duration in zip(results, durations, strict=True):
        name = Path(result["source"]).name
        if result["ok"]:
            detail = ", ".join(
                f"{o['variant']} {o['width']}x{o['height']} {o['format']} {o['bytes']:,} B" for o in result["outputs"]
            )
            status = "SUCCEEDED"
        else:
            detail = f"{result['error']['type']}: {result['error']['message']}"
            status = "FAILED"
        rows.append(f"{name:<28} {status:<9} {duration:>6.0f}  {detail}")
    return "\n".join(rows)


def write_html(results: list[dict[str, Any]], out: Path) -> Path:
    cards = []
    for result in results:
        source = Path(result["source"])
        if result["ok"]:
            images = "".join(
                f'<figure><img src="{html.escape(Path(o["path"]).relative_to(out).as_posix())}">'
                f"<figcaption>{html.escape(o['variant'])}: {o['width']}x{o['height']} {o['format']}, "
                f"{o['bytes']:,} B</figcaption></figure>"
                for o in result["outputs"]
            )
            outcome = "SUCCEEDED"
        else:
            images = (
                f"<p class=error>{html.escape(result['error']['type'])}: {html.escape(result['error']['message'])}</p>"
            )
            outcome = "FAILED"
        cards.append(
            f"<section><h2>{html.escape(source.name)} <small>{outcome}</small></h2>"
            f'<figure><img src="originals/{html.escape(source.name)}"><figcaption>original</figcaption></figure>'
            f"{images}</section>"
        )
    page = out / "index.html"
    page.write_text(
        "<!doctype html><meta charset=utf-8><title>image-resizer demo</title>"
        "<style>body{font-family:sans-serif}img{max-width:320px;max-height:240px;border:1px solid #ccc}"
        "figure{display:inline-block;vertical-align:top}.error{color:#b00}</style>"
        "<h1>image-resizer demo</h1>" + "".join(cards),
        encoding="utf-8",
    )
    return page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=Path, help="a folder of your own images instead of the samples")
    parser.add_argument("--out", type=Path, default=Path("dist/demo"))
    args = parser.parse_args(argv)

    originals = args.out / "originals"
    if args.images:
        originals.mkdir(parents=True, exist_ok=True)
        inputs = []
        for path in sorted(p for p in args.images.iterdir() if p.is_file()):
            target = originals / path.name
            target.write_bytes(path.read_bytes())
            inputs.append(target)
    else:
        inputs = write_samples(originals)
    specs = parse_variants(DEMO_VARIANTS)
    print(f"variants: {json.dumps(DEMO_VARIANTS)}")
    results, durations = [], []
    for path in inputs:
        started = time.perf_counter()
        results.append(resize_file(path, args.out / "resized", specs, Limits()))
        durations.append((time.perf_counter() - started) * 1000)
        print(f"  processed {path.name}", flush=True)
    print()
    print(render_table(results, durations))
    page = write_html(results, args.out)
    print(f"\nopen {page} to see each original beside its variants")

    expected_failures = set() if args.images else INVALID_SAMPLES
    unexpected = [r for r in results if r["ok"] == (Path(r["source"]).name in expected_failures)]
    return 1 if unexpected else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
