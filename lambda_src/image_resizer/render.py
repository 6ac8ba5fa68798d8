"""The core: the bytes of one image and the variant specs in, encoded variants out. No I/O, no environment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from PIL import Image

from image_resizer.colour import has_visible_alpha, to_resizable_mode, to_srgb
from image_resizer.decode import decode, open_source
from image_resizer.encode import CONTENT_TYPES, EXTENSIONS, OutputFormat, choose_format, encode
from image_resizer.geometry import Placement, place, required_source_size
from image_resizer.limits import Limits
from image_resizer.variants import VariantSpec

# Pillow first box-reduces by an integer factor down to this multiple of the target, then LANCZOS: nearly
# the quality of a full LANCZOS at a fraction of the cost.
REDUCING_GAP: Final = 2.0


@dataclass(frozen=True, slots=True)
class RenderedVariant:
    spec: VariantSpec
    data: bytes
    width: int
    height: int
    format: OutputFormat

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


@dataclass(frozen=True, slots=True)
class RenderResult:
    source_format: str
    source_width: int
    source_height: int
    frames: int
    variants: tuple[RenderedVariant, ...]  # in the order of the specs


def render(data: bytes, specs: Sequence[VariantSpec], limits: Limits | None = None) -> RenderResult:
    """Decode ``data`` once (first frame, upright, sRGB) and produce every variant, largest first."""
    source = open_source(data, limits or Limits())
    placements = {spec.name: place(spec, source.width, source.height) for spec in specs}
    decoded = decode(source, required_source_size(placements.values(), source.width, source.height))
    icc_profile = decoded.info.get("icc_profile")
    decoded = to_resizable_mode(decoded)
    has_alpha = has_visible_alpha(decoded)

    base, base_is_final = decoded, False
    rendered: dict[str, RenderedVariant] = {}
    for spec in sorted(specs, key=lambda s: placements[s.name].scale, reverse=True):
        placement = placements[spec.name]
        pixels = _resample(base, placement, source.width, source.height)
        if not base_is_final:
            pixels = to_srgb(pixels, icc_profile)
        output_format = choose_format(spec.format, source.format, has_alpha)
        rendered[spec.name] = RenderedVariant(
            spec, encode(pixels, output_format, spec.quality), pixels.width, pixels.height, output_format
        )
        if placement.is_full_frame:
            # Later (smaller) variants derive from this one: cheaper than from the full decode.
            base, base_is_final = pixels, True
    return RenderResult(
        source.format, source.width, source.height, source.frames, tuple(rendered[s.name] for s in specs)
    )


def _resample(base: Image.Image, placement: Placement, source_width: int, source_height: int) -> Image.Image:
    sx, sy = base.width / source_width, base.height / source_height
    left, top, right, bottom = placement.box
    box = (left * sx, top * sy, right * sx, bottom * sy)
    if (placement.width, placement.height) == base.size and box == (0, 0, base.width, base.height):
        return base.copy()
    return base.resize(
        (placement.width, placement.height), Image.Resampling.LANCZOS, box=box, reducing_gap=REDUCING_GAP
    )
