"""A whole command, start to exit: `image-resizer resize` writing three JPEG variants (1600, 800, 200 px) of
each ../shared/bench photo, next to a Python process doing the same with libvips' `thumbnail` (pyvips), run
alternately; median wall time of each, and the ratio. Interpreter start-up and imports count here, as they
do for anyone who runs the CLI on a folder of one image at a time.

    python benchmarks/bench_cli.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import bench_images

VARIANTS = '{"l": {"width": 1600, "height": 1600, "format": "jpeg", "key": "l/{key}"},' \
    ' "m": {"width": 800, "height": 800, "format": "jpeg", "key": "m/{key}"},' \
    ' "s": {"width": 200, "height": 200, "format": "jpeg", "key": "s/{key}"}}'  # fmt: skip
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
