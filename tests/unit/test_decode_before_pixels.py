"""Decisions made from the header, before any pixel is decoded, and data that claims more than it holds."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest
from image_resizer.errors import CorruptImageError
from image_resizer.imaging.decode import open_source
from image_resizer.imaging.render import render
from image_resizer.limits import Limits
from image_resizer.variants import default_variants
from PIL import Image
from pipeline_dev import samples

from tests.conftest import open_output


def header_only_jpeg(width: int, height: int) -> bytes:
    """A real JPEG's header and scan header with the frame size changed, and no scan data at all."""
    data = samples.encode(samples.photo(64, 64), "JPEG")
    sos = data.index(b"\xff\xda")
    (length,) = struct.unpack(">H", data[sos + 2 : sos + 4])
    head = bytearray(data[: sos + 2 + length])
    frame = head.index(b"\xff\xc0")
    head[frame + 5 : frame + 9] = struct.pack(">HH", height, width)
    return bytes(head) + b"\xff\xd9"


def test_a_jpeg_header_without_scan_data_is_corrupt_not_a_grey_thumbnail():
    with pytest.raises(CorruptImageError, match="premature end"):
        render(header_only_jpeg(10000, 10000), default_variants())


def test_flat_but_real_jpegs_are_not_mistaken_for_empty_ones():
    for progressive in (False, True):
        flat = samples.encode(Image.new("L", (4000, 3000), 0), "JPEG", quality=50, progressive=progressive)
        assert render(flat, default_variants()).variants[0].width == 200


def test_a_png_is_not_decoded_before_the_memory_check():
    if not Path("/proc/self/status").exists():
        pytest.skip("peak memory is read from /proc (Linux)")
    # A real 10000x10000 PNG of about 100 KB: decoding it touches 100 MB. Measured in a fresh process (peak
    # RSS), the way a 256 MB Lambda, or the local stack's worker, feels it.
    script = (
        "import re\n"
        "from image_resizer.imaging.render import render\n"
        "from image_resizer.variants import default_variants\n"
        "from image_resizer.limits import Limits\n"
        "from image_resizer.errors import ImageTooLargeError\n"
        "from pipeline_dev import samples\n"
        "try:\n"
        "    render(samples.blank_png(10000, 10000), default_variants(), Limits(memory_mb=256))\n"
        "except ImageTooLargeError as exc:\n"
        # VmHWM belongs to this program's memory map; ru_maxrss would carry the parent's peak across exec.
        "    peak = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)\n"
        "    print('refused', int(peak) // 1024)\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    verdict, peak_mb = completed.stdout.split()
    assert verdict == "refused"
    assert int(peak_mb) < 120, completed.stdout  # interpreter + Pillow; the decode would add 100 MB


def test_a_late_exif_chunk_still_turns_a_png_upright():
    data = samples.png_with_late_exif(samples.quadrants(400, 300), 6)
    assert open_source(data, Limits()).orientation == 1  # not known before decoding, by design
    (variant,) = render(data, default_variants()).variants
    image = open_output(variant.data).convert("RGB")
    assert image.size == (200, 150)
    assert image.getpixel((20, 20))[0] > 150  # red quadrant top-left: upright


def test_jpeg_with_truncated_scan_is_corrupt():
    data = samples.encode(samples.photo(400, 300), "JPEG")
    with pytest.raises(CorruptImageError):
        render(data[: len(data) // 3], default_variants())
