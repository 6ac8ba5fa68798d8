"""Per-upload control, from the original's own metadata (``x-amz-meta-*``) or object tags:

- ``focal-point: "0.31,0.42"`` (metadata, or an object tag of that name): fractions of the upright width and
  height; ``gravity: focal`` centres crops on it;
- ``variants: "thumbnail,square"``: render only these of the configured variants (an allowlist: no free sizes);
- ``resize: "skip"``: render nothing for this upload.

An invalid value is an ``InvalidRequestError`` naming the field, never a silent default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from image_resizer.aws.events import shown
from image_resizer.errors import InvalidRequestError
from image_resizer.variants import VariantSpec

FOCAL_POINT: Final = "focal-point"
VARIANTS: Final = "variants"
RESIZE: Final = "resize"


@dataclass(frozen=True, slots=True)
class Overrides:
    focal: tuple[float, float] | None = None
    only: tuple[str, ...] | None = None  # None: every configured variant
    skip: bool = False

    @property
    def focal_text(self) -> str | None:
        return None if self.focal is None else f"{self.focal[0]:g},{self.focal[1]:g}"


def parse_focal_point(text: str, where: str = f"x-amz-meta-{FOCAL_POINT}") -> tuple[float, float]:
    """``"X,Y"``; also ``"X Y"``, ``"X:Y"`` or ``"X/Y"``, because S3 tag values may not hold a comma (they
    allow letters, digits, spaces and ``_ . : / = + - @``)."""
    try:
        x_text, y_text = re.split(r"[,\s:/]+", text.strip())
        x, y = float(x_text), float(y_text)
    except ValueError:
        x = y = -1.0
    if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
        raise InvalidRequestError(f"{where} is {shown(text)}; expected 'X,Y' with fractions from 0 to 1")
    return x, y


def parse_only(text: str, specs: Sequence[VariantSpec], where: str = f"x-amz-meta-{VARIANTS}") -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    configured = [spec.name for spec in specs]
    unknown = [name for name in names if name not in configured]
    if not names or unknown:
        raise InvalidRequestError(
            f"{where} is {shown(text)}; expected a comma-separated list of configured variants {configured}"
        )
    return names


def from_object(metadata: Mapping[str, str], tags: Mapping[str, str], specs: Sequence[VariantSpec]) -> Overrides:
    """The upload's overrides from its metadata; the focal point from a tag too (metadata first)."""
    resize = metadata.get(RESIZE)
    if resize is not None and resize.strip().lower() not in ("skip", "yes"):
        raise InvalidRequestError(f"x-amz-meta-{RESIZE} is {shown(resize)}; expected 'skip' (or no such field)")
    focal_text, where = metadata.get(FOCAL_POINT), f"x-amz-meta-{FOCAL_POINT}"
    if focal_text is None and FOCAL_POINT in tags:
        focal_text, where = tags[FOCAL_POINT], f"the object tag {FOCAL_POINT}"
    only_text = metadata.get(VARIANTS)
    return Overrides(
        focal=parse_focal_point(focal_text, where) if focal_text is not None else None,
        only=parse_only(only_text, specs) if only_text is not None else None,
        skip=resize is not None and resize.strip().lower() == "skip",
    )


def selected(specs: Sequence[VariantSpec], overrides: Overrides) -> tuple[VariantSpec, ...]:
    return tuple(spec for spec in specs if overrides.only is None or spec.name in overrides.only)
