"""Images made with Pillow for tests and the demo: deterministic, small unless asked, each with a known truth.

The canonical test picture has four differently coloured quadrants (red top-left, green top-right, blue
bottom-left, white bottom-right), so any wrong rotation or mirroring is visible at the corners.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from dataclasses import dataclass
from typing import Final

from image_resizer.imaging import icc
from PIL import Image, ImageDraw

QUADRANT_COLOURS: Final = {
    "top_left": (220, 30, 30),
    "top_right": (30, 200, 30),
    "bottom_left": (30, 30, 220),
    "bottom_right": (240, 240, 240),
}

# For orientation o, the stored pixels are the upright picture under the inverse of o's transpose.
_INVERSE_OF_ORIENTATION: Final = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def quadrants(width: int = 400, height: int = 300) -> Image.Image:
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    half_w, half_h = width // 2, height // 2
    draw.rectangle((0, 0, half_w - 1, half_h - 1), fill=QUADRANT_COLOURS["top_left"])
    draw.rectangle((half_w, 0, width - 1, half_h - 1), fill=QUADRANT_COLOURS["top_right"])
    draw.rectangle((0, half_h, half_w - 1, height - 1), fill=QUADRANT_COLOURS["bottom_left"])
    draw.rectangle((half_w, half_h, width - 1, height - 1), fill=QUADRANT_COLOURS["bottom_right"])
    return image


def photo(width: int = 1200, height: int = 800, seed: int = 1) -> Image.Image:
    """A photo-like picture: smooth random colour fields with some edges, cheap to make at any size."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test pictures, not secrets
    tile_w, tile_h = 24, 16
    field = Image.frombytes("RGB", (tile_w, tile_h), rng.randbytes(tile_w * tile_h * 3))
    image = field.resize((width, height), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(max(2, min(width, height) // 12), max(3, min(width, height) // 4))
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x - r, y - r, x + r, y + r), outline=colour, width=max(1, r // 10))
    return image


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def oriented_jpeg(orientation: int, upright: Image.Image | None = None, fmt: str = "JPEG") -> bytes:
    """Bytes whose EXIF orientation, once applied, shows ``upright`` (the quadrants by default)."""
    upright = upright or quadrants()
    stored = (
        upright.transpose(_INVERSE_OF_ORIENTATION[orientation]) if orientation in _INVERSE_OF_ORIENTATION else upright
    )
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "pipeline-dev camera"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 0.0)}  # GPS IFD: must never reach an output
    return encode(stored, fmt, exif=exif.tobytes(), quality=95)


def transparent_png(width: int = 600, height: int = 400) -> bytes:
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((width // 6, height // 6, width * 5 // 6, height * 5 // 6), fill=(250, 120, 0, 255))
    return encode(image, "PNG")


def gray16_png(width: int = 256, height: int = 64) -> bytes:
    """A 16-bit ramp from 0 to 65535 across the width."""
    image = Image.new("I;16", (width, height))
    image.putdata([int(x * 65535 / (width - 1)) for _ in range(height) for x in range(width)])
    return encode(image, "PNG")


def cmyk_jpeg(width: int = 300, height: int = 200, icc_profile: bytes | None = None) -> bytes:
    image = quadrants(width, height).convert("CMYK")
    return encode(image, "JPEG", quality=95, **({"icc_profile": icc_profile} if icc_profile else {}))


def animated_gif(frames: int = 4, width: int = 120, height: int = 90) -> bytes:
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
    images = [Image.new("RGB", (width, height), colours[i % len(colours)]) for i in range(frames)]
    return encode(images[0], "GIF", save_all=True, append_images=images[1:], duration=100, loop=0)


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width`` x ``height`` (a decompression bomb's calling card)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")
    )


def png_with_late_exif(upright: Image.Image, orientation: int) -> bytes:
    """A PNG whose eXIf chunk follows the image data (allowed by the PNG spec's 2017 extension)."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what orientation 6 turns upright
    data = encode(stored, "PNG", exif=exif.tobytes())
    start = data.index(b"eXIf") - 4
    (length,) = struct.unpack(">I", data[start : start + 4])
    chunk = data[start : start + 12 + length]
    without = data[:start] + data[start + 12 + length :]
    end = without.index(b"IEND") - 4
    return without[:end] + chunk + without[end:]


def blank_png(width: int, height: int) -> bytes:
    """A real, fully decodable black greyscale PNG of any size in a few hundred kilobytes: zlib squeezes the
    rows of zeros, so a small upload can declare (and deliver) 100 MP. Written row by row, never in memory."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    compressor = zlib.compressobj(9)
    row = b"\0" * (width + 1)  # filter byte 0, then the pixels
    parts = [compressor.compress(row) for _ in range(height)] + [compressor.flush()]
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    return data[: int(len(data) * keep)]


def matrix_icc_profile(swap_red_blue: bool = True) -> bytes:
    """A minimal ICC v2 RGB matrix/TRC profile with sRGB's primaries, red and blue swapped when asked.

    Converting through it to sRGB must swap the channels, which proves the embedded profile was applied.
    """
    primaries = {"r": (0.4361, 0.2225, 0.0139), "g": (0.3851, 0.7169, 0.0971), "b": (0.1431, 0.0606, 0.7141)}
    if swap_red_blue:
        primaries["r"], primaries["b"] = primaries["b"], primaries["r"]

    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(values: tuple[float, float, float]) -> bytes:
        return b"XYZ " + b"\0" * 4 + b"".join(s15(v) for v in values)

    description = b"pipeline-dev swapped RGB" if swap_red_blue else b"pipeline-dev RGB"
    desc = b"desc" + b"\0" * 4 + struct.pack(">I", len(description) + 1) + description + b"\0" + b"\0" * 12 + b"\0" * 67
    curve = b"curv" + b"\0" * 4 + struct.pack(">I", 1) + struct.pack(">H", int(2.2 * 256)) + b"\0\0"
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz((0.9642, 1.0, 0.8249))),
        (b"rXYZ", xyz(primaries["r"])),
        (b"gXYZ", xyz(primaries["g"])),
        (b"bXYZ", xyz(primaries["b"])),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text" + b"\0" * 4 + b"CC0\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, payload in tags:
        padded = payload + b"\0" * (-len(payload) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(payload))
        data += padded
    body = struct.pack(">I", len(tags)) + table + data
    size = 128 + len(body)
    header = (
        struct.pack(">I", size)
        + b"none"
        + bytes([2, 0x10, 0, 0])
        + b"mntrRGB XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 4
        + b"\0" * 4
        + b"\0" * 8
        + b"\0" * 8
        + struct.pack(">i", 0)
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)
        + b"\0" * 4
        + b"\0" * 16
        + b"\0" * 28
    )
    assert len(header) == 128, len(header)
    return header + body


# Published primaries (CIE xy) and white points of the RGB spaces the colour tests use.
D65_WHITE: Final = (0.3127, 0.3290)
D50_WHITE: Final = (0.3457, 0.3585)
RGB_SPACES: Final[dict[str, tuple[tuple[tuple[float, float], ...], tuple[float, float], icc.ToneCurve]]] = {
    "sRGB": (((0.64, 0.33), (0.30, 0.60), (0.15, 0.06)), D65_WHITE, icc.ToneCurve("para3", icc.SRGB_PARAMETRIC)),
    # Display P3 (SMPTE EG 432-1 primaries, D65, the sRGB curve): what phones and Ultra HDR JPEGs carry.
    "Display P3": (
        ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060)),
        D65_WHITE,
        icc.ToneCurve("para3", icc.SRGB_PARAMETRIC),
    ),
    # Adobe RGB (1998): gamma 563/256.
    "Adobe RGB (1998)": (((0.64, 0.33), (0.21, 0.71), (0.15, 0.06)), D65_WHITE, icc.ToneCurve("gamma", (563 / 256,))),
    # ProPhoto RGB (ROMM, ISO 22028-2): D50, gamma 1.8.
    "ProPhoto RGB": (((0.7347, 0.2653), (0.1596, 0.8404), (0.0366, 0.0001)), D50_WHITE, icc.ToneCurve("gamma", (1.8,))),
    # ITU-R BT.2020 primaries with the BT.709/2020 transfer function.
    "Rec. 2020": (
        ((0.708, 0.292), (0.170, 0.797), (0.131, 0.046)),
        D65_WHITE,
        icc.ToneCurve("para3", (1 / 0.45, 1 / 1.099, 0.099 / 1.099, 1 / 4.5, 0.081)),
    ),
}
_BRADFORD: Final = ((0.8951, 0.2664, -0.1614), (-0.7502, 1.7135, 0.0367), (0.0389, -0.0685, 1.0296))

Matrix = tuple[tuple[float, float, float], tuple[float, float, float], tuple[float, float, float]]


def _mul(a: Matrix, b: Matrix) -> Matrix:
    rows = tuple(tuple(sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)) for i in range(3))
    return rows  # type: ignore[return-value]


def _apply(m: Matrix, v: tuple[float, float, float]) -> tuple[float, float, float]:
    return (
        m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
        m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
        m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2],
    )


def _inverse(m: Matrix) -> Matrix:
    (a, b, c), (d, e, f), (g, h, i) = m
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    adjugate = (
        (e * i - f * h, c * h - b * i, b * f - c * e),
        (f * g - d * i, a * i - c * g, c * d - a * f),
        (d * h - e * g, b * g - a * h, a * e - b * d),
    )
    return tuple(tuple(value / det for value in row) for row in adjugate)  # type: ignore[return-value]


def _xyz(xy: tuple[float, float]) -> tuple[float, float, float]:
    x, y = xy
    return x / y, 1.0, (1 - x - y) / y


def d50_colorants(
    primaries: tuple[tuple[float, float], ...], white: tuple[float, float]
) -> tuple[icc.XYZ, icc.XYZ, icc.XYZ]:
    """The ICC colorants (rXYZ, gXYZ, bXYZ) of an RGB space: its RGB->XYZ matrix adapted to D50 by Bradford."""
    columns = [_xyz(p) for p in primaries]
    unscaled: Matrix = tuple(tuple(columns[j][i] for j in range(3)) for i in range(3))  # type: ignore[assignment]
    scale = _apply(_inverse(unscaled), _xyz(white))
    to_xyz: Matrix = tuple(tuple(unscaled[i][j] * scale[j] for j in range(3)) for i in range(3))  # type: ignore[assignment]
    source_cone, target_cone = _apply(_BRADFORD, _xyz(white)), _apply(_BRADFORD, icc.D50)
    gains: Matrix = (
        (target_cone[0] / source_cone[0], 0, 0),
        (0, target_cone[1] / source_cone[1], 0),
        (0, 0, target_cone[2] / source_cone[2]),
    )
    adapted = _mul(_mul(_inverse(_BRADFORD), _mul(gains, _BRADFORD)), to_xyz)
    return tuple(tuple(adapted[i][j] for i in range(3)) for j in range(3))  # type: ignore[return-value]


def rgb_profile(space: str, description: str | None = None, table_entries: int = 0) -> bytes:
    """An ICC v2 matrix/TRC profile of a published RGB space; ``table_entries`` writes the curve as a sampled
    table (as many vendors' profiles do) instead of its parametric form."""
    primaries, white, curve = RGB_SPACES[space]
    if table_entries:
        curve = icc.ToneCurve("table", tuple(curve(i / (table_entries - 1)) for i in range(table_entries)))
    return icc.build_matrix_profile(description or space, d50_colorants(primaries, white), (curve, curve, curve))


def with_profile(image: Image.Image, fmt: str, icc_profile: bytes, **params: object) -> bytes:
    return encode(image, fmt, icc_profile=icc_profile, **params)


def saturated_patches(width: int = 400, height: int = 300) -> Image.Image:
    """Four flat, saturated quadrants: where wide-gamut conversion moves colours most."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    colours = [(230, 40, 35), (40, 210, 60), (30, 60, 220), (250, 200, 40)]
    for index, colour in enumerate(colours):
        x, y = (index % 2) * width // 2, (index // 2) * height // 2
        draw.rectangle((x, y, x + width // 2 - 1, y + height // 2 - 1), fill=colour)
    return image


def gain_map_jpeg(primary: Image.Image, marker: str = "mpf", icc_profile: bytes | None = None) -> bytes:
    """An HDR JPEG: the SDR ``primary`` plus a grey gain map as an MPF secondary image ("mpf", as Apple and
    Android write it), with Ultra HDR's hdrgm XMP on top ("ultrahdr"), or an ISO 21496-1 APP2 segment and
    no second image ("iso")."""
    gain_map = Image.new("L", (primary.width // 4 or 1, primary.height // 4 or 1), 128)
    params: dict[str, object] = {"quality": 95}
    if icc_profile:
        params["icc_profile"] = icc_profile
    if marker == "iso":
        data = encode(primary, "JPEG", **params)
        payload = b"urn:iso:std:iso:ts:21496:-1\0" + b"\0\0\0\0"
        segment = b"\xff\xe2" + struct.pack(">H", len(payload) + 2) + payload
        return data[:2] + segment + data[2:]
    if marker == "ultrahdr":
        params["xmp"] = (
            b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            b'<rdf:Description xmlns:hdrgm="http://ns.adobe.com/hdr-gain-map/1.0/" hdrgm:Version="1.0"/>'
            b"</rdf:RDF></x:xmpmeta>"
        )
    return encode(primary, "MPO", save_all=True, append_images=[gain_map.convert("RGB")], **params)


def _lzw_uncompressed(indices: bytes) -> bytes:
    """GIF LZW data that any decoder reads, without compressing: 9-bit literal codes and a clear code before
    the table would grow past 9 bits."""
    clear, end, codes, bits, count = 256, 257, [256], 0, 0
    for value in indices:
        if count == 254:
            codes.append(clear)
            count = 0
        codes.append(value)
        count += 1
    codes.append(end)
    stream = bytearray()
    buffer = 0
    for code in codes:
        buffer |= code << bits
        bits += 9
        while bits >= 8:
            stream.append(buffer & 0xFF)
            buffer >>= 8
            bits -= 8
    if bits:
        stream.append(buffer & 0xFF)
    blocks = b"".join(
        bytes([len(chunk)]) + chunk for chunk in (stream[i : i + 255] for i in range(0, len(stream), 255))
    )
    return bytes([8]) + blocks + b"\0"


@dataclass(frozen=True)
class GifFrame:
    """One frame as a GIF stores it: a patch of palette indices at (left, top), its disposal method (0-3),
    delay in centiseconds and transparent index (or None)."""

    left: int
    top: int
    width: int
    height: int
    indices: bytes
    disposal: int = 1
    delay_cs: int = 10
    transparent: int | None = None


def gif_from_frames(
    size: tuple[int, int], palette: list[tuple[int, int, int]], frames: list[GifFrame], loop: int = 0
) -> bytes:
    """A GIF written byte by byte from the spec (GIF89a), so tests know exactly what each frame holds."""
    width, height = size
    table = b"".join(bytes(colour) for colour in palette) + b"\0" * (768 - 3 * len(palette))
    out = bytearray(b"GIF89a" + struct.pack("<HHBBB", width, height, 0xF7, 0, 0) + table)
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", loop) + b"\0"
    for frame in frames:
        packed = (frame.disposal << 2) | (1 if frame.transparent is not None else 0)
        out += b"\x21\xf9\x04" + struct.pack("<BHB", packed, frame.delay_cs, frame.transparent or 0) + b"\0"
        out += b"\x2c" + struct.pack("<HHHHB", frame.left, frame.top, frame.width, frame.height, 0)
        out += _lzw_uncompressed(frame.indices)
    return bytes(out + b"\x3b")


def composite_gif_frames(
    size: tuple[int, int], palette: list[tuple[int, int, int]], frames: list[GifFrame]
) -> list[Image.Image]:
    """The frames a viewer sees, composited from the GIF89a rules independently of any decoder: the canvas
    starts transparent; disposal 2 clears the frame's area (what browsers do with "restore to background"),
    disposal 3 restores the canvas as it was before the frame. Pixel by pixel from the stored indices."""
    canvas = Image.new("RGBA", size, (0, 0, 0, 0))
    shown = []
    for frame in frames:
        before = canvas.copy()
        for y in range(frame.height):
            for x in range(frame.width):
                index = frame.indices[y * frame.width + x]
                if index != frame.transparent:
                    canvas.putpixel((frame.left + x, frame.top + y), (*palette[index], 255))
        shown.append(canvas.copy())
        if frame.disposal == 2:
            box = (frame.left, frame.top, frame.left + frame.width, frame.top + frame.height)
            canvas.paste((0, 0, 0, 0), box)
        elif frame.disposal == 3:
            canvas = before
    return shown
