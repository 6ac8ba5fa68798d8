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
# libwebp's animation decoder (several full RGBA buffers); AVIF/HEIF are assumed as costly. A still WebP
# decoded by libwebp's scaler (webp_scaled.py) holds only its output and a few source rows.
PEAK_BYTES_PER_PIXEL: Final = {"WEBP": 16, "AVIF": 16, "HEIF": 16, "scaled WebP": 6}
PEAK_BYTES_PER_PIXEL_WITH_ALPHA: Final = 13
PEAK_BYTES_PER_PIXEL_DEFAULT: Final = 6
BASELINE_MB: Final = 100  # interpreter, libraries, encoded source and outputs
DEFAULT_MAX_FRAMES: Final = 300
# Decoded pixels an animation may cost in all, in frames of the largest still that fits: decoding time grows
# with it, and Lambda's CPU with its memory, so the budget follows the memory size when it is known.
ANIMATION_BUDGET_FRAMES: Final = 10


@dataclass(frozen=True, slots=True)
class Limits:
    max_source_pixels: int = DEFAULT_MAX_SOURCE_PIXELS
    max_source_bytes: int = DEFAULT_MAX_SOURCE_BYTES
    # The memory the decode may use (the Lambda's memory size); None: no memory check (CLI, tests).
    memory_mb: int | None = None
    max_frames: int = DEFAULT_MAX_FRAMES

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


def animation_pixel_budget(limits: Limits) -> int:
    """Decoded pixels an animation may cost in all: ten times the largest RGBA frame the function's memory
    holds (estimated_peak_mb inverted), or ten times max_source_pixels when the memory is not known."""
    if limits.memory_mb is None:
        return ANIMATION_BUDGET_FRAMES * limits.max_source_pixels
    fits = max(0.0, limits.memory_mb - BASELINE_MB) * 1024**2 / PEAK_BYTES_PER_PIXEL_WITH_ALPHA
    return ANIMATION_BUDGET_FRAMES * int(min(fits, limits.max_source_pixels))
