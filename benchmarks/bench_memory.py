"""Peak RSS per source megapixel, per input format, for our core (each run in a fresh interpreter).

JPEG decodes at a reduced DCT scale, so its memory barely grows with the source; PNG, WebP and TIFF must
decode at full size. The slope (MB per MP) is what sizes MAX_SOURCE_PIXELS against the Lambda's memory.
Images are generated (photo-like) at 6, 12, 24 and 48 MP; nothing is read from ../shared.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import peak_rss_mb
from pipeline_dev import samples

FORMATS = {
    "JPEG": {"quality": 90},
    "PNG": {"compress_level": 1},
    "PNG-RGBA": {"compress_level": 1},
    "WEBP": {"quality": 80, "method": 0},
    "TIFF": {"compression": "tiff_adobe_deflate"},
    "GIF": {},
}
MEGAPIXELS = (6, 12, 24, 48)


def make(fmt: str, megapixels: int, directory: Path) -> Path:
    width = int((megapixels * 1_000_000 * 4 / 3) ** 0.5)
    height = megapixels * 1_000_000 // width
    image = samples.photo(width, height, seed=megapixels)
    if fmt == "PNG-RGBA":
        image.putalpha(200)
    path = directory / f"{fmt.lower()}-{megapixels}mp.{fmt.split('-', maxsplit=1)[0].lower()}"
    image.save(path, fmt.split("-", maxsplit=1)[0], **FORMATS[fmt])
    return path


def slope(points: list[tuple[float, float]]) -> tuple[float, float]:
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    gradient = sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x, _ in points)
    return gradient, mean_y - gradient * mean_x


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megapixels", type=int, nargs="+", default=list(MEGAPIXELS))
    args = parser.parse_args()
    print(f"{'format':<10} " + " ".join(f"{mp:>5} MP" for mp in args.megapixels) + "   MB/MP  base MB  at 100 MP")
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in FORMATS:
            points = []
            for megapixels in args.megapixels:
                path = make(fmt, megapixels, Path(tmp))
                points.append((megapixels, peak_rss_mb("approaches", "run_file", "ours", str(path))))
                path.unlink()
            per_mp, base = slope(points)
            cells = " ".join(f"{rss:>8.0f}" for _, rss in points)
            print(f"{fmt:<10} {cells} {per_mp:>7.2f} {base:>8.0f} {base + 100 * per_mp:>10.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
