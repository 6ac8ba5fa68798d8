"""Smart crops on the evaluation set (pipeline_dev.crop_scenes: 240 generated scenes, a development half and a
test half): for our `centre`, `entropy` and `attention` and libvips' attention and entropy crops (pyvips
`smartcrop`, the box `thumbnail(crop=...)` cuts), the share of scenes whose crop keeps at least 90% of the
subject, per half; and the median time of one decision on a 12 MP source, side by side in one run.

    python benchmarks/bench_crop.py [--half dev|test|both] [--misses]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

from image_resizer.imaging.crop import decide, small_rendering
from image_resizer.imaging.geometry import place
from image_resizer.variants import VariantSpec, parse_variants
from PIL import Image
from pipeline_dev import crop_scenes, scenes

Box = tuple[float, float, float, float]
SPECS = {
    name: parse_variants({name.replace(":", "x"): {"width": w, "height": h, "fit": "cover"}})[0]
    for name, (w, h) in crop_scenes.CROPS.items()
}


def ours(gravity: str) -> Callable[[Image.Image, VariantSpec], Box]:
    def crop(image: Image.Image, spec: VariantSpec) -> Box:
        width, height = image.size
        left, top, right, bottom = place(spec, width, height).box
        window = ((right - left) / width, (bottom - top) / height)
        return place(spec, width, height, decide(gravity, small_rendering(image), window, None).anchor).box

    return crop


def libvips(interesting: str) -> Callable[[Image.Image, VariantSpec], Box]:
    def crop(image: Image.Image, spec: VariantSpec) -> Box:
        import pyvips

        width, height = image.size
        left, top, right, bottom = place(spec, width, height).box
        vips_image = pyvips.Image.new_from_memory(image.tobytes(), width, height, 3, "uchar")
        crop_w, crop_h = round(right - left), round(bottom - top)
        cropped = vips_image.smartcrop(crop_w, crop_h, interesting=interesting)
        # The crop's offset is stored negated (where the source's origin lies in the crop's coordinates).
        x, y = -cropped.xoffset, -cropped.yoffset
        return (float(x), float(y), float(x + crop_w), float(y + crop_h))

    return crop


def timed_ours(gravity: str) -> Callable[[Image.Image, VariantSpec], Callable[[], object]]:
    """One decision from a decoded image in memory: the small rendering and the scoring."""

    def prepare(image: Image.Image, spec: VariantSpec) -> Callable[[], object]:
        width, height = image.size
        left, top, right, bottom = place(spec, width, height).box
        window = ((right - left) / width, (bottom - top) / height)
        return lambda: decide(gravity, small_rendering(image), window, None)

    return prepare


def timed_libvips(interesting: str) -> Callable[[Image.Image, VariantSpec], Callable[[], object]]:
    """One decision from a decoded image in libvips' memory: its own shrink and scoring (the copy of the pixels
    into libvips is made before the clock starts, and its operation cache is off, so nothing is reused)."""

    def prepare(image: Image.Image, spec: VariantSpec) -> Callable[[], object]:
        import pyvips

        pyvips.cache_set_max(0)
        width, height = image.size
        left, top, right, bottom = place(spec, width, height).box
        vips_image = pyvips.Image.new_from_memory(image.tobytes(), width, height, 3, "uchar")
        return lambda: vips_image.smartcrop(round(right - left), round(bottom - top), interesting=interesting).xoffset

    return prepare


DECISIONS = {
    "centre": timed_ours("centre"),
    "entropy": timed_ours("entropy"),
    "attention": timed_ours("attention"),
    "libvips attention": timed_libvips("attention"),
    "libvips entropy": timed_libvips("entropy"),
}
APPROACHES = {
    "centre": ours("centre"),
    "entropy": ours("entropy"),
    "attention": ours("attention"),
    "libvips attention": libvips("attention"),
    "libvips entropy": libvips("entropy"),
}


def kept(approach: Callable[[Image.Image, VariantSpec], Box], labelled: crop_scenes.LabelledScene) -> bool:
    box = approach(labelled.scene.image, SPECS[labelled.crop])
    return scenes.kept_share(labelled.scene.subject, box) >= 0.9


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--half", choices=("dev", "test", "both"), default="both")
    parser.add_argument("--misses", action="store_true", help="name the scenes each approach loses")
    args = parser.parse_args()
    halves = ("dev", "test") if args.half == "both" else (args.half,)
    labelled = [s for s in crop_scenes.evaluation_set() if s.half in halves]
    big = scenes.scene("busy", "skin", (4000, 3000), 0.8, seed=1).image  # 12 MP
    print(f"{len(labelled)} scenes of pipeline_dev.crop_scenes; kept: at least 90% of the subject inside the crop")
    print(f"{'gravity':<18} " + " ".join(f"{h + ' kept':>10}" for h in halves) + f" {'ms / decision (12 MP)':>22}")
    for name, approach in APPROACHES.items():
        shares, misses = [], []
        for half in halves:
            group = [s for s in labelled if s.half == half]
            results = [(s, kept(approach, s)) for s in group]
            shares.append(sum(ok for _, ok in results) / len(group))
            misses += [s.scene.name for s, ok in results if not ok]
        decision = DECISIONS[name](big, SPECS["square"])
        timings = []
        for _ in range(9):
            started = time.perf_counter()
            decision()
            timings.append((time.perf_counter() - started) * 1000)
        print(f"{name:<18} " + " ".join(f"{s:>10.1%}" for s in shares) + f" {statistics.median(timings):>22.1f}")
        if args.misses:
            print("    missed: " + ", ".join(misses), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
