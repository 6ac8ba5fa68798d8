"""Pixel-format and colour handling: every decoded image becomes 8-bit L/LA/RGB/RGBA (or CMYK until the
colour transform), and every output is sRGB."""

from __future__ import annotations

import functools
import io
from typing import TYPE_CHECKING, Final, cast

from PIL import Image

from image_resizer.imaging.icc import compact_profile, is_srgb, read_profile

if TYPE_CHECKING:
    from PIL import ImageCms

_RESIZABLE_MODES: Final = frozenset({"L", "LA", "RGB", "RGBA", "CMYK"})


def to_resizable_mode(image: Image.Image) -> Image.Image:
    """Convert exotic modes to one Pillow resizes well, keeping transparency and scaling 16-bit data."""
    mode = image.mode
    has_transparency_key = "transparency" in image.info
    if mode in _RESIZABLE_MODES and not (has_transparency_key and mode in ("L", "RGB")):
        return image
    if mode == "1":
        return image.convert("L")
    if mode in ("P", "PA"):
        return image.convert("RGBA" if has_transparency_key or mode == "PA" else "RGB")
    if mode == "L":
        return image.convert("LA")
    if mode == "RGB":
        return image.convert("RGBA")
    if mode.startswith("I;16") or mode == "I":
        return _scale_high_bit_depth(image)
    if mode == "F":
        return image.point(lambda value: value * 255).convert("L")
    if mode in ("La", "LAB", "HSV", "YCbCr", "RGBX", "RGBa"):
        return image.convert({"La": "LA", "RGBa": "RGBA"}.get(mode, "RGB"))
    return image.convert("RGBA" if "A" in mode else "RGB")


def _scale_high_bit_depth(image: Image.Image) -> Image.Image:
    # 16-bit samples scaled to 8 bits (0..65535 -> 0..255); Pillow's own convert("L") would clip them.
    wide = image if image.mode == "I" else image.convert("I")
    _, high = cast(tuple[int, int], wide.getextrema())
    divisor = 257 if high > 255 else 1
    return wide.point(lambda value: value / divisor).convert("L")


def has_visible_alpha(image: Image.Image) -> bool:
    if image.mode not in ("LA", "RGBA"):
        return False
    low, _ = cast(tuple[int, int], image.getchannel("A").getextrema())
    return bool(low < 255)


def to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Convert to sRGB through the embedded profile, with the perceptual intent, unless the profile's content is
    sRGB already; CMYK always ends RGB, grey stays grey. A broken profile is ignored, as browsers do."""
    if image.mode == "CMYK" or (icc_profile and needs_conversion(icc_profile)):
        if image.mode in ("L", "LA"):
            return _grey_to_srgb(image, icc_profile or b"")
        transform = _transform_to_srgb(icc_profile, image.mode) if icc_profile else None
        if transform is not None:
            return transform.apply(image)
    if image.mode == "CMYK":
        return image.convert("RGB")  # no usable profile: the naive inversion, as browsers do
    return image


def for_output(image: Image.Image, icc_profile: bytes | None, colorspace: str) -> tuple[Image.Image, bytes | None]:
    """The pixels an encoder gets, and the profile to embed (None: the pixels are sRGB).

    ``keep`` keeps an RGB matrix/TRC source's own pixels and embeds a compact copy of its profile; everything
    else (sRGB sources, LUT-based, grey and CMYK profiles) is converted as for ``srgb``."""
    if colorspace == "keep" and icc_profile and image.mode in ("RGB", "RGBA") and needs_conversion(icc_profile):
        embedded = _compact(icc_profile)
        if embedded is not None:
            return image, embedded
    return to_srgb(image, icc_profile), None


@functools.lru_cache(maxsize=16)
def _compact(icc_profile: bytes) -> bytes | None:
    facts = read_profile(icc_profile)
    if facts is None or facts.colour_space != "RGB" or not facts.is_matrix_trc:
        return None
    return compact_profile(facts)


@functools.lru_cache(maxsize=16)
def needs_conversion(icc_profile: bytes) -> bool:
    return not is_srgb(icc_profile)


def _grey_to_srgb(image: Image.Image, icc_profile: bytes) -> Image.Image:
    transform = _transform_to_srgb(icc_profile, "L")
    if transform is None:
        return image
    grey = image.getchannel("L") if image.mode == "LA" else image
    converted = transform.apply(grey).convert("L")  # neutral: R = G = B
    if image.mode == "LA":
        converted = Image.merge("LA", (converted, image.getchannel("A")))
    return converted


@functools.lru_cache(maxsize=16)
def _transform_to_srgb(icc_profile: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    """Transforms are costly to build and profiles repeat (one camera, one app): cache them per warm Lambda.
    LittleCMS is loaded here, on the first profile to convert: sRGB and untagged sources never need it."""
    from PIL import ImageCms

    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        out_mode = "RGB" if mode in ("CMYK", "L") else mode
        return ImageCms.buildTransform(
            profile,
            ImageCms.createProfile("sRGB"),
            mode,
            out_mode,
            renderingIntent=ImageCms.Intent.PERCEPTUAL,
            # LittleCMS caches the last pixel in the transform unless told not to; animation frames are converted
            # on two threads at once, and its documentation requires NOCACHE for that (the values are the same).
            flags=ImageCms.Flags.BLACKPOINTCOMPENSATION | ImageCms.Flags.NOCACHE,
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None  # A broken or mismatched profile is ignored, as browsers do.
