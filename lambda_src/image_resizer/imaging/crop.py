"""Where a ``cover`` crop goes: the ``gravity`` of a variant, decided on a small rendering of the source.

- ``attention``: the window with the most of what draws the eye (edges and detail, saturated colour, skin
  tones), mildly weighted toward the centre, as libvips' ``attention`` and smartcrop.js score it;
- ``entropy``: the window whose luminance histogram has the most information;
- ``focal``: centred on the upload's focal point (``x-amz-meta-focal-point`` or an object tag), else
  ``attention``;
- ``centre`` and the compass points: fixed anchors.

Scores are computed on a grid of at most ``GRID`` cells a side, from a rendering at most ``SMALL`` pixels a
side, so a decision costs a few milliseconds whatever the source's size.
"""

from __future__ import annotations

import math
from typing import Final

from PIL import Image, ImageChops, ImageFilter

Anchor = tuple[float, float]

SMALL: Final = 256
GRID: Final = 48
FIXED: Final[dict[str, Anchor]] = {
    "centre": (0.5, 0.5),
    "north": (0.5, 0.0),
    "south": (0.5, 1.0),
    "east": (1.0, 0.5),
    "west": (0.0, 0.5),
    "northeast": (1.0, 0.0),
    "northwest": (0.0, 0.0),
    "southeast": (1.0, 1.0),
    "southwest": (0.0, 1.0),
}
# Weights of the attention score's parts (edges, saturation, skin) and of the centre bias at the corners.
_EDGE, _SATURATION, _SKIN = 1.0, 0.5, 1.5
_CENTRE_BIAS = 0.35
# YCbCr ranges of skin tones across complexions (Chai and Ngan, 1999).
_SKIN_CB, _SKIN_CR = (77, 127), (133, 173)


def small_rendering(image: Image.Image) -> Image.Image:
    """An RGB rendering at most SMALL pixels a side (the caller turns it upright)."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    scale = min(1.0, SMALL / max(rgb.size))
    size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
    return rgb.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0) if size != rgb.size else rgb


def looks_at_the_picture(gravity: str, focal: Anchor | None) -> bool:
    """Whether the anchor of ``gravity`` depends on the pixels (``anchor_for`` reads ``small`` only then)."""
    return gravity not in FIXED and not (gravity == "focal" and focal is not None)


def anchor_for(gravity: str, small: Image.Image | None, window: tuple[float, float], focal: Anchor | None) -> Anchor:
    """The crop's centre, in fractions of the upright source, for a window of ``window`` (fractions of the
    source's width and height) on the upright ``small`` rendering (None where the gravity does not look at
    the picture)."""
    if gravity in FIXED:
        return FIXED[gravity]
    if gravity == "focal" and focal is not None:
        return focal
    if small is None:
        raise ValueError(f"gravity {gravity!r} needs a rendering of the picture")
    if gravity == "entropy":
        return _best_window(_entropy_scores(small, window))
    return _best_window_sum(_attention_grid(small), window)


def _grid_size(small: Image.Image) -> tuple[int, int]:
    scale = min(1.0, GRID / max(small.size))
    return max(1, round(small.width * scale)), max(1, round(small.height * scale))


def _attention_grid(small: Image.Image) -> list[list[float]]:
    grey = small.convert("L")
    edges = grey.filter(ImageFilter.FIND_EDGES)
    saturation = small.convert("HSV").getchannel("S")
    _, cb, cr = small.convert("YCbCr").split()
    skin_tone = ImageChops.multiply(
        cb.point(lambda v: 255 if _SKIN_CB[0] <= v <= _SKIN_CB[1] else 0),
        cr.point(lambda v: 255 if _SKIN_CR[0] <= v <= _SKIN_CR[1] else 0),
    )
    # Skin counts where there is some detail nearby (eyes, a mouth, hair): a flat peach wall is not a face.
    detail = edges.filter(ImageFilter.BoxBlur(max(2, max(small.size) // 32))).point(lambda v: min(255, 40 + v * 8))
    skin = ImageChops.multiply(skin_tone, detail)
    size = _grid_size(small)
    maps = [part.resize(size, Image.Resampling.BOX) for part in (edges, saturation, skin)]
    values = [list(part.tobytes()) for part in maps]  # one byte a cell (mode L)
    width, height = size
    grid = []
    for y in range(height):
        row = []
        for x in range(width):
            i = y * width + x
            score = _EDGE * values[0][i] + _SATURATION * values[1][i] + _SKIN * values[2][i]
            dx, dy = (x + 0.5) / width - 0.5, (y + 0.5) / height - 0.5
            row.append(score * (1 - _CENTRE_BIAS * math.hypot(dx, dy) / math.hypot(0.5, 0.5)))
        grid.append(row)
    return grid


def _best_window_sum(grid: list[list[float]], window: tuple[float, float]) -> Anchor:
    """The window (of ``window`` fractions) with the highest summed score, found with a summed-area table."""
    height, width = len(grid), len(grid[0])
    table = [[0.0] * (width + 1) for _ in range(height + 1)]
    for y in range(height):
        running = 0.0
        for x in range(width):
            running += grid[y][x]
            table[y + 1][x + 1] = table[y][x + 1] + running
    win_w = min(width, max(1, round(window[0] * width)))
    win_h = min(height, max(1, round(window[1] * height)))
    best, best_at = -1.0, (0, 0)
    for y in range(height - win_h + 1):
        for x in range(width - win_w + 1):
            total = table[y + win_h][x + win_w] - table[y][x + win_w] - table[y + win_h][x] + table[y][x]
            # Ties (a flat picture) go to the window nearest the centre.
            if total > best + 1e-9 or (
                abs(total - best) <= 1e-9 and _nearer_centre((x, y), best_at, width - win_w, height - win_h)
            ):
                best, best_at = total, (x, y)
    x, y = best_at
    return (x + win_w / 2) / width, (y + win_h / 2) / height


def _nearer_centre(candidate: tuple[int, int], current: tuple[int, int], free_x: int, free_y: int) -> bool:
    def distance(at: tuple[int, int]) -> float:
        return abs(at[0] - free_x / 2) + abs(at[1] - free_y / 2)

    return distance(candidate) < distance(current)


def _entropy_scores(small: Image.Image, window: tuple[float, float]) -> dict[Anchor, float]:
    grey = small.convert("L")
    win_w = min(grey.width, max(1, round(window[0] * grey.width)))
    win_h = min(grey.height, max(1, round(window[1] * grey.height)))
    steps_x, steps_y = grey.width - win_w, grey.height - win_h
    stride_x, stride_y = max(1, steps_x // 24), max(1, steps_y // 24)
    scores = {}
    for y in range(0, steps_y + 1, stride_y):
        for x in range(0, steps_x + 1, stride_x):
            centre = ((x + win_w / 2) / grey.width, (y + win_h / 2) / grey.height)
            scores[centre] = grey.crop((x, y, x + win_w, y + win_h)).entropy()
    return scores


def _best_window(scores: dict[Anchor, float]) -> Anchor:
    best = max(scores.values())
    # Among equally detailed windows, the one nearest the centre.
    return min((a for a, s in scores.items() if s >= best - 1e-9), key=lambda a: abs(a[0] - 0.5) + abs(a[1] - 0.5))
