"""The source's own bytes without its metadata: for an upload that already fits the box and that no encoder
beats (quality "auto"). Only the container is touched, never the coded pixels, so the result decodes to exactly
the source's pixels. EXIF (GPS among it), XMP, comments and text chunks go, as from every other output."""

from __future__ import annotations

import struct
import zlib
from typing import Final

from image_resizer.imaging.encode import OutputFormat

_JPEG_SOS: Final = 0xDA
# APP1-APP15 carry EXIF, XMP, ICC and vendor data, but APP14 (Adobe) says whether the three channels are YCbCr
# or RGB: without it a decoder may read the pixels differently.
_JPEG_ADOBE: Final = 0xEE
_JPEG_COMMENT: Final = 0xFE
# Critical chunks, transparency and the palette: everything a decoder needs for the pixels we rendered from.
_PNG_KEPT: Final = frozenset({b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"})
_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"


def stripped(data: bytes, source_format: str) -> tuple[bytes, OutputFormat] | None:
    """The source's bytes less metadata and the format they are in, or None where this is not a plain still
    JPEG, PNG or WebP (or the container does not parse: then the caller encodes as usual)."""
    try:
        if source_format == "JPEG":
            return _jpeg(data), "jpeg"
        if source_format == "PNG":
            return _png(data), "png"
        if source_format == "WEBP":
            plain = _webp(data)
            return (plain, "webp") if plain is not None else None
    except (ValueError, IndexError, struct.error):
        return None
    return None


def _jpeg(data: bytes) -> bytes:
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    out = bytearray(data[:2])
    position = 2
    while True:
        if data[position] != 0xFF:
            raise ValueError("marker expected")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        segment = data[position : position + 2 + length]
        if marker == _JPEG_SOS:
            out += data[position:]  # the scans and everything after them, as they are
            return bytes(out)
        metadata = marker == _JPEG_COMMENT or (0xE1 <= marker <= 0xEF and marker != _JPEG_ADOBE)
        if not metadata:
            out += segment
        position += 2 + length


def _png(data: bytes) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError("not a PNG")
    out = bytearray(_PNG_SIGNATURE)
    position = len(_PNG_SIGNATURE)
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if kind == b"acTL":
            raise ValueError("an animation")  # APNG: its first frame is not the whole file
        if kind in _PNG_KEPT:
            chunk = data[position:end]
            if zlib.crc32(chunk[4:-4]) != struct.unpack(">I", chunk[-4:])[0]:
                raise ValueError("bad chunk checksum")
            out += chunk
        if kind == b"IEND":
            return bytes(out)
        position = end
    raise ValueError("no IEND")


def _webp(data: bytes) -> bytes | None:
    """A simple (VP8 or VP8L) file carries no metadata; an extended one is kept only when nothing but alpha and
    metadata chunks sit beside the image, and is rebuilt without the metadata."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ValueError("not a WebP")
    chunks: list[tuple[bytes, bytes]] = []
    position = 12
    while position + 8 <= len(data):
        kind = data[position : position + 4]
        (length,) = struct.unpack("<I", data[position + 4 : position + 8])
        chunks.append((kind, data[position + 8 : position + 8 + length]))
        position += 8 + length + (length & 1)
    kinds = [kind for kind, _ in chunks]
    if kinds in ([b"VP8 "], [b"VP8L"]):
        return data
    if not kinds or kinds[0] != b"VP8X" or set(kinds) - {b"VP8X", b"ALPH", b"VP8 ", b"VP8L", b"EXIF", b"XMP "}:
        return None  # animation, ICC profile or unknown chunks: leave it to the encoder
    header = bytearray(chunks[0][1])
    header[0] &= ~(0x08 | 0x04)  # the EXIF and XMP flags
    body = b"".join(
        kind + struct.pack("<I", len(payload)) + payload + (b"\0" if len(payload) & 1 else b"")
        for kind, payload in [(b"VP8X", bytes(header)), *[(k, p) for k, p in chunks[1:] if k not in (b"EXIF", b"XMP ")]]
    )
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body
