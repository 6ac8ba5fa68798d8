"""JPEG variants of a JPEG, resampled the way a JPEG holds its pixels: luma (Y') at the variant's size, the two
chroma planes (Cb, Cr) at half of it, which is all a 4:2:0 encoder keeps of them.

libjpeg then neither converts the decode to RGB nor the variant back, and LANCZOS reads one grey plane and two
quarter-size ones instead of three full RGB ones: the 16 MP bench photo's 1600 px variant, in bands, costs 52
ms of CPU rather than 66. Resampling is linear and Y'CbCr is an affine function of R'G'B', so the luma is the
RGB resample's but for rounding; chroma is box-reduced to its stored resolution first (libjpeg upsampled it
for the decode) and resampled once, straight to the encoder's grid, where the RGB route resamples it at full
size and the encoder then averages each 2x2 block.

Chroma sample k stands for luma pixels 2k and 2k + 1 of the upright variant, as the encoder pairs them, so
chroma is at half the luma's scale. Along an odd side one pixel is alone (the encoder pairs it with a copy of
itself): the last one, or, where turning the variant upright reverses that side, the first one in stored
orientation (``Planes.origin``). Its sample is resampled on its own, centred on it with the others' reach; a
plane is extended by repeating its edge where that reach is past the source."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

from PIL import Image

from image_resizer.imaging.bands import LANCZOS_SUPPORT, STRIPS, run_bands
from image_resizer.imaging.codecs.jpeg_rows import DecodingRows

Box = tuple[float, float, float, float]
Resize = Callable[[Image.Image, tuple[int, int], Box], Image.Image]
# Which stored axes (x, y) a transposition reverses in the upright picture.
_REVERSED_AXES: dict[Image.Transpose | None, tuple[bool, bool]] = {
    None: (False, False),
    Image.Transpose.FLIP_LEFT_RIGHT: (True, False),
    Image.Transpose.FLIP_TOP_BOTTOM: (False, True),
    Image.Transpose.ROTATE_180: (True, True),
    Image.Transpose.ROTATE_90: (True, False),
    Image.Transpose.ROTATE_270: (False, True),
    Image.Transpose.TRANSPOSE: (False, False),
    Image.Transpose.TRANSVERSE: (True, True),
}


class Planes(NamedTuple):
    luma: Image.Image  # L
    cb: Image.Image  # L, half the luma's size, rounded up
    cr: Image.Image
    # Chroma sample u covers luma pixels 2u + origin and the next, per axis: 0, or -1 where the first luma
    # pixel is alone (an odd side that the upright variant reverses).
    origin: tuple[int, int] = (0, 0)

    @property
    def size(self) -> tuple[int, int]:
        return self.luma.size

    @property
    def width(self) -> int:
        return self.luma.width

    @property
    def height(self) -> int:
        return self.luma.height

    def merged(self) -> Image.Image:
        """The YCbCr image a JPEG encoder takes without conversion: each chroma sample over its 2x2 luma pixels,
        which the encoder's 4:2:0 downsampling (the mean of the four) turns back into that very sample."""
        width, height = self.luma.size
        doubled = (self.cb.width * 2, self.cb.height * 2)
        chroma = [plane.resize(doubled, Image.Resampling.NEAREST) for plane in (self.cb, self.cr)]
        if doubled != (width, height):
            left, top = -self.origin[0], -self.origin[1]
            chroma = [plane.crop((left, top, left + width, top + height)) for plane in chroma]
        return Image.merge("YCbCr", (self.luma, *chroma))

    def upright(self, transpose: Image.Transpose | None) -> Planes:
        """The planes turned upright, each on its own (a third of the bytes of the merged image); their pairs
        then start at the upright picture's edges, as ``chroma_origin(size, transpose)`` arranged them to."""
        if transpose is None:
            return self
        return Planes(self.luma.transpose(transpose), self.cb.transpose(transpose), self.cr.transpose(transpose))


def stored_as_ycbcr(image: Image.Image) -> bool:
    """Whether libjpeg takes this three-component JPEG for Y'CbCr: it then decodes to YCbCr as it is, where an
    RGB-coded one cannot be decoded to YCbCr at all. libjpeg's own rule (``default_decompress_parms`` in
    jdapimin.c): a JFIF marker means Y'CbCr; else an Adobe marker's transform 0 means RGB; else component ids
    'R', 'G', 'B' do."""
    if "jfif" in image.info:
        return True
    if "adobe_transform" in image.info:
        return bool(image.info["adobe_transform"])
    return [layer[0] for layer in getattr(image, "layer", [])] != [ord("R"), ord("G"), ord("B")]


def chroma_size(size: tuple[int, int]) -> tuple[int, int]:
    return (size[0] + 1) // 2, (size[1] + 1) // 2


def chroma_origin(size: tuple[int, int], transpose: Image.Transpose | None) -> tuple[int, int]:
    """The chroma origin (see ``Planes``) of a variant of ``size`` (stored orientation) turned upright by
    ``transpose``."""
    reversed_axes = _REVERSED_AXES[transpose]
    return (-1 if reversed_axes[0] and size[0] % 2 else 0, -1 if reversed_axes[1] and size[1] % 2 else 0)


class _Run(NamedTuple):
    """Chroma samples ``first`` to ``first + samples`` along one axis, equally spaced over [start, end)."""

    first: int
    samples: int
    start: float
    end: float

    def clipped(self, low: int, high: int) -> _Run | None:
        """The part of this run between samples ``low`` and ``high``."""
        first, last = max(self.first, low), min(self.first + self.samples, high)
        if first >= last:
            return None
        step = (self.end - self.start) / self.samples
        start = self.start + (first - self.first) * step
        return _Run(first, last - first, start, start + (last - first) * step)


def _runs(start: float, end: float, size: int, origin: int) -> list[_Run]:
    """Along one axis, the chroma samples of ``size`` luma pixels resampled from [start, end): the pairs, and
    along an odd side the lone pixel's sample, as wide as the others and centred on its pixel."""
    step = (end - start) / size
    count = (size + 1) // 2
    if size % 2 == 0:
        return [_Run(0, count, start, end)]
    if origin:
        lone = _Run(0, 1, start - 0.5 * step, start + 1.5 * step)
        return [lone] + ([_Run(1, count - 1, start + step, end)] if count > 1 else [])
    lone = _Run(count - 1, 1, end - 1.5 * step, end + 0.5 * step)
    return ([_Run(0, count - 1, start, end - step)] if count > 1 else []) + [lone]


def resample_chroma(
    plane: Image.Image,
    plane_origin: tuple[float, float],
    box: Box,
    size: tuple[int, int],
    origin: tuple[int, int],
    resize: Resize,
    rows: tuple[int, int] | None = None,
) -> Image.Image:
    """The chroma ``plane`` resampled for an output of luma ``size`` from ``box``; ``box`` and ``plane_origin``
    (where the plane's first sample starts) in the luma pixels of the base. ``rows``: only these chroma rows."""
    width, height = chroma_size(size)
    low, high = rows or (0, height)
    chroma = Image.new("L", (width, high - low), None)  # every pixel is pasted over: skip the fill
    for across in _runs(box[0], box[2], size[0], origin[0]):
        for run in _runs(box[1], box[3], size[1], origin[1]):
            down = run.clipped(low, high)
            if down is None:
                continue
            region = (
                (across.start - plane_origin[0]) / 2,
                (down.start - plane_origin[1]) / 2,
                (across.end - plane_origin[0]) / 2,
                (down.end - plane_origin[1]) / 2,
            )
            grown, grown_region = extended(plane, region)
            chroma.paste(resize(grown, (across.samples, down.samples), grown_region), (across.first, down.first - low))
    return chroma


def extended(plane: Image.Image, box: Box) -> tuple[Image.Image, Box]:
    """``plane`` with its edge pixels repeated as far as ``box`` (plane pixels) reaches past them, and ``box``
    in the pixels of the result."""
    left, top = max(0, math.ceil(-box[0])), max(0, math.ceil(-box[1]))
    right, bottom = max(0, math.ceil(box[2]) - plane.width), max(0, math.ceil(box[3]) - plane.height)
    if not (left or top or right or bottom):
        return plane, box
    width, height = plane.size
    grown = Image.new("L", (left + width + right, top + height + bottom), None)
    grown.paste(plane, (left, top))
    nearest = Image.Resampling.NEAREST
    if left:
        grown.paste(plane.crop((0, 0, 1, height)).resize((left, height), nearest), (0, top))
    if right:
        grown.paste(plane.crop((width - 1, 0, width, height)).resize((right, height), nearest), (left + width, top))
    if top:
        grown.paste(grown.crop((0, top, grown.width, top + 1)).resize((grown.width, top), nearest), (0, 0))
    if bottom:
        edge = grown.crop((0, top + height - 1, grown.width, top + height))
        grown.paste(edge.resize((grown.width, bottom), nearest), (0, top + height))
    return grown, (box[0] + left, box[1] + top, box[2] + left, box[3] + top)


def split(decoded: Image.Image) -> Planes:
    """A whole YCbCr decode as planes, chroma at its stored (half) resolution."""
    luma, cb, cr = _planes_of(decoded)
    return Planes(luma, cb.reduce(2), cr.reduce(2))


def _planes_of(image: Image.Image) -> tuple[Image.Image, Image.Image, Image.Image]:
    # Pillow's split() took 5 ms for a 4 MP decode where three getchannel() calls take 2.7.
    return image.getchannel(0), image.getchannel(1), image.getchannel(2)


def resample_decode(
    decoded: Image.Image, size: tuple[int, int], box: Box, origin: tuple[int, int], rows: DecodingRows | None
) -> Planes:
    """A YCbCr decode (``rows``: still under way) resampled to ``size`` from ``box`` (decoded pixels), in bands
    (bands.py). Each band splits only the rows it reads, from an even row so that its 2x2 chroma reduction is
    the whole plane's; bands join without seams, as render's RGB bands do."""
    width, height = size
    chroma_width, chroma_height = chroma_size(size)
    left, top, right, bottom = box
    row_scale = (bottom - top) / height  # decoded rows per luma row; reduced chroma rows per chroma row
    edges = [2 * round(height * i / (2 * STRIPS)) for i in range(STRIPS)] + [height]
    chroma_edges = [edge // 2 for edge in edges[:-1]] + [chroma_height]
    luma_support = LANCZOS_SUPPORT * max(row_scale, 1.0)
    chroma_support = 2 * LANCZOS_SUPPORT * max(row_scale, 1.0)  # in decoded rows
    planes = Planes(
        Image.new("L", size, None),  # every pixel is pasted over: skip the fill
        Image.new("L", (chroma_width, chroma_height), None),
        Image.new("L", (chroma_width, chroma_height), None),
        origin,
    )

    def span(index: int) -> tuple[int, int]:
        """The decoded rows band ``index`` reads: from an even row, and an even count unless it ends the picture,
        so that its 2x2 chroma reduction is the whole plane's."""
        first = min(
            top + edges[index] * row_scale - luma_support,
            top + (2 * chroma_edges[index] + origin[1] - 0.5) * row_scale - chroma_support,
        )
        last = max(
            top + edges[index + 1] * row_scale + luma_support,
            top + (2 * chroma_edges[index + 1] + origin[1] + 0.5) * row_scale + chroma_support,
        )
        start = max(0, (math.floor(first) - 1) // 2 * 2)
        end = min(decoded.height, math.ceil(last) + 2)
        return start, (end + (end - start) % 2 if end < decoded.height else end)

    def band(index: int) -> None:
        start, end = span(index)
        luma, cb, cr = _planes_of(decoded.crop((0, start, decoded.width, end)))
        y0, y1 = edges[index], edges[index + 1]
        if y1 > y0:
            luma_box = (left, top + y0 * row_scale - start, right, min(top + y1 * row_scale, bottom) - start)
            planes.luma.paste(luma.resize((width, y1 - y0), Image.Resampling.LANCZOS, box=luma_box), (0, y0))
        c0, c1 = chroma_edges[index], chroma_edges[index + 1]
        if c1 > c0:
            for plane, target in ((cb, planes.cb), (cr, planes.cr)):
                resampled = resample_chroma(plane.reduce(2), (0, start), box, size, origin, _lanczos, (c0, c1))
                target.paste(resampled, (0, c0))

    run_bands(STRIPS, lambda index: span(index)[1], band, rows)
    return planes


def _lanczos(image: Image.Image, size: tuple[int, int], box: Box) -> Image.Image:
    return image.resize(size, Image.Resampling.LANCZOS, box=box)
