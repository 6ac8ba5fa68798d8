"""Smart crops on a labelled set: for `centre`, `entropy`, `attention` (ours) and libvips' attention (pyvips
`smartcrop`, the box `thumbnail(crop="attention")` cuts), the share of scenes whose square and 16:9 crops keep at
least 90% of the subject; and the mean time of one decision on a 12 MP source, side by side in one run.

    python benchmarks/bench_crop.py [--scenes 48]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from image_resizer.imaging.crop import anchor_for, small_rendering
from image_resizer.imaging.geometry import place
from image_resizer.variants import parse_variants
from pipeline_dev import scenes

SHAPES = parse_variants(
    {
        "square": {"width": 256, "height": 256, "fit": "cover", "key": "s/{key}"},
        "wide": {"width": 320, "height": 180, "fit": "cover", "key": "w/{key}"},
    }
)


def ours(gravity: str, image, spec):
    width, height = image.size
    left, top, right, bottom = place(spec, width, height).box
    anchor = anchor_for(gravity, small_rendering(image), ((right - left) / width, (bottom - top) / height), None)
    return place(spec, width, height, anchor).box


def libvips(image, spec):
    import pyvips

    width, height = image.size
    left, top, right, bottom = place(spec, width, height).box
    crop_w, crop_h = round(right - left), round(bottom - top)
    vips_image = pyvips.Image.new_from_memory(image.tobytes(), width, height, 3, "uchar")
    _, found = vips_image.smartcrop(crop_w, crop_h, interesting="attention", attention_x=True, attention_y=True)
    anchor = (found["attention_x"] / width, found["attention_y"] / height)
    return place(spec, width, height, anchor).box


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenes", type=int, default=48)
    args = parser.parse_args()
    labelled = scenes.labelled_set(args.scenes)
    approaches = {
        "centre": lambda image, spec: ours("centre", image, spec),
        "entropy": lambda image, spec: ours("entropy", image, spec),
        "attention": lambda image, spec: ours("attention", image, spec),
        "libvips attention": libvips,
    }
    big = scenes.scene("busy", "skin", (4000, 3000), 0.8, seed=1).image  # 12 MP
    print(f"{len(labelled)} scenes (plain, gradient, noisy, busy x textured, skin; 4 sizes; subject toward an edge)")
    print(f"{'gravity':<18} {'square kept':>11} {'16:9 kept':>9} {'both':>6} {'ms / decision (12 MP)':>22}")
    for name, decide in approaches.items():
        kept = {
            spec.name: sum(scenes.kept_share(s.subject, decide(s.image, spec)) >= 0.9 for s in labelled)
            for spec in SHAPES
        }
        timings = []
        for _ in range(7):
            started = time.perf_counter()
            decide(big, SHAPES[0])
            timings.append((time.perf_counter() - started) * 1000)
        total = len(labelled)
        print(
            f"{name:<18} {kept['square'] / total:>10.0%} {kept['wide'] / total:>9.0%} "
            f"{(kept['square'] + kept['wide']) / (2 * total):>6.0%} {statistics.median(timings):>22.1f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
