"""ICC profiles by content: read matrix/TRC profiles, tell sRGB from everything else, write compact profiles.

A profile is sRGB when its colorants and tone curves are sRGB's, whatever its description says: phones ship
"Display P3 Gamut with sRGB Transfer" profiles, and a name test leaves those unconverted. The layout follows
ICC.1:2010 (header, tag table, ``XYZ``, ``curv`` and ``para`` types); LUT-based tags are not read.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

XYZ = tuple[float, float, float]

# sRGB's colorants adapted to the D50 connection space (IEC 61966-2-1 primaries, Bradford), as vendors'
# profiles carry them; vendors round differently in the fourth decimal.
SRGB_COLORANTS: Final[tuple[XYZ, XYZ, XYZ]] = (
    (0.4361, 0.2225, 0.0139),
    (0.3851, 0.7169, 0.0971),
    (0.1431, 0.0606, 0.7141),
)
D50: Final[XYZ] = (0.9642, 1.0, 0.8249)
# Largest difference still counted as the same colorant: three times the spread between vendors' sRGB
# profiles, a tenth of the distance to the nearest common wide-gamut primary (Display P3 red: 0.515).
_COLORANT_TOLERANCE: Final = 0.003
# Largest difference of a tone curve from sRGB's (in 0..1): half an 8-bit level. Gamma 2.2, the usual
# "close to sRGB" curve, differs by up to 0.0085 (two levels) and is converted.
_CURVE_TOLERANCE: Final = 0.002
_CURVE_SAMPLES: Final = 64
_HEADER_SIZE: Final = 128
# Parameter counts of the ICC parametric curve types 0-4.
_PARA_PARAMETERS: Final = {0: 1, 1: 3, 2: 4, 3: 5, 4: 7}
SRGB_PARAMETRIC: Final = (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)


@dataclass(frozen=True, slots=True)
class ToneCurve:
    """One ``curv`` or ``para`` tag: ``kind`` is "gamma", "table" or "para<type>"."""

    kind: str
    values: tuple[float, ...]

    def __call__(self, x: float) -> float:
        if self.kind == "gamma":
            return float(x ** self.values[0])
        if self.kind == "table":
            table = self.values
            position = x * (len(table) - 1)
            low = min(int(position), len(table) - 2)
            return table[low] + (table[low + 1] - table[low]) * (position - low)
        return _parametric(int(self.kind[4:]), self.values, x)


@dataclass(frozen=True, slots=True)
class ProfileFacts:
    """What a profile says about its colours, read from its tags."""

    colour_space: str  # "RGB", "GRAY", "CMYK", ...
    version: int  # major version, 2 or 4
    size: int
    description: str
    colorants: tuple[XYZ, XYZ, XYZ] | None  # rXYZ, gXYZ, bXYZ
    curves: tuple[ToneCurve, ...]  # rTRC, gTRC, bTRC, or kTRC for grey

    @property
    def is_matrix_trc(self) -> bool:
        return self.colorants is not None and len(self.curves) == 3

    @property
    def is_srgb(self) -> bool:
        """sRGB by content: sRGB colorants and tone curves (RGB), or sRGB's curve (grey)."""
        if self.colour_space == "GRAY":
            return len(self.curves) == 1 and _is_srgb_curve(self.curves[0])
        if not self.is_matrix_trc or self.colour_space != "RGB":
            return False
        assert self.colorants is not None
        colorants_match = all(
            abs(a - b) <= _COLORANT_TOLERANCE
            for ours, theirs in zip(self.colorants, SRGB_COLORANTS, strict=True)
            for a, b in zip(ours, theirs, strict=True)
        )
        return colorants_match and all(_is_srgb_curve(curve) for curve in self.curves)


def read_profile(data: bytes) -> ProfileFacts | None:
    """The facts of an ICC profile, or None when the bytes are not a readable profile."""
    try:
        return _read(data)
    except (struct.error, ValueError, IndexError, KeyError, ZeroDivisionError):
        return None


def is_srgb(data: bytes | None) -> bool:
    """No profile, or a profile whose content is sRGB: pixels need no conversion."""
    if not data:
        return True
    facts = read_profile(data)
    return facts is not None and facts.is_srgb


def compact_profile(facts: ProfileFacts) -> bytes:
    """A small ICC v2 matrix/TRC profile with the same colorants and curves (tables cut to 256 entries).

    Cameras and editors embed profiles of several kilobytes; a 200 px thumbnail should not carry them."""
    if not facts.is_matrix_trc:
        raise ValueError("only RGB matrix/TRC profiles can be written compactly")
    assert facts.colorants is not None
    curves = tuple(
        ToneCurve("table", tuple(curve(i / 255) for i in range(256)))
        if curve.kind == "table" and len(curve.values) > 256
        else curve
        for curve in facts.curves
    )
    return build_matrix_profile(facts.description, facts.colorants, curves)


def build_matrix_profile(
    description: str, colorants: tuple[XYZ, XYZ, XYZ], curves: tuple[ToneCurve, ...], white: XYZ = D50
) -> bytes:
    """An ICC v2 display profile: desc, wtpt, r/g/bXYZ and r/g/bTRC (identical curves share one tag)."""
    encoded_curves = [_encode_curve(curve) for curve in curves]
    tags: list[tuple[bytes, bytes]] = [
        (b"desc", _desc(description)),
        (b"cprt", b"text" + b"\0" * 4 + b"No copyright, use freely\0"),
        (b"wtpt", _xyz(white)),
        (b"rXYZ", _xyz(colorants[0])),
        (b"gXYZ", _xyz(colorants[1])),
        (b"bXYZ", _xyz(colorants[2])),
    ]
    tags += [(name, curve) for name, curve in zip((b"rTRC", b"gTRC", b"bTRC"), encoded_curves, strict=True)]
    return _assemble(tags, colour_space=b"RGB ")


def build_gray_profile(description: str, curve: ToneCurve) -> bytes:
    """An ICC v2 grey display profile (desc, wtpt, kTRC)."""
    tags = [(b"desc", _desc(description)), (b"wtpt", _xyz(D50)), (b"kTRC", _encode_curve(curve))]
    return _assemble(tags, colour_space=b"GRAY")


def srgb_curve(x: float) -> float:
    """The sRGB decoding curve of IEC 61966-2-1."""
    return x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4


def _is_srgb_curve(curve: ToneCurve) -> bool:
    samples = (i / (_CURVE_SAMPLES - 1) for i in range(_CURVE_SAMPLES))
    return all(abs(curve(x) - srgb_curve(x)) <= _CURVE_TOLERANCE for x in samples)


def _parametric(kind: int, p: tuple[float, ...], x: float) -> float:
    def power(base: float) -> float:
        return float(base ** p[0]) if base > 0 else 0.0

    if kind == 0:
        return power(x)
    if kind == 1:
        return power(p[1] * x + p[2]) if x >= -p[2] / p[1] else 0.0
    if kind == 2:
        return power(p[1] * x + p[2]) + p[3] if x >= -p[2] / p[1] else p[3]
    if kind == 3:
        return power(p[1] * x + p[2]) if x >= p[4] else p[3] * x
    return power(p[1] * x + p[2]) + p[5] if x >= p[4] else p[3] * x + p[6]


def _read(data: bytes) -> ProfileFacts | None:
    if len(data) < _HEADER_SIZE + 4 or data[36:40] != b"acsp":
        return None
    colour_space = data[16:20].decode("ascii", "replace").strip()
    count = struct.unpack_from(">I", data, _HEADER_SIZE)[0]
    if count > 200:
        return None
    tags: dict[bytes, bytes] = {}
    for index in range(count):
        signature, offset, size = struct.unpack_from(">4sII", data, _HEADER_SIZE + 4 + 12 * index)
        if offset + size <= len(data):
            tags[signature] = data[offset : offset + size]
    readers: dict[bytes, Callable[[bytes], XYZ]] = {b"rXYZ": _read_xyz, b"gXYZ": _read_xyz, b"bXYZ": _read_xyz}
    colorants = None
    if all(name in tags for name in readers):
        r, g, b = (readers[name](tags[name]) for name in (b"rXYZ", b"gXYZ", b"bXYZ"))
        colorants = (r, g, b)
    curve_tags = (b"kTRC",) if colour_space == "GRAY" else (b"rTRC", b"gTRC", b"bTRC")
    curves = tuple(_read_curve(tags[name]) for name in curve_tags if name in tags)
    return ProfileFacts(
        colour_space=colour_space,
        version=data[8],
        size=len(data),
        description=_read_description(tags.get(b"desc", b"")),
        colorants=colorants,
        curves=curves if len(curves) == len(curve_tags) else (),
    )


def _s15(raw: bytes, offset: int) -> float:
    return float(struct.unpack_from(">i", raw, offset)[0]) / 65536


def _read_xyz(raw: bytes) -> XYZ:
    if raw[:4] != b"XYZ ":
        raise ValueError("not an XYZ tag")
    return _s15(raw, 8), _s15(raw, 12), _s15(raw, 16)


def _read_curve(raw: bytes) -> ToneCurve:
    if raw[:4] == b"curv":
        count = struct.unpack_from(">I", raw, 8)[0]
        if count == 0:
            return ToneCurve("gamma", (1.0,))
        if count == 1:
            return ToneCurve("gamma", (struct.unpack_from(">H", raw, 12)[0] / 256,))
        table = struct.unpack_from(f">{count}H", raw, 12)
        return ToneCurve("table", tuple(v / 65535 for v in table))
    if raw[:4] == b"para":
        kind = struct.unpack_from(">H", raw, 8)[0]
        params = tuple(_s15(raw, 12 + 4 * i) for i in range(_PARA_PARAMETERS[kind]))
        return ToneCurve(f"para{kind}", params)
    raise ValueError("unknown curve type")


def _read_description(raw: bytes) -> str:
    if raw[:4] == b"desc":  # v2 textDescriptionType: ASCII count, then the text
        length = struct.unpack_from(">I", raw, 8)[0]
        return raw[12 : 12 + length].split(b"\0")[0].decode("latin-1")
    if raw[:4] == b"mluc" and len(raw) >= 28:  # v4 multiLocalizedUnicodeType: first record, UTF-16BE
        length, offset = struct.unpack_from(">II", raw, 20)
        return raw[offset : offset + length].decode("utf-16-be", "replace")
    return ""


def _xyz(values: XYZ) -> bytes:
    return b"XYZ " + b"\0" * 4 + b"".join(struct.pack(">i", round(v * 65536)) for v in values)


def _desc(text: str) -> bytes:
    ascii_text = text.encode("ascii", "replace")[:63] + b"\0"
    # textDescriptionType: ASCII part, then empty Unicode (language code + count) and ScriptCode parts.
    return b"desc" + b"\0" * 4 + struct.pack(">I", len(ascii_text)) + ascii_text + b"\0" * 8 + b"\0" * 3 + b"\0" * 67


def _encode_curve(curve: ToneCurve) -> bytes:
    if curve.kind.startswith("para"):
        values = b"".join(struct.pack(">i", round(v * 65536)) for v in curve.values)
        return b"para" + b"\0" * 4 + struct.pack(">HH", int(curve.kind[4:]), 0) + values
    if curve.kind == "gamma":
        return b"curv" + b"\0" * 4 + struct.pack(">IH", 1, round(curve.values[0] * 256)) + b"\0\0"
    table = curve.values
    entries = b"".join(struct.pack(">H", round(min(max(v, 0.0), 1.0) * 65535)) for v in table)
    return b"curv" + b"\0" * 4 + struct.pack(">I", len(table)) + entries


def _assemble(tags: list[tuple[bytes, bytes]], colour_space: bytes) -> bytes:
    offset = _HEADER_SIZE + 4 + 12 * len(tags)
    table, body, placed = b"", b"", {}
    for signature, payload in tags:
        if payload not in placed:  # identical payloads (three equal TRCs) share their bytes
            placed[payload] = offset + len(body)
            body += payload + b"\0" * (-len(payload) % 4)
        table += signature + struct.pack(">II", placed[payload], len(payload))
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"\0" * 4  # preferred CMM: none
        + bytes([2, 0x10, 0, 0])  # version 2.1
        + b"mntr"
        + colour_space
        + b"XYZ "
        + b"\0" * 12  # date
        + b"acsp"
        + b"\0" * 16  # platform, flags, manufacturer, model
        + b"\0" * 8  # attributes
        + struct.pack(">I", 0)  # perceptual intent
        + b"".join(struct.pack(">i", round(v * 65536)) for v in D50)
        + b"\0" * 4  # creator
        + b"\0" * 44  # profile ID (none) and reserved
    )
    return header + struct.pack(">I", len(tags)) + table + body
