"""A still 8-bit RGB or RGBA PNG decoded by libspng as it arrives: Pillow's pixels in about 0.6x the time of
Pillow's decoder (inflate and unfiltering are most of a photographic PNG's render), in the same memory.

The library is the libspng inside the pyspng wheel, whose extension module exports libspng's C API: loaded with
ctypes, so neither pyspng's Python module nor NumPy is imported, and its version is checked (0.7, whose
structures and constants are those below). It reads the object through a callback, waiting for bytes that have
not arrived, and the only full-size buffer is the image's own memory: RGBA is decoded into it, RGB (four bytes
per pixel in Pillow) in bands of rows copied in.

Only where the result is certain to be Pillow's: one frame, not interlaced, eight bits per sample, colour type
RGB or RGBA, and no eXIf chunk after the image data (Pillow reads that one after decoding, see
decode.late_orientation). Anything else, no library (the python3.11 layer has none: its wheel needs a newer
glibc than Amazon Linux 2's) or any complaint from libspng returns None, and the caller decodes through Pillow,
which also gives errors their type. A download that fails while libspng reads raises its own (transient) error.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
import mmap
from pathlib import Path
from typing import Final, cast

from PIL import Image

from image_resizer.arriving import ArrivingBytes

_FMT_RGBA8: Final = 1
_FMT_RGB8: Final = 4
_DECODE_PROGRESSIVE: Final = 256
_OK: Final = 0
_END_OF_IMAGE: Final = 75  # SPNG_EOI: the row just decoded was the last
_IO_ERROR: Final = -2
_IO_EOF: Final = -1
# Pillow checks the CRCs of the chunks before the image data (it has, by now) and not those of IDAT: neither
# does libspng then, which also saves computing them (zlib's own Adler-32 check stays on).
_CRC_USE: Final = 2
_COLOUR_TYPES: Final = {"RGB": 2, "RGBA": 6}
# Ancillary chunks libspng may keep in memory (text, ICC): Pillow has already read the header within its own
# limits; this keeps libspng within ours.
_CHUNK_CACHE_BYTES: Final = 64 * 1024 * 1024
_MAX_CHUNK_BYTES: Final = 2**31 - 1  # the PNG specification's own limit
_BAND_ROWS: Final = 64

_ReadFunction = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)


class _Header(ctypes.Structure):
    _fields_ = [
        ("width", ctypes.c_uint32),
        ("height", ctypes.c_uint32),
        ("bit_depth", ctypes.c_uint8),
        ("color_type", ctypes.c_uint8),
        ("compression_method", ctypes.c_uint8),
        ("filter_method", ctypes.c_uint8),
        ("interlace_method", ctypes.c_uint8),
    ]


@functools.cache
def _library() -> ctypes.CDLL | None:
    spec = importlib.util.find_spec("pyspng")  # finds the package without importing it (and NumPy)
    if spec is None or not spec.submodule_search_locations:
        return None
    for directory in spec.submodule_search_locations:
        for path in sorted(Path(directory).glob("_pyspng_c*.so")):
            try:
                library = ctypes.CDLL(str(path))
                library.spng_version_string.restype = ctypes.c_char_p
                if not library.spng_version_string().startswith(b"0.7."):
                    continue
            except (OSError, AttributeError):
                continue
            _declare(library)
            return library
    return None


def _declare(library: ctypes.CDLL) -> None:
    context, status = ctypes.c_void_p, ctypes.c_int
    signatures: dict[str, tuple[type, list[type]]] = {
        "spng_ctx_new": (context, [ctypes.c_int]),
        "spng_ctx_free": (None, [context]),  # type: ignore[dict-item]
        "spng_set_png_stream": (status, [context, _ReadFunction, ctypes.c_void_p]),
        "spng_set_chunk_limits": (status, [context, ctypes.c_size_t, ctypes.c_size_t]),
        "spng_set_crc_action": (status, [context, ctypes.c_int, ctypes.c_int]),
        "spng_get_ihdr": (status, [context, ctypes.POINTER(_Header)]),
        "spng_decode_image": (status, [context, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int]),
        "spng_decode_row": (status, [context, ctypes.c_void_p, ctypes.c_size_t]),
    }
    for name, (result, arguments) in signatures.items():
        function = getattr(library, name)
        function.restype, function.argtypes = result, arguments


def available() -> bool:
    return _library() is not None


def decode(body: ArrivingBytes, opened: Image.Image) -> Image.Image | None:
    """The PNG in ``body`` decoded by libspng as Pillow would decode ``opened`` (its header), or None."""
    if opened.format != "PNG" or opened.mode not in _COLOUR_TYPES or opened.info.get("interlace"):
        return None
    if getattr(opened, "n_frames", 1) != 1:
        return None
    library = _library()
    if library is None:
        return None
    failures: list[BaseException] = []
    position = 0

    def read(_context: int, _user: int, destination: int, length: int) -> int:
        nonlocal position
        try:
            data = body.read_at(position, length)
        except BaseException as exc:  # the download failed: libspng stops, the error is raised below
            failures.append(exc)
            return _IO_ERROR
        if len(data) < length:
            return _IO_EOF
        ctypes.memmove(destination, data, length)
        position += length
        return _OK

    callback = _ReadFunction(read)
    context = library.spng_ctx_new(0)
    if not context:
        return None
    try:
        image = _decode_rows(library, context, callback, opened)
    finally:
        library.spng_ctx_free(context)
    if failures:
        raise failures[0]
    if image is None or _late_exif(body, position):
        return None
    image.info = dict(opened.info)
    return image


def _decode_rows(library: ctypes.CDLL, context: int, callback: object, opened: Image.Image) -> Image.Image | None:
    if library.spng_set_png_stream(context, callback, None) != _OK:
        return None
    library.spng_set_chunk_limits(context, _MAX_CHUNK_BYTES, _CHUNK_CACHE_BYTES)
    library.spng_set_crc_action(context, _CRC_USE, _CRC_USE)
    header = _Header()
    if library.spng_get_ihdr(context, ctypes.byref(header)) != _OK:
        return None
    mode = opened.mode
    if (
        (header.width, header.height) != opened.size
        or header.bit_depth != 8
        or header.color_type != _COLOUR_TYPES[mode]
        or header.interlace_method
    ):
        return None
    width, height = opened.size
    if mode == "RGBA":
        # Pillow keeps RGBA as these very bytes: decoded in one call, the buffer becomes the image's memory.
        pixels = mmap.mmap(-1, width * height * 4)  # anonymous pages: zero-filled as written, not before
        buffer = (ctypes.c_char * len(pixels)).from_buffer(pixels)
        if library.spng_decode_image(context, buffer, len(pixels), _FMT_RGBA8, 0) != _OK:
            return None
        del buffer  # the image may now own the bytes
        return Image.frombuffer(mode, opened.size, cast(bytes, pixels), "raw", mode, 0, 1)
    # Pillow keeps RGB as four bytes per pixel: rows are decoded in bands and copied in.
    if library.spng_decode_image(context, None, 0, _FMT_RGB8, _DECODE_PROGRESSIVE) != _OK:
        return None
    row_bytes = width * 3
    band = ctypes.create_string_buffer(row_bytes * _BAND_ROWS)
    start = ctypes.addressof(band)
    image = Image.new(mode, opened.size, None)  # every row is pasted over
    status = _OK
    for top in range(0, height, _BAND_ROWS):
        rows = min(_BAND_ROWS, height - top)
        for row in range(rows):
            if status == _END_OF_IMAGE:
                return None  # libspng saw fewer rows than the header declares
            status = library.spng_decode_row(context, start + row * row_bytes, row_bytes)
            if status not in (_OK, _END_OF_IMAGE):
                return None
        decoded = cast(bytes, memoryview(band)[: rows * row_bytes])
        image.paste(Image.frombuffer(mode, (width, rows), decoded, "raw", mode, 0, 1), (0, top))
    return image if status == _END_OF_IMAGE else None


def _late_exif(body: ArrivingBytes, read_up_to: int) -> bool:
    """An eXIf chunk after the image data. libspng stops reading at the chunk header after the last IDAT, so
    only what follows needs a look (a match inside compressed data would only cost Pillow's slower decode)."""
    return body.whole().find(b"eXIf", max(0, read_up_to - 16)) >= 0
