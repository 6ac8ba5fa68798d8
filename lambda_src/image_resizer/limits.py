"""Size limits applied before any pixel is decoded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from PIL import Image

from image_resizer.errors import ConfigurationError

DEFAULT_MAX_SOURCE_PIXELS: Final = 100_000_000
DEFAULT_MAX_SOURCE_BYTES: Final = 50 * 1024 * 1024
# Pillow refuses anything above twice its MAX_IMAGE_PIXELS outright; our limit cannot go past its guard.
PILLOW_HARD_PIXEL_LIMIT: Final = 2 * (Image.MAX_IMAGE_PIXELS or 89_478_485)


# Peak bytes per decoded pixel, measured with benchmarks/bench_memory.py (rounded up): WebP decodes through
# libwebp's animation decoder (several full RGBA buffers); AVIF/HEIF are assumed as costly.
PEAK_BYTES_PER_PIXEL: Final = {"WEBP": 16, "AVIF": 16, "HEIF": 16}
PEAK_BYTES_PER_PIXEL_WITH_ALPHA: Final = 13
PEAK_BYTES_PER_PIXEL_DEFAULT: Final = 6
BASELINE_MB: Final = 100  # interpreter, libraries, encoded source and outputs


@dataclass(frozen=True, slots=True)
class Limits:
    max_source_pixels: int = DEFAULT_MAX_SOURCE_PIXELS
    max_source_bytes: int = DEFAULT_MAX_SOURCE_BYTES
    # The memory the decode may use (the Lambda's memory size); None: no memory check (CLI, tests).
    memory_mb: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.max_source_pixels <= PILLOW_HARD_PIXEL_LIMIT:
            raise ConfigurationError(
                f"max_source_pixels is {self.max_source_pixels}; expected 1 to {PILLOW_HARD_PIXEL_LIMIT} "
                "(Pillow's decompression-bomb guard)"
            )
        if self.max_source_bytes < 1:
            raise ConfigurationError(f"max_source_bytes is {self.max_source_bytes}; expected a positive integer")


def estimated_peak_mb(source_format: str, has_alpha: bool, decoded_pixels: int) -> float:
    per_pixel = PEAK_BYTES_PER_PIXEL.get(
        source_format, PEAK_BYTES_PER_PIXEL_WITH_ALPHA if has_alpha else PEAK_BYTES_PER_PIXEL_DEFAULT
    )
    return BASELINE_MB + decoded_pixels * per_pixel / 1024**2
