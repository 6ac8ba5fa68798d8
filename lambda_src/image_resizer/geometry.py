"""Where each variant's pixels come from: output size and source box for ``inside`` and ``cover`` fits."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from image_resizer.variants import VariantSpec


@dataclass(frozen=True, slots=True)
class Placement:
    """Output size, and the region of the upright source (in source pixels) that is scaled into it."""

    width: int
    height: int
    box: tuple[float, float, float, float]

    @property
    def scale(self) -> float:
        return self.width / (self.box[2] - self.box[0])

    @property
    def is_full_frame(self) -> bool:
        return self.box[0] == 0 and self.box[1] == 0


def place(spec: VariantSpec, source_width: int, source_height: int) -> Placement:
    """Never upscales: a source smaller than the box keeps its size (``cover`` then only crops)."""
    full = (0.0, 0.0, float(source_width), float(source_height))
    if spec.fit == "inside":
        scale = min(spec.width / source_width, spec.height / source_height, 1.0)
        return Placement(max(1, round(source_width * scale)), max(1, round(source_height * scale)), full)
    scale = max(spec.width / source_width, spec.height / source_height)
    if scale >= 1.0:
        width, height = min(spec.width, source_width), min(spec.height, source_height)
        crop_w, crop_h = float(width), float(height)
    else:
        width, height = spec.width, spec.height
        crop_w, crop_h = width / scale, height / scale
    left, top = (source_width - crop_w) / 2, (source_height - crop_h) / 2
    box = (left, top, left + crop_w, top + crop_h)
    return Placement(width, height, full if box == full else box)


def required_source_size(placements: Iterable[Placement], source_width: int, source_height: int) -> tuple[int, int]:
    """The smallest upright decode size from which every placement can still be downscaled."""
    scale = max(p.scale for p in placements)
    return min(source_width, math.ceil(source_width * scale)), min(source_height, math.ceil(source_height * scale))
