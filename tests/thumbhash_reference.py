"""ThumbHash's published decoder (Evan Wallace's reference thumbHashToRGBA), ported line by line for the
tests: the `thumbhash` package encodes our hashes, and its own decoder mis-decodes the AC terms, so the
placeholders are checked with the reference algorithm instead."""

from __future__ import annotations

import math


def _aspect_ratio(hash_bytes: list[int]) -> float:
    header = hash_bytes[3]
    has_alpha = hash_bytes[2] & 0x80
    is_landscape = hash_bytes[4] & 0x80
    lx = (5 if has_alpha else 7) if is_landscape else header & 7
    ly = header & 7 if is_landscape else (5 if has_alpha else 7)
    return lx / ly


def thumbhash_to_rgba(hash_bytes: list[int]) -> tuple[int, int, bytes]:
    header24 = hash_bytes[0] | (hash_bytes[1] << 8) | (hash_bytes[2] << 16)
    header16 = hash_bytes[3] | (hash_bytes[4] << 8)
    l_dc = (header24 & 63) / 63
    p_dc = ((header24 >> 6) & 63) / 31.5 - 1
    q_dc = ((header24 >> 12) & 63) / 31.5 - 1
    l_scale = ((header24 >> 18) & 31) / 31
    has_alpha = header24 >> 23
    p_scale = ((header16 >> 3) & 63) / 63
    q_scale = ((header16 >> 9) & 63) / 63
    is_landscape = header16 >> 15
    lx = max(3, (5 if has_alpha else 7) if is_landscape else header16 & 7)
    ly = max(3, header16 & 7 if is_landscape else (5 if has_alpha else 7))
    a_dc = (hash_bytes[5] & 15) / 15 if has_alpha else 1.0
    a_scale = (hash_bytes[5] >> 4) / 15
    ac_start = 6 if has_alpha else 5
    ac_index = 0

    def decode_channel(nx: int, ny: int, scale: float) -> list[float]:
        nonlocal ac_index
        ac = []
        for cy in range(ny):
            cx = 0 if cy else 1
            while cx * ny < nx * (ny - cy):
                nibble = (hash_bytes[ac_start + (ac_index >> 1)] >> ((ac_index & 1) << 2)) & 15
                ac.append((nibble / 7.5 - 1) * scale)
                ac_index += 1
                cx += 1
        return ac

    l_ac = decode_channel(lx, ly, l_scale)
    p_ac = decode_channel(3, 3, p_scale * 1.25)
    q_ac = decode_channel(3, 3, q_scale * 1.25)
    a_ac = decode_channel(5, 5, a_scale) if has_alpha else []
    ratio = _aspect_ratio(hash_bytes)
    w = round(32 if ratio > 1 else 32 * ratio)
    h = round(32 / ratio if ratio > 1 else 32)
    out = bytearray()
    for y in range(h):
        for x in range(w):
            lum, p, q, a = l_dc, p_dc, q_dc, a_dc
            fx = [math.cos(math.pi / w * (x + 0.5) * cx) for cx in range(max(lx, 5 if has_alpha else 3))]
            fy = [math.cos(math.pi / h * (y + 0.5) * cy) for cy in range(max(ly, 5 if has_alpha else 3))]
            j = 0
            for cy in range(ly):
                cx = 0 if cy else 1
                while cx * ly < lx * (ly - cy):
                    lum += l_ac[j] * fx[cx] * fy[cy] * 2
                    j += 1
                    cx += 1
            j = 0
            for cy in range(3):
                for cx in range(0 if cy else 1, 3 - cy):
                    f = fx[cx] * fy[cy] * 2
                    p += p_ac[j] * f
                    q += q_ac[j] * f
                    j += 1
            if has_alpha:
                j = 0
                for cy in range(5):
                    for cx in range(0 if cy else 1, 5 - cy):
                        a += a_ac[j] * fx[cx] * fy[cy] * 2
                        j += 1
            b = lum - 2 / 3 * p
            r = (3 * lum - b + q) / 2
            g = r - q
            out += bytes(int(max(0.0, 255 * min(1.0, v))) for v in (r, g, b, a))
    return w, h, bytes(out)
