"""Ours vs naive Pillow vs libvips' thumbnail, side by side in one process, on ../shared/bench photographs.

Prints per input: median ms of each approach, ratios (ours / libvips, naive / ours), peak RSS of each in a
fresh process, SSIM/PSNR of our 800 px pixels (stored losslessly) against a full-resolution LANCZOS reference,
and the PSNR of the 800 px variant each side publishes (JPEG, WebP or PNG as above) against that reference.
Run with `make bench` (installs pyvips and scikit-image into .venv). Skips when ../shared/bench is absent.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import os
import platform
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
import approaches
from _common import bench_images, interleaved_median_ms, peak_rss_mb


def _on_white(image: Image.Image) -> Image.Image:
    image = image.convert("RGBA")
    background = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, image).convert("RGB")


def quality_vs_reference(data: bytes) -> tuple[float, float]:
    """Our 800 px pixels, made by the same cascade as the benchmarked run but stored losslessly so the
    encoder's quality setting does not count, against a LANCZOS of the full decode."""
    ours = _on_white(Image.open(io.BytesIO(approaches.ours_lossless_800(data))))
    with Image.open(io.BytesIO(data)) as opened:
        full = ImageOps.exif_transpose(opened)
        reference = _on_white(full.resize(ours.size, Image.Resampling.LANCZOS))
    a, b = np.asarray(ours), np.asarray(reference)
    return structural_similarity(a, b, channel_axis=2), peak_signal_noise_ratio(b, a)


def encoded_vs_reference(data: bytes) -> tuple[float, float]:
    """The 800 px variant as each side publishes it (ours: a JPEG of a JPEG goes through luma and chroma
    planes; libvips: its thumbnail; both at quality 82), against a LANCZOS of the full decode: PSNR of each."""
    with Image.open(io.BytesIO(data)) as opened:
        full = _on_white(ImageOps.exif_transpose(opened))
    scores = []
    for encoded in (approaches.ours(data)[1], approaches.libvips(data)[1]):
        published = _on_white(Image.open(io.BytesIO(encoded)))
        reference = full.resize(published.size, Image.Resampling.LANCZOS)
        scores.append(peak_signal_noise_ratio(np.asarray(reference), np.asarray(published)))
    return scores[0], scores[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-memory", action="store_true", help="skip the per-process peak RSS runs")
    parser.add_argument("--json", action="store_true", help="print one JSON object per input as well")
    parser.add_argument(
        "--durations",
        type=Path,
        metavar="FILE",
        help="write our median ms per input here, for `scripts/cost_model.py --durations FILE`",
    )
    args = parser.parse_args()
    images = bench_images()
    if not images:
        print("skipped: ../shared/bench not found")
        return 0
    names = ["ours", "naive_pillow", "libvips", "draft_floor"]
    print(
        f"{'input':<20} {'ours ms':>8} {'naive':>8} {'vips':>8} {'floor':>8} {'ours/vips':>9} {'naive/ours':>10} "
        f"{'RSS ours/naive/vips MB':>23} {'SSIM':>6} {'PSNR':>6} {'q82 PSNR ours/vips':>18}"
    )
    durations: dict[str, float] = {}
    for path in images:
        data = path.read_bytes()
        for name in names:  # warm up: caches, lazy imports
            if name != "draft_floor" or path.suffix == ".jpg":
                getattr(approaches, name)(data)
        times = interleaved_median_ms(
            {
                name: functools.partial(getattr(approaches, name), data)
                for name in names
                if name != "draft_floor" or path.suffix == ".jpg"
            },
            args.rounds,
        )
        rss = (
            {}
            if args.no_memory
            else {
                name: peak_rss_mb("approaches", "run_file", name, str(path))
                for name in ("ours", "naive_pillow", "libvips")
            }
        )
        ssim, psnr = quality_vs_reference(data)
        published_ours, published_vips = encoded_vs_reference(data)
        floor = times.get("draft_floor")
        rss_text = "/".join(f"{rss[n]:.0f}" for n in ("ours", "naive_pillow", "libvips")) if rss else "-"
        print(
            f"{path.name:<20} {times['ours']:>8.0f} {times['naive_pillow']:>8.0f} {times['libvips']:>8.0f} "
            f"{(f'{floor:.0f}' if floor else '-'):>8} {times['ours'] / times['libvips']:>9.2f} "
            f"{times['naive_pillow'] / times['ours']:>10.2f} {rss_text:>23} {ssim:>6.3f} {psnr:>6.1f} "
            f"{f'{published_ours:.1f}/{published_vips:.1f}':>18}",
            flush=True,
        )
        if args.json:
            published = {"ours": published_ours, "libvips": published_vips}
            record = {"input": path.name, "ms": times, "peak_rss_mb": rss, "ssim": ssim, "psnr": psnr}
            print(json.dumps({**record, "published_psnr": published}))
        durations[path.name] = round(times["ours"], 1)
    if args.durations is not None:
        machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
        record = {"command": "python benchmarks/bench_resize.py", "machine": machine, "variants": 3}
        args.durations.write_text(json.dumps({**record, "durations_ms": durations}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
