"""The core: the bytes of one image and the variant specs in, encoded variants out. No I/O, no environment."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final

from PIL import Image

from image_resizer.colour import has_visible_alpha, to_resizable_mode, to_srgb
from image_resizer.decode import SourceImage, check_memory, decode, open_source, upright_transpose
from image_resizer.encode import CONTENT_TYPES, EXTENSIONS, OutputFormat, choose_format, encode
from image_resizer.geometry import Placement, place, required_source_size
from image_resizer.limits import Limits
from image_resizer.variants import VariantSpec

# Pillow first box-reduces by an integer factor down to this multiple of the target, then LANCZOS: nearly
# the quality of a full LANCZOS at a fraction of the cost.
REDUCING_GAP: Final = 2.0
# Large resamples run as horizontal strips on worker threads (Pillow releases the GIL). The count is fixed,
# not the number of cores, so outputs are byte-identical on every machine and Lambda memory size.
STRIPS: Final = 2
_MIN_STRIP_OUTPUT_PIXELS: Final = 250_000
_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool  # noqa: PLW0603 - one pool per process, created on first use
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=STRIPS, thread_name_prefix="image-resizer")
    return _pool


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
    limits = limits or Limits()
    source = open_source(data, limits)
    placements = {spec.name: place(spec, source.width, source.height) for spec in specs}
    spec_by_name = {spec.name: spec for spec in specs}
    decode_size = required_source_size(placements.values(), source.width, source.height)
    check_memory(source, decode_size, limits)
    decoded = decode(source, decode_size)
    icc_profile = decoded.info.get("icc_profile")
    decoded = to_resizable_mode(decoded)
    has_alpha = has_visible_alpha(decoded)

    transpose = upright_transpose(source.orientation)
    base, base_is_final = decoded, False
    encoded: dict[str, tuple[Future[bytes], Image.Image, OutputFormat]] = {}
    for spec in sorted(specs, key=lambda s: placements[s.name].scale, reverse=True):
        placement = placements[spec.name]
        if transpose is not None and placement.is_full_frame:
            pixels = _resample(base, _stored(placement, source.transposes), *_stored_size(source)).transpose(transpose)
        else:
            if transpose is not None:
                base = base.transpose(transpose)
            pixels = _resample(base, placement, source.width, source.height)
        transpose = None  # from here on the base is upright
        if not base_is_final:
            pixels = to_srgb(pixels, icc_profile)
        output_format = choose_format(spec.format, source.format, has_alpha)
        pixels.info = {}  # the source's EXIF/ICC/XMP must not reach any encoder
        # Encoding overlaps the next resample; encode() works on its own copy of the pixels' info.
        encoded[spec.name] = (_executor().submit(encode, pixels, output_format, spec.quality), pixels, output_format)
        if placement.is_full_frame:
            # Later (smaller) variants derive from this one: cheaper than from the full decode.
            base, base_is_final = pixels, True
    rendered = {
        name: RenderedVariant(spec_by_name[name], future.result(), pixels.width, pixels.height, output_format)
        for name, (future, pixels, output_format) in encoded.items()
    }
    return RenderResult(
        source.format, source.width, source.height, source.frames, tuple(rendered[s.name] for s in specs)
    )


def _stored_size(source: SourceImage) -> tuple[int, int]:
    return (source.height, source.width) if source.transposes else (source.width, source.height)


def _stored(placement: Placement, transposes: bool) -> Placement:
    """A full-frame placement expressed in the stored (not yet upright) orientation."""
    if not transposes:
        return placement
    return Placement(placement.height, placement.width, (0.0, 0.0, placement.box[3], placement.box[2]))


def _resample(base: Image.Image, placement: Placement, source_width: int, source_height: int) -> Image.Image:
    sx, sy = base.width / source_width, base.height / source_height
    left, top, right, bottom = placement.box
    box = (left * sx, top * sy, right * sx, bottom * sy)
    size = (placement.width, placement.height)
    if size == base.size and box == (0, 0, base.width, base.height):
        return base.copy()
    reduces = (box[2] - box[0]) / size[0] >= 2 * REDUCING_GAP or (box[3] - box[1]) / size[1] >= 2 * REDUCING_GAP
    if reduces or size[0] * size[1] < _MIN_STRIP_OUTPUT_PIXELS:
        # Pillow's integer pre-reduction aligns to its own grid, which strips would break: resize whole.
        return base.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=REDUCING_GAP)
    return _resample_in_strips(base, size, box)


def _resample_in_strips(
    base: Image.Image, size: tuple[int, int], box: tuple[float, float, float, float]
) -> Image.Image:
    """The same LANCZOS resample, cut into horizontal bands: Pillow reads filter support beyond a band's box,
    so the bands join without seams (at most one level of rounding differs from a whole-image resample)."""
    width, height = size
    left, top, right, bottom = box
    row_scale = (bottom - top) / height
    edges = [round(height * i / STRIPS) for i in range(STRIPS + 1)]

    def band(index: int) -> Image.Image:
        y0, y1 = edges[index], edges[index + 1]
        band_box = (left, top + y0 * row_scale, right, top + y1 * row_scale)
        return base.resize((width, y1 - y0), Image.Resampling.LANCZOS, box=band_box)

    result = Image.new(base.mode, size, None)  # every pixel is pasted over: skip the fill
    for index, part in enumerate(_executor().map(band, range(STRIPS))):
        result.paste(part, (0, edges[index]))
    return result
