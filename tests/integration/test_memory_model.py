"""The memory check's model, measured: each case is rendered in a fresh process under the budget the check
accepted it for, and its peak RSS (VmHWM) must stay below that budget; the same layout a little larger must be
refused with ImageTooLargeError naming the memory it would need. Progressive JPEGs are the case the model once
missed: libjpeg keeps the whole image's DCT coefficients (6 bytes a pixel at 4:4:4, 8 for CMYK) whatever scale
it decodes at."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory is read from /proc (Linux)"),
]
BUDGET_MB = 200

RENDER = """
import json, re, sys
from image_resizer.errors import ImageTooLargeError
from image_resizer.imaging.render import render
from image_resizer.limits import Limits
from image_resizer.variants import default_variants
data = open(sys.argv[1], "rb").read()
try:
    render(data, default_variants(), Limits(memory_mb=int(sys.argv[2])))
    outcome = "rendered"
except ImageTooLargeError as exc:
    outcome = "refused: " + str(exc)
del data
peak = int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) // 1024
print(json.dumps({"outcome": outcome, "peak_mb": peak}))
"""


def progressive_jpeg(path: Path, megapixels: float, mode: str, subsampling: int) -> Path:
    width = int((megapixels * 1e6 * 4 / 3) ** 0.5)
    height = int(megapixels * 1e6 / width)
    bands = [Image.effect_noise((width, height), 40).point(lambda v, s=s: (v + s) % 256) for s in (0, 60, 120, 30)]
    image = Image.merge(mode, bands[: len(mode)])
    out = io.BytesIO()
    image.save(out, "JPEG", quality=60, progressive=True, subsampling=subsampling)
    path.write_bytes(out.getvalue())
    return path


def interlaced_png(path: Path, megapixels: float, mode: str) -> Path:
    """Adam7: the decoder assembles seven passes into the full image (libspng declines it; Pillow decodes)."""
    width = int((megapixels * 1e6 * 4 / 3) ** 0.5)
    height = int(megapixels * 1e6 / width)
    gradient = Image.linear_gradient("L").resize((width, height))  # compresses well: far below the byte limit
    bands = [gradient.rotate(angle, expand=False) for angle in (0, 90, 180, 270)]
    Image.merge(mode, bands[: len(mode)]).save(path, "PNG", interlace=1, compress_level=6)
    return path


def run(path: Path) -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-c", RENDER, str(path), str(BUDGET_MB)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(completed.stdout)


@pytest.mark.parametrize(
    ("mode", "subsampling", "fits", "too_large"),
    [
        ("RGB", 0, 14, 18),  # 4:4:4: 6 coefficient bytes a pixel
        ("RGB", 2, 28, 36),  # 4:2:0: 3
        ("CMYK", 0, 10, 14),  # four components: 8
    ],
    ids=["4:4:4", "4:2:0", "CMYK"],
)
def test_a_progressive_jpeg_fits_the_budget_the_check_gave_it_or_is_refused(
    tmp_path, mode, subsampling, fits, too_large
):
    accepted = run(progressive_jpeg(tmp_path / "fits.jpg", fits, mode, subsampling))
    assert accepted["outcome"] == "rendered", accepted
    assert accepted["peak_mb"] < BUDGET_MB, accepted
    refused = run(progressive_jpeg(tmp_path / "large.jpg", too_large, mode, subsampling))
    assert str(refused["outcome"]).startswith("refused: decoding this"), refused
    assert "MB" in str(refused["outcome"])


@pytest.mark.parametrize(("mode", "subsampling"), [("RGB", 0), ("CMYK", 0)], ids=["4:4:4", "CMYK"])
def test_a_90_megapixel_progressive_jpeg_is_refused_at_512_mb_from_its_header(mode, subsampling):
    """The issue's two files, by their headers: a small progressive JPEG whose SOF2 declares 10950x8219."""
    import struct

    from image_resizer.errors import ImageTooLargeError
    from image_resizer.imaging.decode import SourceImage, check_memory
    from image_resizer.limits import Limits

    out = io.BytesIO()
    Image.new(mode, (64, 48)).save(out, "JPEG", progressive=True, subsampling=subsampling)
    data = bytearray(out.getvalue())
    sof = data.index(b"\xff\xc2")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 8219, 10950)
    image = Image.open(io.BytesIO(bytes(data)))
    assert image.size == (10950, 8219)
    source = SourceImage(image, "JPEG", 10950, 8219, 1, 1, False, None)  # type: ignore[arg-type]
    with pytest.raises(ImageTooLargeError, match=r"needs about \d+ MB; the function has 512 MB"):
        check_memory(source, (200, 200), Limits(memory_mb=512))


@pytest.mark.parametrize(("mode", "fits", "too_large"), [("RGBA", 8, 9), ("RGB", 17, 19)], ids=["RGBA", "RGB"])
def test_an_interlaced_png_fits_the_budget_the_check_gave_it_or_is_refused(tmp_path, mode, fits, too_large):
    accepted = run(interlaced_png(tmp_path / "fits.png", fits, mode))
    assert accepted["outcome"] == "rendered", accepted
    assert accepted["peak_mb"] < BUDGET_MB, accepted
    refused = run(interlaced_png(tmp_path / "large.png", too_large, mode))
    assert str(refused["outcome"]).startswith("refused: decoding this"), refused
