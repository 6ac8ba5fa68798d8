"""Encoders: deterministic bytes, no metadata (EXIF, GPS, XMP dropped; an ICC profile only for wide gamut)."""

from __future__ import annotations

import io
from typing import Final, Literal

from PIL import Image

OutputFormat = Literal["jpeg", "png", "webp", "avif"]

EXTENSIONS: Final[dict[OutputFormat, str]] = {"jpeg": "jpg", "png": "png", "webp": "webp", "avif": "avif"}
CONTENT_TYPES: Final[dict[OutputFormat, str]] = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "avif": "image/avif",
}
# Sources whose format `auto` keeps; everything else becomes JPEG, or PNG when it has transparency.
_KEPT_FORMATS: Final[dict[str, OutputFormat]] = {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp", "AVIF": "avif"}
_ALPHA_BACKGROUND: Final = (255, 255, 255)


def choose_format(requested: str, source_format: str, has_alpha: bool) -> OutputFormat:
    if requested != "auto":
        return requested  # type: ignore[return-value]
    kept = _KEPT_FORMATS.get(source_format)
    if kept is not None:
        return kept
    return "png" if has_alpha else "jpeg"


def encode(image: Image.Image, output_format: OutputFormat, quality: int, icc_profile: bytes | None = None) -> bytes:
    """``icc_profile`` is embedded when given (wide-gamut pixels); otherwise the pixels are sRGB, untagged."""
    # Pillow's encoders fall back to image.info for ICC/EXIF/XMP: encode a view without the source's metadata.
    image = image.copy() if image.info else image
    image.info = {}
    buffer = io.BytesIO()
    profile: dict[str, bytes] = {"icc_profile": icc_profile} if icc_profile else {}
    if output_format == "jpeg":
        # Baseline with optimised Huffman tables: progressive saves a few percent but costs 2-4x the encode time.
        _flatten(image).save(buffer, "JPEG", quality=quality, optimize=True, **profile)
    elif output_format == "png":
        image.save(buffer, "PNG", compress_level=4, **profile)  # zlib-ng: level-6 size at a third of the time
    elif output_format == "webp":
        image.save(buffer, "WEBP", quality=quality, method=4, **profile)
    else:
        image.save(buffer, "AVIF", quality=quality, speed=8, max_threads=1, **profile)
    return buffer.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """JPEG has no alpha: composite onto white rather than letting transparent pixels turn black."""
    if image.mode not in ("LA", "RGBA"):
        return image
    background = Image.new(
        image.mode[:-1], image.size, _ALPHA_BACKGROUND[0] if image.mode == "LA" else _ALPHA_BACKGROUND
    )
    background.paste(image, mask=image.getchannel("A"))
    return background
