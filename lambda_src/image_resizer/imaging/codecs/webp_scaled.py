"""A still WebP decoded straight to a smaller size by libwebp's own scaler (its advanced decoding API, which
Pillow does not expose), so that a 12 MP WebP never exists at full size in memory: the scaler averages each
output pixel's area of the source row by row as the decoder produces them.

The library is the libwebp that Pillow itself loads (its wheel ships it beside the extension modules), found
by name; where it cannot be found, or says its ABI differs, or refuses the file, ``decode_scaled`` returns None
and the caller decodes through Pillow as before. The structures below are those of libwebp's decode.h for
decoder ABI 0x0209 (libwebp 1.0 onwards; the 'pad' fields keep their size fixed across releases).
"""

from __future__ import annotations

import ctypes
import functools
from pathlib import Path
from typing import Final

from PIL import Image

_DECODER_ABI: Final = 0x0209
_MODE_RGB: Final = 0
_MODE_RGBA: Final = 1
_STATUS_OK: Final = 0


class _Features(ctypes.Structure):
    _fields_ = [
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("has_alpha", ctypes.c_int),
        ("has_animation", ctypes.c_int),
        ("format", ctypes.c_int),
        ("pad", ctypes.c_uint32 * 5),
    ]


class _RGBABuffer(ctypes.Structure):
    _fields_ = [("rgba", ctypes.c_void_p), ("stride", ctypes.c_int), ("size", ctypes.c_size_t)]


class _YUVABuffer(ctypes.Structure):
    _fields_ = [
        *[(plane, ctypes.c_void_p) for plane in ("y", "u", "v", "a")],
        *[(f"{plane}_stride", ctypes.c_int) for plane in ("y", "u", "v", "a")],
        *[(f"{plane}_size", ctypes.c_size_t) for plane in ("y", "u", "v", "a")],
    ]


class _Planes(ctypes.Union):
    _fields_ = [("RGBA", _RGBABuffer), ("YUVA", _YUVABuffer)]


class _DecBuffer(ctypes.Structure):
    _fields_ = [
        ("colorspace", ctypes.c_int),
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("is_external_memory", ctypes.c_int),
        ("u", _Planes),
        ("pad", ctypes.c_uint32 * 4),
        ("private_memory", ctypes.c_void_p),
    ]


class _Options(ctypes.Structure):
    _fields_ = [
        *[
            (name, ctypes.c_int)
            for name in (
                "bypass_filtering",
                "no_fancy_upsampling",
                "use_cropping",
                "crop_left",
                "crop_top",
                "crop_width",
                "crop_height",
                "use_scaling",
                "scaled_width",
                "scaled_height",
                "use_threads",
                "dithering_strength",
                "flip",
                "alpha_dithering_strength",
            )
        ],
        ("pad", ctypes.c_uint32 * 5),
    ]


class _Config(ctypes.Structure):
    _fields_ = [("input", _Features), ("output", _DecBuffer), ("options", _Options)]


@functools.cache
def _library() -> ctypes.CDLL | None:
    import ctypes.util  # on first use: it costs a cold start 6 ms

    import PIL

    bundled = Path(PIL.__file__).resolve().parent.parent / "pillow.libs"
    candidates = [str(path) for path in sorted(bundled.glob("libwebp-*.so*"))]
    system = ctypes.util.find_library("webp")
    candidates += [system] if system else []
    for candidate in candidates:
        try:
            library = ctypes.CDLL(candidate)
            library.WebPInitDecoderConfigInternal.argtypes = [ctypes.POINTER(_Config), ctypes.c_int]
            library.WebPGetFeaturesInternal.argtypes = [
                ctypes.c_char_p,
                ctypes.c_size_t,
                ctypes.POINTER(_Features),
                ctypes.c_int,
            ]
            library.WebPDecode.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(_Config)]
        except (OSError, AttributeError):
            continue
        return library
    return None


def available() -> bool:
    return _library() is not None


def decode_scaled(data: bytes, size: tuple[int, int], alpha: bool) -> Image.Image | None:
    """``data`` (a still WebP) decoded at ``size``, as RGBA with ``alpha``, else RGB; None where libwebp cannot
    do it here (the caller then decodes through Pillow)."""
    library = _library()
    if library is None:
        return None
    config = _Config()
    if not library.WebPInitDecoderConfigInternal(ctypes.byref(config), _DECODER_ABI):
        return None
    if library.WebPGetFeaturesInternal(data, len(data), ctypes.byref(config.input), _DECODER_ABI) != _STATUS_OK:
        return None
    if config.input.has_animation:
        return None
    width, height = size
    channels = 4 if alpha else 3
    pixels = bytearray(width * height * channels)
    view = (ctypes.c_char * len(pixels)).from_buffer(pixels)
    config.options.use_scaling = 1
    config.options.scaled_width, config.options.scaled_height = width, height
    config.output.colorspace = _MODE_RGBA if alpha else _MODE_RGB
    config.output.is_external_memory = 1
    config.output.u.RGBA.rgba = ctypes.addressof(view)
    config.output.u.RGBA.stride = width * channels
    config.output.u.RGBA.size = len(pixels)
    status = library.WebPDecode(data, len(data), ctypes.byref(config))
    del view  # release the export so that the bytearray can be handed over
    if status != _STATUS_OK:
        return None
    return Image.frombuffer("RGBA" if alpha else "RGB", size, pixels, "raw", "RGBA" if alpha else "RGB", 0, 1)
