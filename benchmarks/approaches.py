"""The three ways of making the same three variants that bench_resize.py compares."""

from __future__ import annotations

import io
from pathlib import Path

from image_resizer.imaging.render import render
from image_resizer.variants import parse_variants
from PIL import Image, ImageOps

SIZES = (1600, 800, 200)
QUALITY = 82
SPECS = parse_variants(
    {f"w{size}": {"width": size, "height": size, "quality": QUALITY, "key": f"{size}/{{key}}"} for size in SIZES}
)


def ours(data: bytes) -> list[bytes]:
    return [v.data for v in render(data, SPECS).variants]


LOSSLESS_SPECS = parse_variants(
    {
        f"w{size}": {"width": size, "height": size, "format": "png", "key": f"{size}/{{dir}}{{stem}}.{{ext}}"}
        for size in SIZES
    }
)


def ours_lossless_800(data: bytes) -> bytes:
    return render(data, LOSSLESS_SPECS).variants[1].data


def naive_pillow(data: bytes) -> list[bytes]:
    """What tutorials do: full decode, then LANCZOS from the full image for each variant."""
    outputs = []
    with Image.open(io.BytesIO(data)) as opened:
        image = ImageOps.exif_transpose(opened)
        fmt = "PNG" if image.mode in ("RGBA", "LA") else opened.format or "JPEG"
        for size in SIZES:
            copy = image.copy()
            copy.thumbnail((size, size), Image.Resampling.LANCZOS, reducing_gap=None)
            buffer = io.BytesIO()
            copy.save(buffer, fmt, quality=QUALITY)
            outputs.append(buffer.getvalue())
    return outputs


def libvips(data: bytes) -> list[bytes]:
    import pyvips

    outputs = []
    probe = pyvips.Image.new_from_buffer(data, "")
    suffix = ".png" if probe.hasalpha() else ".webp" if data[8:12] == b"WEBP" else ".jpg"
    options = "" if suffix == ".png" else f"[Q={QUALITY},strip]"
    for size in SIZES:
        thumb = pyvips.Image.thumbnail_buffer(data, size, height=size)
        outputs.append(thumb.write_to_buffer(suffix + options))
    return outputs


def draft_floor(data: bytes) -> list[bytes]:
    """A lower bound for JPEG: decode at the DCT scale the largest variant needs, then encode three outputs
    of the right sizes (no resampling at all)."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (SIZES[0], SIZES[0] * image.height // max(image.width, 1)))
        image.load()
        outputs = []
        for size in SIZES:
            scale = min(size / image.width, size / image.height, 1)
            small = (
                image
                if scale == 1
                else image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.NEAREST)
            )
            buffer = io.BytesIO()
            small.save(buffer, "JPEG", quality=QUALITY)
            outputs.append(buffer.getvalue())
    return outputs


def run_file(approach: str, path: str) -> None:
    """Entry point for peak-memory measurements in a child process."""
    globals()[approach](Path(path).read_bytes())
