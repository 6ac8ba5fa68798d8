"""The per-upload manifest (schemas/manifest.schema.json): what exists, where, how to put it on a page.

One JSON document per upload: the source; every variant (key, URL when a base URL is configured, size, format,
bytes, quality, crop; for a variant with ``formats``, the one URL the CDN negotiates); a ``srcset`` per format
of the variants that keep the source's aspect ratio, and a ``<picture>`` snippet that offers AVIF, then WebP,
then JPEG/PNG; placeholders from the smallest rendering.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

if TYPE_CHECKING:
    from image_resizer.variants import VariantSpec

MANIFEST_VERSION: Final = 1
DEFAULT_MANIFEST_KEY: Final = "manifests/{dir}{stem}.json"
MANIFEST_PLACEHOLDERS: Final = frozenset({"key", "dir", "stem"})
_PLACEHOLDER: Final = re.compile(r"\{([^{}]*)\}")
# The same pattern is the base_url variable's validation in variables.tf (RE2 and Python agree on it).
# A bare host ("images.example.com") would make every URL relative by mistake: a relative base is spelt out.
BASE_URL_PATTERN: Final = r"(https?://[^/\s?#]+|\.{0,2})(/[^\s?#]*)?"
# <source> order in <picture>: the browser takes the first type it supports.
_PICTURE_ORDER: Final = ("avif", "webp", "jpeg", "png", "gif")
_MIME: Final = {
    "avif": "image/avif",
    "webp": "image/webp",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
}


def parse_manifest_key(raw: str | None) -> str | None:
    """The manifest's key template; ``null`` (or empty) turns manifests off."""
    from image_resizer.errors import ConfigurationError

    if raw is None or raw.strip() in ("", "null"):
        return None
    unknown = sorted({p for p in _PLACEHOLDER.findall(raw) if p not in MANIFEST_PLACEHOLDERS})
    if unknown or raw.startswith("/") or "{" in _PLACEHOLDER.sub("", raw) or "}" in _PLACEHOLDER.sub("", raw):
        raise ConfigurationError(
            f"manifest key template {json.dumps(raw)}: placeholders may be {{key}}, {{dir}} and {{stem}}, and it "
            "must not start with '/'"
        )
    return raw


def parse_base_url(raw: str | None) -> str | None:
    """Where the resized bucket is served, for the manifests' URLs; empty: keys only."""
    from image_resizer.errors import ConfigurationError

    if raw is None or not raw.strip():
        return None
    if not re.fullmatch(BASE_URL_PATTERN, raw):
        raise ConfigurationError(
            f"base URL {json.dumps(raw)}: expected an http(s) URL such as https://images.example.com/, or a path "
            "starting with /, ./ or ../, without query or fragment"
        )
    return raw


def manifest_key(template: str, source_key: str) -> str:
    directory, _, filename = source_key.rpartition("/")
    stem = filename.rsplit(".", 1)[0] if "." in filename.lstrip(".") else filename
    return template.format(key=source_key, dir=f"{directory}/" if directory else "", stem=stem)


def variant_url(base_url: str | None, key: str) -> str | None:
    return None if not base_url else base_url.rstrip("/") + "/" + quote(key, safe="/")


def source_entry(
    key: str,
    etag: str,
    width: int | None,
    height: int | None,
    source_format: str | None,
    size: int,
    version_id: str | None = None,
) -> dict[str, Any]:
    """The manifest's ``source``: the original as it was read (its version, when the bucket keeps versions)."""
    source: dict[str, Any] = {
        "key": key,
        "etag": etag,
        "width": width,
        "height": height,
        "format": source_format,
        "bytes": size,
    }
    if version_id:
        source["versionId"] = version_id
    return source


def build(
    source: Mapping[str, Any],
    outputs: Sequence[Mapping[str, Any]],
    specs: Sequence[VariantSpec],
    placeholders: Mapping[str, str],
    base_url: str | None,
) -> dict[str, Any]:
    """The manifest of one upload: the function's (``pipeline.service``) and the CLI's are built here alike."""
    specs_quality = {spec.name: spec.quality for spec in specs}
    fits = {spec.name: spec.fit for spec in specs}
    negotiated = {spec.name for spec in specs if spec.formats}
    source_url = variant_url(base_url, str(source["key"]))
    variants = []
    for output in outputs:
        entry: dict[str, Any] = {
            "name": output["variant"],
            "key": output["key"],
            "width": output["width"],
            "height": output["height"],
            "format": output["format"],
            "bytes": output["bytes"],
            # quality "auto": the quality the search chose (null: lossless, or the source's own bytes).
            "quality": output["quality"] if "quality" in output else specs_quality[output["variant"]],
            "fit": fits[output["variant"]],
        }
        if "score" in output:
            entry["score"] = output["score"]
        url = variant_url(base_url, output["key"])
        if url:
            entry["url"] = url
        if source_url and output["variant"] in negotiated:  # the CDN's one URL for every format (modules/cdn)
            entry["negotiated"] = f"{source_url}?v={output['variant']}"
        if "crop" in output:
            entry["crop"] = output["crop"]
        variants.append(entry)
    srcset = _srcsets(variants)
    return {
        "version": MANIFEST_VERSION,
        "source": dict(source),
        "variants": variants,
        "srcset": srcset,
        "picture": _picture(variants, srcset, placeholders),
        "placeholders": dict(placeholders),
    }


def _srcsets(variants: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Per format, the variants that keep the source's aspect ratio (``inside``), smallest first. Crops of
    other shapes are not candidates of the same picture."""
    by_format: dict[str, list[Mapping[str, Any]]] = {}
    for variant in variants:
        if variant["fit"] == "inside":
            by_format.setdefault(variant["format"], []).append(variant)
    return {
        fmt: ", ".join(f"{v.get('url', v['key'])} {v['width']}w" for v in sorted(group, key=lambda v: v["width"]))
        for fmt, group in by_format.items()
    }


def _placeholder_style(placeholders: Mapping[str, str]) -> str:
    """What the <img> paints until its pixels arrive: the LQIP stretched over the box (the browser's smooth
    upscaling of a 24 px image is the blur), over the dominant colour, which shows only if the LQIP cannot.
    No ``decoding="async"``: the image replaces its placeholder in the frame it is decoded for."""
    layers = []
    if placeholders.get("lqip"):
        layers.append(f"url({placeholders['lqip']}) center/100% 100% no-repeat")
    if placeholders.get("dominantColor"):
        layers.append(placeholders["dominantColor"])
    # One background layer: the image, then the colour beneath it (CSS allows a colour in the final layer).
    return f' style="background:{html.escape(" ".join(layers))}"' if layers else ""


def _picture(variants: Sequence[Mapping[str, Any]], srcset: Mapping[str, str], placeholders: Mapping[str, str]) -> str:
    if not srcset:
        return ""
    formats = [fmt for fmt in _PICTURE_ORDER if fmt in srcset]
    fallback = formats[-1]
    largest = max((v for v in variants if v["format"] == fallback and v["fit"] == "inside"), key=lambda v: v["width"])
    sources = "".join(
        f'<source type="{_MIME[fmt]}" srcset="{html.escape(srcset[fmt])}" sizes="100vw">' for fmt in formats[:-1]
    )
    img = (
        f'<img src="{html.escape(largest.get("url", largest["key"]))}" srcset="{html.escape(srcset[fallback])}" '
        f'sizes="100vw" width="{largest["width"]}" height="{largest["height"]}" alt="" loading="lazy"'
        f"{_placeholder_style(placeholders)}>"
    )
    return f"<picture>{sources}{img}</picture>"
