"""The scale a JPEG is decoded at. libjpeg's scaled IDCT gives the picture at n/8 of its size for little more
than the cost of the entropy decoding, so the smallest scale that still covers what the variants need is taken."""

from __future__ import annotations

from typing import Final

from PIL import Image, ImageFile

# libjpeg's scaled IDCT pads partial 8x8 blocks at the borders; along an axis of a few dozen pixels those
# borders are the whole picture (a 997x13 strip drafted to a quarter measured 36.5 dB against a full decode).
# Keep at least this many pixels per axis after the DCT reduction.
MIN_DCT_SIDE: Final = 32


def draft(image: Image.Image, needed: tuple[int, int], luma_chroma: bool = False) -> float:
    """Set up ``image`` (opened, not loaded) to decode at the smallest DCT scale whose size covers ``needed``
    (stored orientation), and return that scale: 1, 1/2, 3/8, 1/4 or 1/8. ``luma_chroma``: a colour JPEG
    decodes to YCbCr, as libjpeg holds it, rather than RGB (luma_chroma.py)."""
    needed = (max(needed[0], MIN_DCT_SIDE), max(needed[1], MIN_DCT_SIDE))
    mode = "YCbCr" if luma_chroma else image.mode
    if _three_eighths(image, needed, mode):
        return 3 / 8
    stored_width = image.width
    drafted = image.draft(mode, needed)
    return 1.0 if drafted is None else 1 / round(stored_width / drafted[1][2])


def _three_eighths(image: Image.Image, needed: tuple[int, int], mode: str) -> bool:
    """Decode at 3/8 where that still covers ``needed`` and Pillow's draft() would take 1/2 (it knows 1/2, 1/4
    and 1/8; libjpeg scales by any n/8, and with Pillow's scale 3 its scaled IDCT gives 3/8). The resample after
    it then reads 0.56x the pixels: a 22 MP photo's 1600 px variant took 50 ms rather than 78; against a
    full-decode LANCZOS 49-51 dB rather than 52-53 on the bench photos, the same margin (render.DRAFT_GAP) kept.
    Set up as draft() sets up its own scales: the size, the one tile's extents, the decoder's scale and mode."""
    if not isinstance(image, ImageFile.ImageFile) or len(image.tile) != 1 or image.decoderconfig:
        return False
    width, height = image.size
    if not 2 <= min(width // needed[0], height // needed[1]) < 4:
        return False
    size = (-(-width * 3 // 8), -(-height * 3 // 8))  # libjpeg rounds up: jdiv_round_up(width * 3, 8)
    if size[0] < needed[0] or size[1] < needed[1]:
        return False
    decoder_name, _, offset, args = image.tile[0]
    if mode == "YCbCr" and isinstance(args, tuple) and args[0] == "RGB":  # as draft() turns RGB into YCbCr
        image._mode = mode
        args = (mode, "")
    image._size = size
    image.tile = [ImageFile._Tile(decoder_name, (0, 0, *size), offset, args)]
    image.decoderconfig = (3, 0)
    return True
