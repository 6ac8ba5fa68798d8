"""One URL per image: the bytes a Chrome visitor gets from the CDN's negotiated 800 px URL (a variant with
``formats: ["avif", "webp", "jpeg"]``) against today's default JPEG variant (quality 82), at an equal
SSIMULACRA 2 score, in one run. Also the fixed-quality mapping (encode.equivalent_quality): at quality 82, how
each format's bytes and score compare with JPEG's.

The anchor is our own JPEG at 82: what a plain <img src> gets today. Every output is scored against one
independent reference per image: Pillow's LANCZOS of the full decode, upright, in sRGB (bench_quality's
reference_image). "Equal score": the negotiated variant's quality_target is the JPEG's score plus half a
point (bench_quality.MATCH_MARGIN), so the AVIF a Chrome visitor gets scores at least as well.

Inputs: ../shared/bench's photos and the corpus's still photos (bench_quality.corpus_images); skipped cleanly
when absent.

    python benchmarks/bench_formats.py [--corpus-limit N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import bench_images
from bench_quality import MATCH_MARGIN, corpus_images, reference_image, score_of
from image_resizer.imaging.quality.search import is_graphic
from image_resizer.imaging.quality.ssimulacra2 import Reference
from image_resizer.imaging.render import render
from image_resizer.variants import QUALITY_TARGET_RANGE, parse_variants
from PIL import Image

SIZE = 800
FORMATS = ["avif", "webp", "jpeg"]


def measure(data: bytes) -> dict[str, float] | None:
    full = reference_image(data)
    if full.mode == "RGBA" or is_graphic(full.copy().reduce(max(1, min(full.size) // 400)), False):
        return None  # photos: the question is what a photograph costs a visitor
    box = {"width": SIZE, "height": SIZE}
    (jpeg,) = render(data, parse_variants({"j": {**box, "format": "jpeg", "quality": 82}})).variants
    reference = Reference(full.resize((jpeg.width, jpeg.height), Image.Resampling.LANCZOS))
    jpeg_score = score_of(reference, jpeg.data, "RGB")
    low, high = QUALITY_TARGET_RANGE
    target = min(high, max(low, round(jpeg_score + MATCH_MARGIN, 2)))
    auto = {"n": {**box, "formats": FORMATS, "quality": "auto", "quality_target": target}}
    matched = {v.format: v for v in render(data, parse_variants(auto)).variants}
    fixed = {v.format: v for v in render(data, parse_variants({"n": {**box, "formats": FORMATS}})).variants}
    return {
        "jpeg_bytes": len(jpeg.data),
        "jpeg_score": jpeg_score,
        "avif_bytes": len(matched["avif"].data),
        "avif_score": score_of(reference, matched["avif"].data, "RGB"),
        "webp_bytes": len(matched["webp"].data),
        "webp_score": score_of(reference, matched["webp"].data, "RGB"),
        "fixed_avif_ratio": len(fixed["avif"].data) / len(jpeg.data),
        "fixed_avif_score": score_of(reference, fixed["avif"].data, "RGB"),
        "fixed_webp_ratio": len(fixed["webp"].data) / len(jpeg.data),
        "fixed_webp_score": score_of(reference, fixed["webp"].data, "RGB"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus-limit", type=int, default=20, metavar="N")
    args = parser.parse_args()
    inputs = [(p.name, p) for p in bench_images()] + corpus_images(args.corpus_limit)
    if not inputs:
        print("bench_formats: no inputs (../shared/bench and ../shared/corpus are absent); nothing to measure")
        return 0
    print(f"{'image':<34} {'JPEG 82':>16} {'AVIF @ equal':>16} {'WebP @ equal':>16} {'AVIF 69':>14} {'WebP 86':>14}")
    rows: dict[str, list[dict[str, float]]] = {"bench": [], "corpus": []}
    bench_names = {p.name for p in bench_images()}
    for name, path in inputs:
        try:
            row = measure(path.read_bytes())
        except Exception as exc:  # a benchmark reports and goes on
            print(f"{name[:34]:<34} skipped: {type(exc).__name__}: {exc}")
            continue
        if row is None:
            continue
        rows["bench" if name in bench_names else "corpus"].append(row)
        print(
            f"{name[:34]:<34} {row['jpeg_bytes'] / 1024:7.1f}K/{row['jpeg_score']:5.1f}"
            f" {row['avif_bytes'] / 1024:7.1f}K/{row['avif_score']:5.1f}"
            f" {row['webp_bytes'] / 1024:7.1f}K/{row['webp_score']:5.1f}"
            f" {row['fixed_avif_ratio']:6.2f}x/{row['fixed_avif_score']:5.1f}"
            f" {row['fixed_webp_ratio']:6.2f}x/{row['fixed_webp_score']:5.1f}",
            flush=True,
        )
    print()
    for group, measured in rows.items():
        if not measured:
            continue

        def median(field: str, minus: str | None = None, rows: list[dict[str, float]] = measured) -> float:
            return statistics.median(r[field] - (r[minus] if minus else 0.0) for r in rows)

        avif = statistics.median(r["avif_bytes"] / r["jpeg_bytes"] for r in measured)
        webp = statistics.median(r["webp_bytes"] / r["jpeg_bytes"] for r in measured)
        below = min(r["avif_score"] - r["jpeg_score"] for r in measured)
        print(
            f"{group} ({len(measured)} photos, {SIZE} px): the negotiated URL for Chrome (AVIF) is {avif:.2f}x the "
            f"bytes of the default JPEG 82 at an equal score (WebP-only browsers: {webp:.2f}x); worst AVIF score "
            f"against the JPEG's: {below:+.1f}. At fixed quality 82: AVIF {median('fixed_avif_ratio'):.2f}x "
            f"(score {median('fixed_avif_score', 'jpeg_score'):+.1f}), WebP {median('fixed_webp_ratio'):.2f}x "
            f"(score {median('fixed_webp_score', 'jpeg_score'):+.1f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
