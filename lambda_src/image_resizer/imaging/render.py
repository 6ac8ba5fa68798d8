"""The core: the bytes of one image and the variant specs in, encoded variants out. No I/O, no environment."""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Final, NamedTuple, cast

from PIL import Image

from image_resizer.arriving import ArrivingBytes
from image_resizer.imaging import luma_chroma
from image_resizer.imaging.animation import check_budget, is_animated, render_animated
from image_resizer.imaging.bands import LANCZOS_SUPPORT, STRIPS, run_bands
from image_resizer.imaging.codecs.jpeg_rows import DecodingRows
from image_resizer.imaging.colour import for_output, has_visible_alpha, to_resizable_mode
from image_resizer.imaging.crop import decide, looks_at_the_picture, small_rendering
from image_resizer.imaging.decode import (
    SourceImage,
    check_memory,
    late_orientation,
    open_source,
    start_decode,
    upright_transpose,
)
from image_resizer.imaging.encode import (
    CONTENT_TYPES,
    EXTENSIONS,
    Encoding,
    OutputFormat,
    choose_format,
    encode,
    equivalent_quality,
)
from image_resizer.imaging.geometry import Placement, in_stored_orientation, place, required_source_size
from image_resizer.imaging.icc import is_srgb, read_profile
from image_resizer.imaging.luma_chroma import Planes
from image_resizer.imaging.pool import executor
from image_resizer.imaging.strip import stripped
from image_resizer.limits import Limits
from image_resizer.variants import VariantSpec

# Pillow first box-reduces by an integer factor down to this multiple of the target, then LANCZOS: nearly
# the quality of a full LANCZOS at a fraction of the cost.
REDUCING_GAP: Final = 2.0
# Below this many source pixels in the box, resample with plain LANCZOS: the integer pre-reduction's partial
# edge rows dominate a strip a few pixels tall (997x13 -> 200x3 measured 37.7 dB), and the saving is nil.
_MIN_REDUCING_BOX_PIXELS: Final = 1_000_000
# The JPEG DCT-scaled decode keeps this much more than the largest variant for the final LANCZOS. At 1.0
# an 8x reduction lands next to the target (1700x1275 -> 200 px: 40 dB against a full-decode LANCZOS); from
# 1.25 on the result is the same as at Pillow's thumbnail gap of 2.0 (51.7 dB) on every size we measured,
# while 2.0 would decode 12-24 MP camera photos at full size for a 1600 px variant (tests/unit/
# test_pixel_reference.py holds the sizes; `make bench` the cost).
DRAFT_GAP: Final = 1.25
_PREMULTIPLIED: Final = {"RGBA": "RGBa", "LA": "La"}
_MIN_STRIP_OUTPUT_PIXELS: Final = 250_000
# Variants this thin take the RGB route: with a handful of chroma samples across, the planes' edges show (a
# 997x13 JPEG's 200x3 variant measured 1.2 dB below the RGB route against a full decode, a 9x9 one 0.8 dB;
# from 32 px on a side, as well or better: tests/unit/test_luma_chroma.py).
_MIN_PLANAR_SIDE: Final = 32


@dataclass(frozen=True, slots=True)
class RenderedVariant:
    spec: VariantSpec
    data: bytes
    width: int
    height: int
    format: OutputFormat
    # None: sRGB pixels, untagged; otherwise the description of the embedded (wide-gamut) profile.
    profile: str | None = None
    frames: int = 1  # more than one: an animation (animation: keep)
    crop: tuple[int, int, int, int] | None = None  # the cover crop, in upright source pixels
    # attention: the share of the picture's saliency in the chosen box and in the centred one (why it moved).
    crop_scores: tuple[float, float] | None = None
    # quality "auto": the encoder quality chosen (None: lossless) and the SSIMULACRA 2 score it achieved.
    quality: int | None = None
    score: float | None = None
    source_kept: bool = False  # the source's own bytes less metadata: no encoding at the target was smaller

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]

    def encoding_facts(self) -> tuple[str, float] | None:
        """quality "auto": how the bytes were reached (the quality, "lossless" or "source") and their score."""
        if self.score is None:
            return None
        how = "source" if self.source_kept else "lossless" if self.quality is None else str(self.quality)
        return how, self.score

    def facts(self) -> dict[str, Any]:
        """The fields every report of this variant carries (result JSON, CLI lines)."""
        facts: dict[str, Any] = {
            "variant": self.spec.name,
            "width": self.width,
            "height": self.height,
            "format": self.format,
            "bytes": len(self.data),
        }
        if self.profile is not None:
            facts["colorspace"] = self.profile
        if self.frames > 1:
            facts["frames"] = self.frames
        if self.crop is not None:
            facts["crop"] = list(self.crop)
        if self.spec.quality == "auto" or self.spec.formats:  # each format its own quality
            facts["quality"] = self.quality
            if self.score is not None:  # None: too small for the metric, encoded at the default quality
                facts["score"] = round(self.score, 2)
        if self.source_kept:
            facts["source_kept"] = True
        return facts


@dataclass(frozen=True, slots=True)
class RenderResult:
    source_format: str
    source_width: int
    source_height: int
    frames: int
    variants: tuple[RenderedVariant, ...]  # in the order of the specs (a spec with formats: one per format)
    hdr: str | None = None  # "gain-map-dropped" when the source carried an HDR gain map


def render(
    data: bytes | ArrivingBytes,
    specs: Sequence[VariantSpec],
    limits: Limits | None = None,
    focal: tuple[float, float] | None = None,
) -> RenderResult:
    """Decode ``data`` once (first frame, upright, sRGB; a JPEG or PNG while it still arrives) and produce every
    variant, largest first; variants with ``animation: keep`` of an animated source are rendered frame by frame
    (animation.py). ``focal``: the upload's focal point (fractions of the upright width and height), for
    ``gravity: focal``."""
    limits = limits or Limits()
    source = open_source(data, limits)
    animated_specs = [s for s in specs if s.animation == "keep"] if is_animated(source) else []
    if animated_specs:
        check_budget(source, limits)  # before any pixel of any frame
    still_specs = [s for s in specs if s not in animated_specs]
    rendered: dict[tuple[str, OutputFormat], RenderedVariant] = {}
    if still_specs:
        source, still = _render_still(source, still_specs, limits, focal)
        rendered.update(still)
    for output in render_animated(source, animated_specs, limits, source.data) if animated_specs else ():
        rendered[(output.spec.name, output.format)] = RenderedVariant(
            output.spec, output.data, output.width, output.height, output.format, frames=output.frames
        )
    by_spec: dict[str, list[RenderedVariant]] = {}
    for (name, _), variant in rendered.items():
        by_spec.setdefault(name, []).append(variant)
    return RenderResult(
        source.format,
        source.width,
        source.height,
        source.frames,
        tuple(variant for s in specs for variant in by_spec[s.name]),
        "gain-map-dropped" if source.gain_map else None,
    )


def _render_still(
    source: SourceImage, specs: Sequence[VariantSpec], limits: Limits, focal: tuple[float, float] | None
) -> tuple[SourceImage, dict[tuple[str, OutputFormat], RenderedVariant]]:
    placements = {spec.name: place(spec, source.width, source.height) for spec in specs}
    spec_by_name = {spec.name: spec for spec in specs}
    decode_size = required_source_size(placements.values(), source.width, source.height, DRAFT_GAP)
    check_memory(source, decode_size, limits)
    # A JPEG's rows reach the first resample as they are decoded, unless a gravity must look at the picture first.
    decoded, decoded_scale, rows = start_decode(
        source,
        decode_size,
        streamed=not _looking(placements, specs, focal),
        luma_chroma=_as_planes(source, specs, placements, focal),
    )
    planar = decoded.mode == "YCbCr"
    reoriented = late_orientation(source, decoded)
    if reoriented is not source:  # a PNG whose EXIF came after its pixels: full decode, so only the boxes move
        source = reoriented
        placements = {spec.name: place(spec, source.width, source.height) for spec in specs}
    icc_profile = decoded.info.get("icc_profile")
    # The source's own bytes can stand for a variant only if its pixels are the variant's pixels as they are.
    plain_source = (
        source.frames == 1
        and not source.gain_map
        and decoded_scale == (1.0, 1.0)
        and decoded.mode in ("1", "L", "LA", "P", "RGB", "RGBA")
        and (icc_profile is None or is_srgb(icc_profile))
    )
    decoded = decoded if planar else to_resizable_mode(decoded)
    has_alpha = has_visible_alpha(decoded)
    placements, crop_scores = _with_gravity(placements, specs, source, decoded, focal)

    transpose = upright_transpose(source.orientation)
    stored_w, stored_h = decoded_source_size(source)
    # Everything is resampled in stored orientation; only the outputs are turned upright. The base's pixels
    # per source pixel are the decode's scale (a DCT-scaled JPEG's last row and column are partial).
    base: Image.Image | Planes = decoded
    base_scale = decoded_scale
    encoded: dict[tuple[str, OutputFormat], Future[_Output]] = {}
    for spec in sorted(specs, key=lambda s: placements[s.name].scale, reverse=True):
        placement = placements[spec.name]
        stored = in_stored_orientation(placement, source.orientation, source.width, source.height)
        if not _covers(base_scale, stored):  # a strip fitted down one axis only is no base for the other
            base, base_scale = decoded, decoded_scale
        pixels: Image.Image | Planes
        if isinstance(base, Image.Image) and not planar:
            pixels = _resample(base, stored, base_scale, rows)
        else:
            pixels = _resample_planes(base, stored, base_scale, transpose, rows)
        rows = None  # the first resample waited for the whole decode
        as_is = plain_source and transpose is None and placement.is_full_frame and pixels.size == decoded.size
        if isinstance(pixels, Planes):
            output: Image.Image | Planes = pixels  # sRGB (as _as_planes requires), merged by the worker
            embedded = None
        else:
            # The cascade stays in the source's colour space; each output is converted (or tagged) on its own,
            # here: LittleCMS transforms keep a cache that two threads must not share. Per pixel, so before
            # turning upright.
            output, embedded = for_output(pixels, icc_profile, spec.colorspace)
            output.info = {}  # the source's EXIF/ICC/XMP must not reach any encoder
        # Turning upright and encoding overlap the next resample, on a worker (one per format). Each encoder gets
        # its own image: Image.save keeps its options on the image (encoderinfo), so two threads saving one
        # image race, and a WebP can be written with the AVIF's quality.
        for index, output_format in enumerate(output_formats(spec, source.format, has_alpha)):
            encoded[(spec.name, output_format)] = executor().submit(
                _output,
                output if index == 0 or isinstance(output, Planes) else output.copy(),
                transpose,
                embedded,
                spec,
                output_format,
                has_alpha,
                source.data if as_is else None,
                source.format,
            )
        if placement.is_full_frame:
            # Later (smaller) variants derive from this one: cheaper than from the full decode. It covers the
            # whole source exactly, so its scale is the ratio of the sizes.
            base, base_scale = pixels, (pixels.width / stored_w, pixels.height / stored_h)
    rendered = {}
    for (name, output_format), future in encoded.items():
        encoding, (width, height), embedded = future.result()
        rendered[(name, output_format)] = RenderedVariant(
            spec_by_name[name],
            encoding.data,
            width,
            height,
            encoding.format,
            _profile_description(embedded),
            crop=_crop_box(placements[name]),
            crop_scores=crop_scores.get(name),
            quality=encoding.quality,
            score=encoding.score,
            source_kept=encoding.source_kept,
        )
    return source, rendered


class _Output(NamedTuple):
    encoding: Encoding
    size: tuple[int, int]  # upright
    embedded: bytes | None  # the ICC profile embedded (wide-gamut pixels kept), or None


def _output(
    pixels: Image.Image | Planes,
    transpose: Image.Transpose | None,
    embedded: bytes | None,
    spec: VariantSpec,
    output_format: OutputFormat,
    has_alpha: bool,
    source_data: bytes | None,
    source_format: str,
) -> _Output:
    """A variant's output pixels (stored orientation) turned upright and encoded."""
    if isinstance(pixels, Planes):
        upright = pixels.upright(transpose).merged()
    else:
        upright = pixels.transpose(transpose) if transpose is not None else pixels
    encoding = _encode_variant(upright, spec, output_format, has_alpha, embedded, source_data, source_format)
    return _Output(encoding, upright.size, embedded)


def _encode_variant(
    pixels: Image.Image,
    spec: VariantSpec,
    output_format: OutputFormat,
    has_alpha: bool,
    embedded: bytes | None,
    source_data: bytes | None,
    source_format: str,
) -> Encoding:
    """At the spec's quality, or (quality "auto") the smallest encoding at its perceptual target; with
    ``source_data`` (the source is these very pixels), the source's own bytes when nothing encodes smaller."""
    if spec.quality != "auto":
        fixed = equivalent_quality(output_format, spec.quality) if spec.formats else spec.quality
        return Encoding(encode(pixels, output_format, fixed, embedded), output_format, fixed, None)
    from image_resizer.imaging.quality import (
        search as quality,  # NumPy comes with it: only variants with quality "auto" pay the import
    )

    assert spec.quality_target is not None
    if spec.format == "best":
        lossless: tuple[OutputFormat, ...] = ("png", "webp") if quality.is_graphic(pixels, has_alpha) else ()
        chosen = quality.search(pixels, quality.lossy_candidates(has_alpha), spec.quality_target, embedded, lossless)
    elif output_format in ("png", "gif"):
        chosen = quality.search(pixels, (), spec.quality_target, embedded, (output_format,))
    else:
        chosen = quality.search(pixels, (output_format,), spec.quality_target, embedded)
    kept = stripped(source_data, source_format) if source_data is not None else None
    keeps_format = kept is not None and (
        kept[1] == output_format if spec.formats else spec.format in ("auto", "best", kept[1])
    )
    if kept is not None and keeps_format and len(kept[0]) < len(chosen.data):
        return Encoding(kept[0], kept[1], None, 100.0, source_kept=True)
    return chosen


def output_formats(spec: VariantSpec, source_format: str, has_alpha: bool) -> tuple[OutputFormat, ...]:
    """What a still variant is written as: each of its ``formats``, or the one its ``format`` chooses."""
    if spec.formats:
        return cast(tuple[OutputFormat, ...], spec.formats)
    return (choose_format(spec.format, source_format, has_alpha),)


def _crop_box(placement: Placement) -> tuple[int, int, int, int] | None:
    if placement.is_full_frame:
        return None
    left, top, right, bottom = placement.box
    return round(left), round(top), round(right), round(bottom)


def _with_gravity(
    placements: dict[str, Placement],
    specs: Sequence[VariantSpec],
    source: SourceImage,
    decoded: Image.Image,
    focal: tuple[float, float] | None,
) -> tuple[dict[str, Placement], dict[str, tuple[float, float]]]:
    """Cover crops moved to their gravity (the crop's size, and so the decode size, is the same anywhere), and
    for those an attention decision placed, the share of saliency in the chosen and in the centred box."""
    moving = _moving(placements, specs)
    scores: dict[str, tuple[float, float]] = {}
    if not moving:
        return placements, scores
    small = None
    if _looking(placements, specs, focal):  # the whole decode is there: start_decode was not streamed
        transpose = upright_transpose(source.orientation)
        small = small_rendering(decoded)
        small = small.transpose(transpose) if transpose is not None else small
    moved = dict(placements)
    for spec in moving:
        left, top, right, bottom = placements[spec.name].box
        window = ((right - left) / source.width, (bottom - top) / source.height)
        decision = decide(spec.gravity, small, window, focal)
        moved[spec.name] = place(spec, source.width, source.height, decision.anchor)
        if decision.score is not None and decision.centre_score is not None:
            scores[spec.name] = (decision.score, decision.centre_score)
    return moved, scores


def _moving(placements: dict[str, Placement], specs: Sequence[VariantSpec]) -> list[VariantSpec]:
    """The cover crops placed elsewhere than the centre."""
    return [s for s in specs if s.fit == "cover" and s.gravity != "centre" and not placements[s.name].is_full_frame]


def _looking(placements: dict[str, Placement], specs: Sequence[VariantSpec], focal: tuple[float, float] | None) -> bool:
    """Whether a cover crop's place depends on the pixels (attention, entropy, a focal gravity without a point):
    then the decode must be whole before the first crop is placed."""
    return any(looks_at_the_picture(s.gravity, focal) for s in _moving(placements, specs))


def _profile_description(embedded: bytes | None) -> str | None:
    if embedded is None:
        return None
    facts = read_profile(embedded)
    return (facts.description if facts else "") or "embedded"


def _as_planes(
    source: SourceImage,
    specs: Sequence[VariantSpec],
    placements: dict[str, Placement],
    focal: tuple[float, float] | None,
) -> bool:
    """Whether a Y'CbCr JPEG's variants can be resampled as luma and chroma planes (luma_chroma.py): each is a
    JPEG at a fixed quality (quality "auto" scores RGB pixels) and not a sliver, the source is sRGB (a colour
    conversion works on RGB) and no gravity has to look at the picture (it looks at RGB)."""
    icc_profile = source.image.info.get("icc_profile")
    return (
        source.format in ("JPEG", "MPO")
        and source.image.mode == "RGB"
        and luma_chroma.stored_as_ycbcr(source.image)
        and (not icc_profile or is_srgb(icc_profile))
        and not _looking(placements, specs, focal)
        and all(s.quality != "auto" and output_formats(s, source.format, False) == ("jpeg",) for s in specs)
        and all(min(p.width, p.height) >= _MIN_PLANAR_SIDE for p in placements.values())
    )


def _resample_planes(
    base: Image.Image | Planes,
    placement: Placement,
    base_scale: tuple[float, float],
    transpose: Image.Transpose | None,
    rows: DecodingRows | None,
) -> Planes:
    """:func:`_resample` for luma and chroma planes, chroma paired as the upright variant's encoder pairs it
    (``transpose``: how the variant is turned upright). ``base``: the YCbCr decode (``rows``: still under way),
    or an earlier variant's planes."""
    size = (placement.width, placement.height)
    box = _in_pixels(placement, base_scale)
    origin = luma_chroma.chroma_origin(size, transpose)
    if isinstance(base, Image.Image):
        if _in_strips(base, size, box):
            return luma_chroma.resample_decode(base, size, box, origin, rows)
        if rows is not None:
            rows.wait_all()
        base = luma_chroma.split(base)
    if size == base.size and box == (0, 0, *size) and origin == base.origin:
        return Planes(base.luma.copy(), base.cb.copy(), base.cr.copy(), origin)  # lone samples as they are
    cb, cr = (
        luma_chroma.resample_chroma(plane, base.origin, box, size, origin, _resample_box)
        for plane in (base.cb, base.cr)
    )
    return Planes(_resample_box(base.luma, size, box), cb, cr, origin)


def _covers(base_scale: tuple[float, float], placement: Placement) -> bool:
    left, top, right, bottom = placement.box
    return base_scale[0] * (right - left) >= placement.width and base_scale[1] * (bottom - top) >= placement.height


def decoded_source_size(source: SourceImage) -> tuple[int, int]:
    """The source's size in stored orientation."""
    return (source.height, source.width) if source.transposes else (source.width, source.height)


def _resample(
    base: Image.Image, placement: Placement, base_scale: tuple[float, float], rows: DecodingRows | None = None
) -> Image.Image:
    """``rows``: ``base`` is still being decoded; bands of the output are resampled as their rows arrive."""
    return _resample_box(base, (placement.width, placement.height), _in_pixels(placement, base_scale), rows)


def _in_pixels(placement: Placement, base_scale: tuple[float, float]) -> tuple[float, float, float, float]:
    """The placement's box in the pixels of a base with ``base_scale``."""
    left, top, right, bottom = placement.box
    return left * base_scale[0], top * base_scale[1], right * base_scale[0], bottom * base_scale[1]


def _resample_box(
    base: Image.Image, size: tuple[int, int], box: tuple[float, float, float, float], rows: DecodingRows | None = None
) -> Image.Image:
    if _in_strips(base, size, box):
        return _resample_in_strips(base, size, box, rows)
    if rows is not None:
        rows.wait_all()
    if size == base.size and box == (0, 0, base.width, base.height):
        return base.copy()
    # Pillow's integer pre-reduction aligns to its own grid, which strips would break: resize whole.
    box_pixels = (box[2] - box[0]) * (box[3] - box[1])
    gap = REDUCING_GAP if box_pixels >= _MIN_REDUCING_BOX_PIXELS else None
    return base.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=gap)


def _in_strips(base: Image.Image, size: tuple[int, int], box: tuple[float, float, float, float]) -> bool:
    """Large resamples without an integer pre-reduction run in bands: Pillow's pre-reduction aligns to its own
    grid, which bands would break."""
    reduces = (box[2] - box[0]) / size[0] >= 2 * REDUCING_GAP or (box[3] - box[1]) / size[1] >= 2 * REDUCING_GAP
    whole = size == base.size and box == (0, 0, base.width, base.height)
    return not whole and not reduces and size[0] * size[1] >= _MIN_STRIP_OUTPUT_PIXELS


def _resample_in_strips(
    base: Image.Image, size: tuple[int, int], box: tuple[float, float, float, float], rows: DecodingRows | None
) -> Image.Image:
    """The same LANCZOS resample, cut into bands (bands.py), each pasted by its lane: Pillow reads filter
    support beyond a band's box, so the bands join without seams (at most one level of rounding differs from a
    whole-image resample)."""
    width, height = size
    left, top, right, bottom = box
    row_scale = (bottom - top) / height
    edges = [round(height * i / STRIPS) for i in range(STRIPS + 1)]
    support = LANCZOS_SUPPORT * max(row_scale, 1.0)
    # Pillow resamples transparent pixels premultiplied, converting the whole source for every call: once here.
    premultiplied = _PREMULTIPLIED.get(base.mode)
    if premultiplied and rows is not None:
        rows.wait_all()  # the conversion reads every row
    source = base.convert(premultiplied) if premultiplied else base
    result = Image.new(source.mode, size, None)  # every pixel is pasted over: skip the fill

    def rows_needed(index: int) -> int:
        return min(base.height, math.ceil(top + edges[index + 1] * row_scale + support) + 1)

    def band(index: int) -> None:
        y0, y1 = edges[index], edges[index + 1]
        band_box = (left, top + y0 * row_scale, right, top + y1 * row_scale)
        result.paste(source.resize((width, y1 - y0), Image.Resampling.LANCZOS, box=band_box), (0, y0))

    run_bands(STRIPS, rows_needed, band, rows)
    return result.convert(base.mode) if premultiplied else result
