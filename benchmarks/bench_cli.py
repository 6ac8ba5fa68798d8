"""A whole command, start to exit: `image-resizer resize` writing three JPEG variants (1600, 800, 200 px) of
each ../shared/bench photo, next to a Python process doing the same with libvips' `thumbnail` (pyvips), run
alternately; median wall time of each, and the ratio. Interpreter start-up and imports count here, as they
do for anyone who runs the CLI on a folder of one image at a time.

Then where a process's time goes: the median time of processes that do nothing, import pyvips, import Pillow
and its JPEG plugin, import the CLI; and, for the first bench JPEG, its first render in a fresh process next
to a warm one (the third in the same process).

    python benchmarks/bench_cli.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import bench_images

VARIANTS = '{"l": {"width": 1600, "height": 1600, "format": "jpeg", "key": "l/{dir}{stem}.{ext}"},' \
    ' "m": {"width": 800, "height": 800, "format": "jpeg", "key": "m/{dir}{stem}.{ext}"},' \
    ' "s": {"width": 200, "height": 200, "format": "jpeg", "key": "s/{dir}{stem}.{ext}"}}'  # fmt: skip
LIBVIPS = """
import sys, pyvips
for size in (1600, 800, 200):
    thumb = pyvips.Image.thumbnail(sys.argv[1], size, height=size)
    thumb.write_to_file(f"{sys.argv[2]}/{size}.jpg[Q=82,strip]")
"""


def commands(photo: Path, out: Path) -> dict[str, list[str]]:
    cli = str(Path(sys.executable).with_name("image-resizer"))
    return {
        "ours": [
            cli,
            "resize",
            "--out",
            str(out / "ours"),
            "--manifest-key",
            "null",
            "--variants",
            VARIANTS,
            str(photo),
        ],
        "libvips": [sys.executable, "-c", LIBVIPS, str(photo), str(out)],
    }


STARTUP = {
    "nothing": "pass",
    "import pyvips": "import pyvips",
    "import Pillow + JPEG plugin": "from PIL import Image, JpegImagePlugin",
    "import the CLI": "import image_resizer.cli",
}
FIRST_AND_WARM = """
import json, sys, time
from image_resizer.imaging.render import render
from image_resizer.variants import parse_variants
specs = parse_variants(json.loads(sys.argv[2]))
data = open(sys.argv[1], "rb").read()
times = []
for _ in range(3):
    started = time.perf_counter()
    render(data, specs)
    times.append((time.perf_counter() - started) * 1000)
print(json.dumps({"first": times[0], "warm": times[-1]}))
"""


def process_ms(arguments: list[str], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(arguments, check=True, capture_output=True)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def first_and_warm_render_ms(photo: Path, rounds: int) -> tuple[float, float]:
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", FIRST_AND_WARM, str(photo), VARIANTS], check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(rounds)
    ]
    return statistics.median(r["first"] for r in runs), statistics.median(r["warm"] for r in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    photos = [p for p in bench_images() if p.suffix.lower() in (".jpg", ".jpeg")]
    if not photos:
        print("bench_cli: ../shared/bench is absent; nothing to measure")
        return 0
    print(f"{'input':<20} {'ours ms':>8} {'vips ms':>8} {'ours/vips':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for photo in photos:
            runs = commands(photo, Path(tmp))
            times: dict[str, list[float]] = {name: [] for name in runs}
            for _ in range(args.rounds):
                for name, command in runs.items():
                    started = time.perf_counter()
                    subprocess.run(command, check=True, capture_output=True)
                    times[name].append((time.perf_counter() - started) * 1000)
            ours, vips = (statistics.median(times[name]) for name in ("ours", "libvips"))
            print(f"{photo.name:<20} {ours:>8.0f} {vips:>8.0f} {ours / vips:>9.2f}", flush=True)
    print(f"\n{'a process that':<30} {'ms':>6}")
    for label, code in STARTUP.items():
        print(f"{label:<30} {process_ms([sys.executable, '-c', code], 3 * args.rounds):>6.0f}", flush=True)
    first, warm = first_and_warm_render_ms(photos[0], args.rounds)
    print(f"{photos[0].name}: first render in a fresh process {first:.0f} ms, warm {warm:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
