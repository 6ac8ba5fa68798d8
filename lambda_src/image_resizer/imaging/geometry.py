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
    full_frame: bool = False  # the box is the whole source (a crop at a corner starts at 0, 0 too)

    @property
    def scale(self) -> float:
        """The larger of the two axes' scales (a 1x997 strip fit into 200 px scales 1.0 across, 0.2 down)."""
        return max(self.width / (self.box[2] - self.box[0]), self.height / (self.box[3] - self.box[1]))

    @property
    def is_full_frame(self) -> bool:
        return self.full_frame


def place(
    spec: VariantSpec, source_width: int, source_height: int, anchor: tuple[float, float] | None = None
) -> Placement:
    """Never upscales: a source smaller than the box keeps its size (``cover`` then only crops). A ``cover`` crop
    is centred on ``anchor`` (fractions of the upright source's width and height) as far as the source allows;
    None: the centre."""
    full = (0.0, 0.0, float(source_width), float(source_height))
    if spec.fit == "inside":
        scale = min(spec.width / source_width, spec.height / source_height, 1.0)
        return Placement(max(1, round(source_width * scale)), max(1, round(source_height * scale)), full, True)
    scale = max(spec.width / source_width, spec.height / source_height)
    if scale >= 1.0:
        width, height = min(spec.width, source_width), min(spec.height, source_height)
        crop_w, crop_h = float(width), float(height)
    else:
        width, height = spec.width, spec.height
        # The axis that sets the scale is cropped by nothing: keep it exact (width / scale can miss by 1e-14).
        crop_w = float(source_width) if scale == width / source_width else min(width / scale, source_width)
        crop_h = float(source_height) if scale == height / source_height else min(height / scale, source_height)
    fx, fy = anchor or (0.5, 0.5)
    left = min(max(fx * source_width - crop_w / 2, 0.0), source_width - crop_w)
    top = min(max(fy * source_height - crop_h / 2, 0.0), source_height - crop_h)
    box = (left, top, left + crop_w, top + crop_h)
    return Placement(width, height, full if box == full else box, box == full)


def required_source_size(
    placements: Iterable[Placement], source_width: int, source_height: int, gap: float = 1.0
) -> tuple[int, int]:
    """The smallest upright decode size from which every placement can still be downscaled, with ``gap`` times
    the pixels of the largest one left for the final resample."""
    scale = max(p.scale for p in placements) * gap
    return min(source_width, math.ceil(source_width * scale)), min(source_height, math.ceil(source_height * scale))


def in_stored_orientation(placement: Placement, orientation: int, upright_width: int, upright_height: int) -> Placement:
    """The same placement on the pixels as stored, before the EXIF ``orientation`` turns them upright.

    Resampling the stored pixels and turning only the small output upright is cheaper than turning the decode,
    and keeps the origin of a DCT-reduced decode (whose last row and column cover part of a pixel) in place."""
    if orientation in (1, 2, 3, 4):
        stored_w, stored_h, size = upright_width, upright_height, (placement.width, placement.height)
    else:
        stored_w, stored_h, size = upright_height, upright_width, (placement.height, placement.width)
    u0, v0, u1, v1 = placement.box
    x0, y0 = _stored_point(orientation, u0, v0, stored_w, stored_h)
    x1, y1 = _stored_point(orientation, u1, v1, stored_w, stored_h)
    return Placement(*size, (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), placement.full_frame)


def _stored_point(orientation: int, u: float, v: float, stored_w: int, stored_h: int) -> tuple[float, float]:
    """Where the upright point (u, v) lies on the stored pixels (EXIF 2.32, tag 0x0112)."""
    return {
        1: (u, v),
        2: (stored_w - u, v),  # mirrored horizontally
        3: (stored_w - u, stored_h - v),  # rotated 180
        4: (u, stored_h - v),  # mirrored vertically
        5: (v, u),  # transposed
        6: (v, stored_h - u),  # stored rotated 90 anticlockwise
        7: (stored_w - v, stored_h - u),  # transversed
        8: (stored_w - v, u),  # stored rotated 90 clockwise
    }[orientation]
