"""Encoders: deterministic bytes, no metadata (EXIF, GPS, XMP dropped; an ICC profile only for wide gamut)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Final, Literal, cast

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
class Encoding:
    """One encoded variant and how it was reached."""

    data: bytes
    format: OutputFormat
    quality: int | None  # None: lossless, or the source's own bytes
    score: float | None = None  # SSIMULACRA 2 against the variant's pixels (quality "auto" only)
    lossless: bool = False
    source_kept: bool = False


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
    *,
    lossless: bool = False,
    progressive: bool = False,
    full_chroma: bool = False,
) -> bytes:
    """``icc_profile`` is embedded when given (wide-gamut pixels); otherwise the pixels are sRGB, untagged.
    ``lossless`` applies to WebP, ``progressive`` (the same pixels, entropy-coded in scans) to JPEG, and
    ``full_chroma`` (4:4:4 rather than 4:2:0) to JPEG and AVIF."""
    # Pillow's encoders fall back to image.info for ICC/EXIF/XMP: encode a view without the source's metadata.
    image = image.copy() if image.info else image
    image.info = {}
    buffer = io.BytesIO()
    profile: dict[str, bytes] = {"icc_profile": icc_profile} if icc_profile else {}
    if output_format == "jpeg":
        # Baseline with optimised Huffman tables: progressive saves a few percent but costs 2-4x the encode time.
        subsampling = 0 if full_chroma else -1
        flatten(image).save(
            buffer, "JPEG", quality=quality, optimize=True, progressive=progressive, subsampling=subsampling, **profile
        )
    elif output_format == "png":
        image.save(buffer, "PNG", compress_level=4, **profile)  # zlib-ng: level-6 size at a third of the time
    elif output_format == "webp":
        image.save(buffer, "WEBP", quality=quality, method=4, lossless=lossless, **profile)
    elif output_format == "gif":
        image.save(buffer, "GIF", optimize=True)
    else:
        chroma = "4:4:4" if full_chroma else "4:2:0"
        image.save(buffer, "AVIF", quality=quality, speed=8, max_threads=1, subsampling=chroma, **profile)
    return buffer.getvalue()


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
        # Key frames as rarely as libwebp allows (as libvips writes them): smaller and faster to encode.
        first.save(
            buffer, "WEBP", quality=quality, method=4, kmin=_KEY_FRAMES_MIN, kmax=_KEY_FRAMES_MAX, **common, **profile
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


def _gif_frame(frame: Image.Image) -> Image.Image:
    """255 colours for the picture and index 255 for pixels under half opacity (GIF has 1-bit alpha)."""
    rgba = frame.convert("RGBA")
    paletted = rgba.convert("RGB").quantize(colors=255, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    clear = rgba.getchannel("A").point(lambda alpha: 255 if alpha < 128 else 0)
    paletted.paste(_GIF_TRANSPARENT, mask=clear)
    return paletted


def flatten(image: Image.Image) -> Image.Image:
    """JPEG has no alpha: composite onto white rather than letting transparent pixels turn black."""
    if image.mode not in ("LA", "RGBA"):
        return image
    background = Image.new(
        image.mode[:-1], image.size, _ALPHA_BACKGROUND[0] if image.mode == "LA" else _ALPHA_BACKGROUND
    )
    background.paste(image, mask=image.getchannel("A"))
    return background
