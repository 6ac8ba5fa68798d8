"""Encoders: deterministic bytes, no metadata (EXIF, GPS, XMP dropped; an ICC profile only for wide gamut)."""

from __future__ import annotations

import io
import os
import zlib
from dataclasses import dataclass
from typing import Any, Final, Literal, cast

from PIL import Image

OutputFormat = Literal["jpeg", "png", "webp", "avif", "gif"]

EXTENSIONS: Final[dict[OutputFormat, str]] = {
    "jpeg": "jpg",
    "png": "png",
    "webp": "webp",
    "avif": "avif",
    "gif": "gif",
}
CONTENT_TYPES: Final[dict[OutputFormat, str]] = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "avif": "image/avif",
    "gif": "image/gif",
}
# What `auto` can write (GIF only when asked for, with animation: keep).
AUTO_OUTPUTS: Final[tuple[OutputFormat, ...]] = ("jpeg", "png", "webp", "avif")
# Sources whose format `auto` keeps; everything else becomes JPEG, or PNG when it has transparency.
_KEPT_FORMATS: Final[dict[str, OutputFormat]] = {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp", "AVIF": "avif"}
_ALPHA_BACKGROUND: Final = (255, 255, 255)


@dataclass(frozen=True, slots=True)
class Tuning:
    """What quality "auto" may change besides the quality number; the defaults are the fixed-quality encoders."""

    lossless: bool = False  # WebP (PNG always is)
    progressive: bool = False  # JPEG: the same pixels, entropy-coded in scans
    full_chroma: bool = False  # JPEG and AVIF: 4:4:4 rather than 4:2:0
    perceptual_tables: bool = False  # JPEG: N. Robidoux's quantisation tables rather than the JPEG spec's Annex K
    avif_speed: int = 8  # libavif's speed, 0-10: lower is slower and smaller


@dataclass(frozen=True, slots=True)
class Encoding:
    """One encoded variant and how it was reached."""

    data: bytes
    format: OutputFormat
    quality: int | None  # None: lossless, or the source's own bytes
    score: float | None = None  # SSIMULACRA 2 against the variant's pixels (quality "auto" only)
    tuning: Tuning = Tuning()
    source_kept: bool = False

    @property
    def lossless(self) -> bool:
        return self.tuning.lossless


# N. Robidoux's table (published on the ImageMagick forum in 2012; mozjpeg's default), for luma and chroma
# alike: coarser than Annex K where the eye is least sensitive. At equal SSIMULACRA 2 (78) with 4:2:0 it took
# a median 0.92x the bytes of Annex K at 4:4:4 on 14 bench and corpus renditions (measured while choosing).
_ROBIDOUX: Final = (
    16, 16, 16, 18, 25, 37, 56, 85,
    16, 17, 20, 27, 34, 40, 53, 75,
    16, 20, 24, 31, 43, 62, 91, 135,
    18, 27, 31, 40, 53, 74, 106, 156,
    25, 34, 43, 53, 69, 94, 131, 189,
    37, 40, 62, 74, 94, 124, 169, 238,
    56, 53, 91, 106, 131, 169, 226, 311,
    85, 75, 135, 156, 189, 238, 311, 418,
)  # fmt: skip


def perceptual_tables(quality: int) -> list[list[int]]:
    """The table scaled by libjpeg's quality curve (as cjpeg -quality does) and kept to baseline's 8 bits."""
    scale = 5000 / quality if quality < 50 else 200 - 2 * quality
    table = [min(255, max(1, int((value * scale + 50) // 100))) for value in _ROBIDOUX]
    return [table, table]


# A variant written in several formats (``formats``) at a fixed quality: the number is JPEG's, and each other
# format is encoded at the quality that scores alike (SSIMULACRA 2) on a photograph. At JPEG 82 the bench photos'
# 800 px renditions need WebP 84-93 (median 86) and AVIF 67-74 (median 69) to score as well
# (benchmarks/bench_formats.py); further from 82, each format moves by its own quality steps per point of score
# (quality/search.py's: JPEG 2, WebP 1.5, AVIF 2).
_EQUAL_AT_JPEG_82: Final[dict[OutputFormat, int]] = {"jpeg": 82, "png": 82, "webp": 86, "avif": 69}
_STEPS_PER_JPEG_STEP: Final[dict[OutputFormat, float]] = {"jpeg": 1.0, "png": 1.0, "webp": 0.75, "avif": 1.0}


def equivalent_quality(output_format: OutputFormat, jpeg_quality: int) -> int:
    """The quality at which ``output_format`` scores about as JPEG does at ``jpeg_quality`` (PNG: lossless)."""
    moved = _EQUAL_AT_JPEG_82[output_format] + _STEPS_PER_JPEG_STEP[output_format] * (jpeg_quality - 82)
    return max(1, min(100, int(moved + 0.5)))


def choose_format(requested: str, source_format: str, has_alpha: bool) -> OutputFormat:
    if requested not in ("auto", "best"):  # "best" is decided by quality.search; this is its fallback
        return requested  # type: ignore[return-value]
    kept = _KEPT_FORMATS.get(source_format)
    if kept is not None:
        return kept
    return "png" if has_alpha else "jpeg"


def encode(
    image: Image.Image,
    output_format: OutputFormat,
    quality: int,
    icc_profile: bytes | None = None,
    tuning: Tuning = Tuning(),
) -> bytes:
    """``icc_profile`` is embedded when given (wide-gamut pixels); otherwise the pixels are sRGB, untagged."""
    # Pillow's encoders fall back to image.info for ICC/EXIF/XMP: encode a view without the source's metadata.
    image = image.copy() if image.info else image
    image.info = {}
    buffer = io.BytesIO()
    profile: dict[str, bytes] = {"icc_profile": icc_profile} if icc_profile else {}
    if output_format == "jpeg":
        # Baseline with optimised Huffman tables: progressive saves a few percent but costs 2-4x the encode time.
        scale: dict[str, Any] = (
            {"qtables": perceptual_tables(quality)} if tuning.perceptual_tables else {"quality": quality}
        )
        subsampling = 0 if tuning.full_chroma else -1
        return _without_the_gil(
            flatten(image),
            "JPEG",
            optimize=True,
            progressive=tuning.progressive,
            subsampling=subsampling,
            **scale,
            **profile,
        )
    elif output_format == "png":
        image.save(buffer, "PNG", compress_level=4, compress_type=_png_strategy(image), **profile)
    elif output_format == "webp":
        image.save(buffer, "WEBP", quality=quality, method=4, lossless=tuning.lossless, **profile)
    elif output_format == "gif":
        image.save(buffer, "GIF", optimize=True)
    else:
        from PIL import AvifImagePlugin  # noqa: F401  (registers its encoder; else Pillow loads every plugin)

        chroma = "4:4:4" if tuning.full_chroma else "4:2:0"
        image.save(
            buffer, "AVIF", quality=quality, speed=tuning.avif_speed, max_threads=1, subsampling=chroma, **profile
        )
    return buffer.getvalue()


def _without_the_gil(image: Image.Image, output_format: str, **params: Any) -> bytes:
    """Pillow encodes into a Python buffer holding the GIL for the whole call (encode.c's ``_encode``; a JPEG
    with optimised tables is one call, 9 ms at 1600 px, in which no other thread starts a resample), and into a
    file descriptor without it (``encode_to_file``). An anonymous in-memory file gives it a descriptor where
    the system has them (Linux, so Lambda)."""
    try:
        descriptor = os.memfd_create("variant", os.MFD_CLOEXEC)
    except (AttributeError, OSError):  # other systems, or no memfd: the same bytes, the GIL held
        buffer = io.BytesIO()
        image.save(buffer, output_format, **params)
        return buffer.getvalue()
    with open(descriptor, "w+b") as file:
        image.save(file, output_format, **params)
        file.flush()
        return os.pread(descriptor, os.fstat(descriptor).st_size, 0)


def encode_animation(
    frames: list[Image.Image],
    durations: list[int],
    loop: int,
    output_format: OutputFormat,
    quality: int,
    icc_profile: bytes | None = None,
) -> bytes:
    """An animated WebP (or GIF) with the source's per-frame durations and loop count; a single frame is
    written as a still."""
    buffer = io.BytesIO()
    first, rest = frames[0], frames[1:]
    for frame in frames:
        frame.info = {}
    common: dict[str, object] = {"save_all": bool(rest), "append_images": rest, "duration": durations, "loop": loop}
    if output_format == "gif":
        paletted = [_gif_frame(frame) for frame in frames]
        common["append_images"] = paletted[1:]
        # Each frame is whole (disposal 2 clears it): no frame relies on what the one before left behind.
        paletted[0].save(buffer, "GIF", optimize=True, disposal=2, transparency=_GIF_TRANSPARENT, **common)
    else:
        profile = {"icc_profile": icc_profile} if icc_profile else {}
        # Key frames as rarely as libwebp allows (as libvips writes them): smaller and faster to encode. Effort
        # 5 rather than the stills' 4: 1-3% fewer bytes for no measurable time. Frames go in as RGB(A); libvips
        # imports them as YUV 4:2:0 first, which saves it 1-3% by subsampling chroma twice (benchmarks/
        # bench_animation.py, "YUV step"): we keep that chroma.
        first.save(
            buffer,
            "WEBP",
            quality=quality,
            method=_ANIMATION_EFFORT,
            kmin=_KEY_FRAMES_MIN,
            kmax=_KEY_FRAMES_MAX,
            **common,
            **profile,
        )
        if any(_has_alpha(frame) for frame in frames):
            return mark_webp_alpha(buffer.getvalue())
    return buffer.getvalue()


def mark_webp_alpha(data: bytes) -> bytes:
    """Set the VP8X header's alpha flag, which Pillow leaves clear on animations: the WebP container spec says
    it is "set if any of the frames of the image contain transparency", and readers (Pillow among them) trust
    it to decide whether the animation has an alpha channel at all."""
    if data[12:16] != b"VP8X":
        return data
    return data[:20] + bytes([data[20] | 0x10]) + data[21:]


def _has_alpha(frame: Image.Image) -> bool:
    if frame.mode not in ("RGBA", "LA"):
        return False
    low, _ = cast(tuple[int, int], frame.getchannel("A").getextrema())
    return low < 255


_GIF_TRANSPARENT: Final = 255
_KEY_FRAMES_MIN, _KEY_FRAMES_MAX = 2**31 - 2, 2**31 - 1
_ANIMATION_EFFORT: Final = 5


def _gif_frame(frame: Image.Image) -> Image.Image:
    """255 colours for the picture and index 255 for pixels under half opacity (GIF has 1-bit alpha)."""
    rgba = frame.convert("RGBA")
    paletted = rgba.convert("RGB").quantize(colors=255, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    clear = rgba.getchannel("A").point(lambda alpha: 255 if alpha < 128 else 0)
    paletted.paste(_GIF_TRANSPARENT, mask=clear)
    return paletted


# zlib-ng at level 4: level 6's size at a third of the time. Photographic pixels (more than 256 colours) gain
# nothing from deflate's long matches after PNG's filters: run-length matching alone wrote a 1600 px RGBA photo
# 2% smaller in half the time (134 against 268 ms); graphics keep the full search, which finds their repeats.
_PALETTE_SIZED: Final = 256


def _png_strategy(image: Image.Image) -> int:
    return zlib.Z_DEFAULT_STRATEGY if image.getcolors(_PALETTE_SIZED) is not None else zlib.Z_RLE


def flatten(image: Image.Image) -> Image.Image:
    """JPEG has no alpha: composite onto white rather than letting transparent pixels turn black."""
    if image.mode not in ("LA", "RGBA"):
        return image
    background = Image.new(
        image.mode[:-1], image.size, _ALPHA_BACKGROUND[0] if image.mode == "LA" else _ALPHA_BACKGROUND
    )
    background.paste(image, mask=image.getchannel("A"))
    return background
