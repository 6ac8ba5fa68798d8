"""The variants schema: the one definition shared by the handler, the CLI and Terraform's ``var.variants``.

A variant is ``{"width": int, "height": int, "fit": "inside"|"cover", "format": "auto"|"best"|"jpeg"|"png"|
"webp"|"avif", "quality": 1-100|"auto", "quality_target": SSIMULACRA 2 score, "colorspace": "srgb"|"keep",
"key": "<template>"}``; only ``width`` and ``height`` are required. Key templates
may use ``{key}``, ``{dir}``, ``{stem}``, ``{ext}`` and ``{variant}``. Instead of ``format``, ``formats`` (e.g.
``["avif", "webp", "jpeg"]``, most preferred first) writes the variant once per format, for a CDN that picks
one by the browser's ``Accept`` (modules/cdn).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Final, Literal

from image_resizer.errors import ConfigurationError

Fit = Literal["inside", "cover"]
FormatChoice = Literal["auto", "best", "jpeg", "png", "webp", "avif", "gif"]
Quality = int | Literal["auto"]
Colorspace = Literal["srgb", "keep"]
Animation = Literal["first", "keep"]

FITS: Final = ("inside", "cover")
FORMAT_CHOICES: Final = ("auto", "best", "jpeg", "png", "webp", "avif", "gif")
COLORSPACES: Final = ("srgb", "keep")
ANIMATIONS: Final = ("first", "keep")
# Where a cover crop goes (crop.py); the one list, so that the crop module's import stays out of this schema.
GRAVITIES: Final = (
    "centre",
    "north",
    "south",
    "east",
    "west",
    "northeast",
    "northwest",
    "southeast",
    "southwest",
    "attention",
    "entropy",
    "focal",
)
# An animation is written as WebP (auto, webp) or GIF; GIF is an output only for kept animations.
ANIMATED_OUTPUTS: Final = ("auto", "webp", "gif")
# formats: what a variant written in several formats may list. The last one is what every browser shows.
NEGOTIABLE_FORMATS: Final = ("avif", "webp", "jpeg", "png")
UNIVERSAL_FORMATS: Final = ("jpeg", "png")
# {hash}: a short digest of the source's ETag and the variant's settings. A content-addressed key never names
# two different renderings, so it is served with Cache-Control: immutable and needs no CDN invalidation.
KEY_PLACEHOLDERS: Final = frozenset({"key", "dir", "stem", "ext", "variant", "hash"})
IMMUTABLE_CACHE_CONTROL: Final = "public, max-age=31536000, immutable"
MAX_DIMENSION: Final = 16384
DEFAULT_QUALITY: Final = 82
# quality "auto" aims at this SSIMULACRA 2 score unless a variant sets quality_target. On the metric's
# published scale 80 is "very high quality": not distinguishable from the original side by side at 1:1,
# which is how a page shows an image (90, "visually lossless" in a flicker test, costs about twice the bytes).
DEFAULT_QUALITY_TARGET: Final = 80.0
QUALITY_TARGET_RANGE: Final = (30.0, 99.0)
# {ext} is the written format's: a variant's name never claims another format than its bytes have.
DEFAULT_KEY_TEMPLATE: Final = "{variant}/{dir}{stem}.{ext}"
# Bump when the rendering changes in a way that alters output bytes: stored variants then count as stale.
RENDERER_VERSION: Final = "4"  # 4: attention crops judged against the frame (issue 33)

# The seed's contract: the resized copy lives under the same key as the upload.
DEFAULT_VARIANTS: Final[dict[str, dict[str, Any]]] = {
    "thumbnail": {
        "width": 200,
        "height": 200,
        "fit": "inside",
        "format": "auto",
        "quality": 82,
        "key": "{key}",
    },
}

_FIELDS: Final = frozenset(
    {
        "width",
        "height",
        "fit",
        "format",
        "formats",
        "quality",
        "quality_target",
        "colorspace",
        "animation",
        "gravity",
        "key",
    }
)


@dataclass(frozen=True, slots=True)
class VariantSpec:
    name: str
    width: int
    height: int
    fit: Fit = "inside"
    format: FormatChoice = "auto"
    quality: Quality = DEFAULT_QUALITY
    key: str = DEFAULT_KEY_TEMPLATE
    # "keep": wide-gamut sources keep their pixels and carry a compact copy of their profile.
    colorspace: Colorspace = "srgb"
    # "keep": animated GIF/WebP/APNG sources stay animated (WebP, or GIF); "first": the first frame.
    animation: Animation = "first"
    # Where a cover crop goes: centre, a compass point, attention, entropy or focal (crop.py).
    gravity: str = "centre"
    # The SSIMULACRA 2 score quality "auto" aims at; None for a fixed quality.
    quality_target: float | None = None
    # Written once per format, most preferred first (a CDN negotiates among them); empty: one format.
    formats: tuple[str, ...] = ()

    @property
    def settings_hash(self) -> str:
        """A short digest of everything that shapes this variant's bytes (stored with each output)."""
        settings = asdict(self)
        # Absent before quality "auto" and formats: stored variants of other specs stay current.
        if settings["quality_target"] is None:
            del settings["quality_target"]
        if not settings["formats"]:
            del settings["formats"]
        payload = json.dumps({"renderer": RENDERER_VERSION, **settings}, sort_keys=True)
        return _sha256(payload)[:16]

    @property
    def content_addressed(self) -> bool:
        return "{hash}" in self.key

    def content_hash(self, source_etag: str, shaping: str = "") -> str:
        """What {hash} stands for: this rendering's identity (source bytes, settings, focal point)."""
        identity = "\0".join((source_etag, self.settings_hash, shaping))
        return _sha256(identity)[:12]

    def render_key(self, source_key: str, output_ext: str, content_hash: str = "") -> str:
        directory, _, filename = source_key.rpartition("/")
        stem = filename.rsplit(".", 1)[0] if "." in filename.lstrip(".") else filename
        return self.key.format(
            key=source_key,
            dir=f"{directory}/" if directory else "",
            stem=stem,
            ext=output_ext,
            variant=self.name,
            hash=content_hash,
        )


def _fail(name: str, field: str, value: object, allowed: str) -> ConfigurationError:
    return ConfigurationError(f"variant {name!r}: field {field!r} is {value!r}; {allowed}")


def _choice_field(name: str, raw: Mapping[str, Any], field: str, choices: tuple[str, ...], default: str) -> Any:
    value = raw.get(field, default)
    if value not in choices:
        raise _fail(name, field, value, f"expected one of {list(choices)}")
    return value


def _int_field(name: str, raw: Mapping[str, Any], field: str, low: int, high: int, default: int | None) -> int:
    value = raw.get(field, default)
    if value is None:
        raise _fail(name, field, value, "it is required")
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(name, field, value, f"expected an integer from {low} to {high}")
    return value


def _quality_field(name: str, raw: Mapping[str, Any]) -> Quality:
    value = raw.get("quality")
    if value is None:  # absent (Terraform passes null): "best" implies "auto"
        return "auto" if raw.get("format") == "best" else DEFAULT_QUALITY
    if value == "auto":
        return "auto"
    # Terraform hands every quality over as a string (the type that also holds "auto"): "82" is 82.
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise _fail(name, "quality", raw.get("quality"), "expected an integer from 1 to 100 or 'auto'")
    return value


def _quality_target_field(name: str, raw: Mapping[str, Any], quality: Quality) -> float | None:
    value = raw.get("quality_target")
    if value is None:
        return DEFAULT_QUALITY_TARGET if quality == "auto" else None
    low, high = QUALITY_TARGET_RANGE
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise _fail(name, "quality_target", value, f"expected a SSIMULACRA 2 score from {low:g} to {high:g}")
    if quality != "auto":
        raise _fail(name, "quality_target", value, "it applies only with quality 'auto'")
    return float(value)


# The rules below are the ones variables.tf checks at plan time, with the same messages
# (tests/static/test_terraform_validation.py runs both on one table of values).
_NAME = re.compile(r"[A-Za-z0-9_-]+")  # ASCII: the name is written into S3 user metadata
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _key_template(name: str, template: object) -> str:
    if not isinstance(template, str) or not template.strip():
        raise _fail(name, "key", template, "expected a non-empty template string")
    unknown = sorted({field for field in _PLACEHOLDER.findall(template) if field not in KEY_PLACEHOLDERS})
    if unknown:
        allowed = ", ".join("{" + p + "}" for p in sorted(KEY_PLACEHOLDERS))
        raise _fail(name, "key", template, f"unknown placeholder(s) {unknown}; allowed: {allowed}")
    if "{" in _PLACEHOLDER.sub("", template) or "}" in _PLACEHOLDER.sub("", template):
        raise _fail(name, "key", template, "braces must enclose a placeholder")
    if template.startswith("/"):
        raise _fail(name, "key", template, "S3 keys must not start with '/'")
    return template


def _formats_field(name: str, raw: Mapping[str, Any]) -> tuple[str, ...]:
    value = raw.get("formats")
    if value is None:
        return ()
    allowed = f"expected a list from {list(NEGOTIABLE_FORMATS)}, each once, ending with 'jpeg' or 'png'"
    if (
        not isinstance(value, list | tuple)
        or not value
        or any(f not in NEGOTIABLE_FORMATS for f in value)
        or len(set(value)) != len(value)
        or value[-1] not in UNIVERSAL_FORMATS
    ):
        raise _fail(name, "formats", value, allowed)
    if raw.get("format") is not None:
        raise _fail(name, "format", raw.get("format"), "'format' and 'formats' exclude each other: set one")
    if raw.get("animation", "first") == "keep":
        raise _fail(name, "formats", list(value), "animation 'keep' writes one format: use 'format'")
    return tuple(value)


def parse_variant(name: str, raw: object) -> VariantSpec:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ConfigurationError(f"variant name {name!r} must be letters, digits, '-' or '_'")
    if not isinstance(raw, Mapping):
        raise ConfigurationError(f"variant {name!r} must be an object, got {type(raw).__name__}")
    unknown = set(raw) - _FIELDS
    if unknown:
        raise ConfigurationError(f"variant {name!r}: unknown field(s) {sorted(unknown)}; allowed: {sorted(_FIELDS)}")
    fit = _choice_field(name, raw, "fit", FITS, "inside")
    # null is absent (Terraform passes it for a variant with formats).
    output_format: FormatChoice = (
        "auto" if raw.get("format") is None else _choice_field(name, raw, "format", FORMAT_CHOICES, "auto")
    )
    colorspace = _choice_field(name, raw, "colorspace", COLORSPACES, "srgb")
    animation = _choice_field(name, raw, "animation", ANIMATIONS, "first")
    if animation == "keep" and output_format not in ANIMATED_OUTPUTS:
        raise _fail(name, "format", output_format, f"animation 'keep' writes one of {list(ANIMATED_OUTPUTS)}")
    if output_format == "gif" and animation != "keep":
        raise _fail(name, "format", output_format, "'gif' is an output only with animation 'keep'")
    gravity = _choice_field(name, raw, "gravity", GRAVITIES, "centre")
    # "best" compares formats at one perceptual target, so it implies quality "auto" (and refuses a number).
    quality = _quality_field(name, raw)
    if output_format == "best" and quality != "auto":
        raise _fail(name, "quality", quality, "format 'best' compares formats at a perceptual target: use 'auto'")
    if animation == "keep" and quality == "auto":
        raise _fail(name, "quality", quality, "'auto' is for still images; animation 'keep' needs a number")
    formats = _formats_field(name, raw)
    key = _key_template(name, raw.get("key", DEFAULT_KEY_TEMPLATE))
    if formats and ("{ext}" not in key or "{hash}" in key):
        # One key per format, and one the CDN can compute from the upload's key alone (modules/cdn).
        raise _fail(name, "key", key, "formats need {ext} and no {hash} in the key: each format has its own key")
    if output_format != "auto" and "{key}" in key and "{ext}" not in key:
        # {key} keeps the upload's extension: a JPEG written as card/logo.png is trusted as a PNG by browsers.
        raise _fail(
            name,
            "key",
            key,
            f"format '{output_format}' needs the extension it writes: use {{dir}}{{stem}}.{{ext}}, not {{key}}",
        )
    return VariantSpec(
        name=name,
        width=_int_field(name, raw, "width", 1, MAX_DIMENSION, None),
        height=_int_field(name, raw, "height", 1, MAX_DIMENSION, None),
        fit=fit,
        format=output_format,
        quality=quality,
        quality_target=_quality_target_field(name, raw, quality),
        key=key,
        colorspace=colorspace,
        animation=animation,
        gravity=gravity,
        formats=formats,
    )


def parse_variants(raw: object) -> tuple[VariantSpec, ...]:
    """Validate a variants mapping (already decoded, or as JSON text); errors name the field and value."""
    if isinstance(raw, str | bytes):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"variants are not valid JSON: {exc}") from exc
    if not isinstance(raw, Mapping) or not raw:
        raise ConfigurationError("variants must be a non-empty JSON object of name -> settings")
    specs = tuple(parse_variant(name, settings) for name, settings in raw.items())
    templates: dict[str, str] = {}
    for spec in specs:
        # Two variants whose templates ignore {variant} and agree would overwrite each other.
        probe = spec.key.replace("{variant}", spec.name)
        if probe in templates:
            raise ConfigurationError(
                f"variants {templates[probe]!r} and {spec.name!r} would write the same key ({spec.key!r})"
            )
        templates[probe] = spec.name
    return specs


def default_variants() -> tuple[VariantSpec, ...]:
    return parse_variants(DEFAULT_VARIANTS)


def _sha256(text: str) -> str:
    import hashlib  # OpenSSL's bindings: loaded by the first digest, not by every command that parses variants

    return hashlib.sha256(text.encode()).hexdigest()
