"""The function's configuration, read from the environment once per cold start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from image_resizer.aws.pricing import WORKFLOW_TYPES
from image_resizer.errors import ConfigurationError
from image_resizer.limits import DEFAULT_MAX_SOURCE_BYTES, DEFAULT_MAX_SOURCE_PIXELS, Limits
from image_resizer.pipeline.manifest import DEFAULT_MANIFEST_KEY, parse_base_url, parse_manifest_key
from image_resizer.variants import DEFAULT_VARIANTS, VariantSpec, parse_variants

DEFAULT_CACHE_CONTROL: Final = "public, max-age=86400"


@dataclass(frozen=True, slots=True)
class Settings:
    source_bucket: str
    resized_bucket: str
    variants: tuple[VariantSpec, ...]
    limits: Limits
    cache_control: str = DEFAULT_CACHE_CONTROL
    manifest_key: str | None = DEFAULT_MANIFEST_KEY  # None: no manifests
    base_url: str | None = None  # where the resized bucket is served (a CDN), for the manifest's URLs
    workflow_type: str = WORKFLOW_TYPES[0]  # which Step Functions pricing the cost estimate uses


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"environment variable {name} is required")
    return value


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    """An integer setting; ``default`` when unset (it may be 0 to mean 'off')."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        raise ConfigurationError(f"environment variable {name} is {raw!r}; expected a positive integer") from None
    if value < 1:
        raise ConfigurationError(f"environment variable {name} is {raw!r}; expected a positive integer")
    return value


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    source_bucket = _required(env, "SOURCE_BUCKET")
    resized_bucket = _required(env, "RESIZED_BUCKET")
    if source_bucket == resized_bucket:
        raise ConfigurationError(
            f"RESIZED_BUCKET equals SOURCE_BUCKET ({source_bucket!r}): outputs would trigger new runs forever"
        )
    variants_json = env.get("VARIANTS", "").strip()
    return Settings(
        source_bucket=source_bucket,
        resized_bucket=resized_bucket,
        variants=parse_variants(variants_json) if variants_json else parse_variants(DEFAULT_VARIANTS),
        limits=Limits(
            max_source_pixels=_positive_int(env, "MAX_SOURCE_PIXELS", DEFAULT_MAX_SOURCE_PIXELS),
            max_source_bytes=_positive_int(env, "MAX_SOURCE_BYTES", DEFAULT_MAX_SOURCE_BYTES),
            # Set by the Lambda runtime; absent elsewhere, which turns the memory check off.
            memory_mb=_positive_int(env, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", 0) or None,
        ),
        cache_control=env.get("CACHE_CONTROL", "").strip() or DEFAULT_CACHE_CONTROL,
        manifest_key=parse_manifest_key(env.get("MANIFEST_KEY", DEFAULT_MANIFEST_KEY)),
        base_url=parse_base_url(env.get("BASE_URL")),
        workflow_type=_workflow_type(env),
    )


def _workflow_type(env: Mapping[str, str]) -> str:
    value = env.get("WORKFLOW_TYPE", "").strip() or WORKFLOW_TYPES[0]
    if value not in WORKFLOW_TYPES:
        expected = list(WORKFLOW_TYPES)
        raise ConfigurationError(f"environment variable WORKFLOW_TYPE is {value!r}; expected one of {expected}")
    return value
