"""What a page shows while an image loads, computed from the smallest rendering: BlurHash (Wolt's published
algorithm, the `blurhash` package), ThumbHash (Evan Wallace's, the `thumbhash` package), the dominant colour,
and a tiny low-quality image as a data URI of at most 1 KB."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any, Final, cast

from PIL import Image

LQIP_MAX_CHARS: Final = 1024
_BLURHASH_COMPONENTS: Final = (4, 3)
_BLURHASH_SIDE: Final = 20
_THUMBHASH_SIDE: Final = 20


def _on_white(image: Image.Image) -> Image.Image:
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


def blurhash(image: Image.Image) -> str:
    import blurhash as blurhash_package  # imported here: cold starts without manifests do not pay for it

    small = _on_white(image)
    # 4x3 cosines need far fewer samples than 32 px; the pure-Python encoder's time grows with the pixels
    small.thumbnail((_BLURHASH_SIDE, _BLURHASH_SIDE), Image.Resampling.BOX)
    rgb, stride = small.tobytes(), 3 * small.width
    rows = [[rgb[i : i + 3] for i in range(y * stride, (y + 1) * stride, 3)] for y in range(small.height)]
    return str(blurhash_package.encode(rows, *_BLURHASH_COMPONENTS))


def thumbhash(image: Image.Image) -> str:
    """From the picture on white: thumbhash 0.1.2's alpha path fails (an operator-precedence slip makes its
    alpha DC a tuple), so transparent images get an opaque hash, as they get an opaque BlurHash."""
    from thumbhash import rgba_to_thumb_hash

    small = _on_white(image).convert("RGBA")
    # From 20 px the hash matches the one from 100 px (the format's largest input) at least as closely as from 32 px
    # on sample photos, at a fifteenth of the pure-Python encoder's time.
    small.thumbnail((_THUMBHASH_SIDE, _THUMBHASH_SIDE), Image.Resampling.BOX)
    return base64.b64encode(bytes(rgba_to_thumb_hash(small.width, small.height, list(small.tobytes())))).decode()


def dominant_colour(image: Image.Image) -> str:
    """The most frequent of eight colours, as #rrggbb."""
    small = _on_white(image)
    small.thumbnail((64, 64), Image.Resampling.BOX)
    paletted = small.quantize(colors=8, method=Image.Quantize.MEDIANCUT)
    counts = cast(list[tuple[int, int]], paletted.getcolors() or [(1, 0)])
    _, index = max(counts)
    palette = paletted.getpalette() or [0, 0, 0]
    red, green, blue = palette[3 * index : 3 * index + 3]
    return f"#{red:02x}{green:02x}{blue:02x}"


def lqip(image: Image.Image) -> str:
    """A data URI of a tiny WebP, at most LQIP_MAX_CHARS long (smaller and blurrier until it fits)."""
    for width, quality in ((24, 40), (16, 30), (12, 20), (8, 10)):
        small = image.convert("RGBA")
        small.thumbnail((width, width), Image.Resampling.BOX)
        buffer = io.BytesIO()
        small.save(buffer, "WEBP", quality=quality, method=6)
        uri = "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode()
        if len(uri) <= LQIP_MAX_CHARS:
            return uri
    return ""


def smallest_whole(result: Any) -> Any:
    """The smallest rendering of the whole picture (a crop would stand for only part of it); any, else."""
    whole = [v for v in result.variants if v.crop is None] or list(result.variants)
    return min(whole, key=lambda v: v.width * v.height)


def short_marks(image: Image.Image) -> dict[str, Any]:
    """The placeholders every variant carries in its metadata (needed before the variants are written)."""
    return {"thumbhash": thumbhash(image), "dominantColor": dominant_colour(image)}


def manifest_marks(image: Image.Image) -> dict[str, Any]:
    """The rest, for the manifest alone (computed after the variants are written)."""
    return {"blurhash": blurhash(image), "lqip": lqip(image)}


def placeholders(image: Image.Image) -> dict[str, Any]:
    return {**short_marks(image), **manifest_marks(image)}


def of_rendering(result: Any, compute: Callable[[Image.Image], dict[str, Any]] = placeholders) -> dict[str, Any]:
    """``compute``'s placeholders of a render result, from its smallest whole rendering."""
    with Image.open(io.BytesIO(smallest_whole(result).data)) as image:
        return compute(image)
