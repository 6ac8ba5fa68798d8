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


@dataclass(frozen=True, slots=True)
class Limits:
    max_source_pixels: int = DEFAULT_MAX_SOURCE_PIXELS
    max_source_bytes: int = DEFAULT_MAX_SOURCE_BYTES

    def __post_init__(self) -> None:
        if not 1 <= self.max_source_pixels <= PILLOW_HARD_PIXEL_LIMIT:
            raise ConfigurationError(
                f"max_source_pixels is {self.max_source_pixels}; expected 1 to {PILLOW_HARD_PIXEL_LIMIT} "
                "(Pillow's decompression-bomb guard)"
            )
        if self.max_source_bytes < 1:
            raise ConfigurationError(f"max_source_bytes is {self.max_source_bytes}; expected a positive integer")
