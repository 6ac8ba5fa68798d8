"""One object through the core: resolve, skip if fresh, read, render, write. Knows S3 only via ObjectStore."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from image_resizer.aws.events import ObjectRef, shown
from image_resizer.aws.storage import (
    META_DOMINANT_COLOR,
    META_FORMAT,
    META_HEIGHT,
    META_THUMBHASH,
    META_WIDTH,
    ObjectStore,
    SourceHead,
    StoredVariant,
    belongs_to,
    is_fresh,
    source_metadata,
)
from image_resizer.errors import InvalidRequestError, SourceNotFoundError, TransientError
from image_resizer.imaging.encode import AUTO_OUTPUTS, EXTENSIONS, OutputFormat
from image_resizer.imaging.pool import executor
from image_resizer.imaging.render import RenderedVariant, render
from image_resizer.pipeline.manifest import build as build_manifest
from image_resizer.pipeline.manifest import manifest_key, source_entry
from image_resizer.pipeline.overrides import FOCAL_POINT, Overrides, from_object, selected
from image_resizer.pipeline.placeholders import manifest_marks, of_rendering, short_marks
from image_resizer.pipeline.settings import Settings
from image_resizer.variants import IMMUTABLE_CACHE_CONTROL, VariantSpec


@dataclass(slots=True)
class Outcome:
    """What happened to one source object; ``as_result`` is the handler's contract with the state machine."""

    source: SourceHead
    outputs: list[dict[str, Any]] = field(default_factory=list)
    skipped: bool = False
    # A newer version of the source exists: this event's render must not replace what that one publishes.
    superseded: bool = False
    opted_out: bool = False  # the upload says x-amz-meta-resize: skip
    manifest: dict[str, Any] | None = None
    source_format: str | None = None
    source_width: int | None = None
    source_height: int | None = None
    hdr: str | None = None
    elapsed_ms: float = 0.0

    @property
    def output_bytes(self) -> int:
        return sum(int(o["bytes"]) for o in self.outputs if not o.get("skipped"))

    def as_result(self) -> dict[str, Any]:
        source: dict[str, Any] = {
            "bucket": self.source.bucket,
            "key": self.source.key,
            "etag": self.source.etag,
        }
        if self.source.version_id:
            source["versionId"] = self.source.version_id
        if self.source_format:
            source.update(format=self.source_format, width=self.source_width, height=self.source_height)
        if self.hdr:
            source["hdr"] = self.hdr
        result = {"status": "SUCCEEDED", "source": source, "outputs": self.outputs, "skipped": self.skipped}
        if self.superseded:
            result["superseded"] = True
        if self.opted_out:
            result["reason"] = "x-amz-meta-resize: skip"
        if self.manifest is not None:
            result["manifest"] = self.manifest
        return result


def candidate_keys(spec: VariantSpec, source_key: str, content_hash: str = "") -> list[str]:
    """Where this variant of ``source_key`` may be: one key, or one per output format for ``{ext}`` + auto.
    A variant with ``formats`` is at every one of its keys (:func:`keys_before_decoding`)."""
    if spec.formats:
        return [spec.render_key(source_key, EXTENSIONS[cast(OutputFormat, fmt)], content_hash) for fmt in spec.formats]
    if spec.format in ("auto", "best"):
        if "{ext}" in spec.key:
            return sorted({spec.render_key(source_key, EXTENSIONS[fmt], content_hash) for fmt in AUTO_OUTPUTS})
        return [spec.render_key(source_key, "", content_hash)]
    ext = EXTENSIONS[cast(OutputFormat, spec.format)]
    return [spec.render_key(source_key, ext, content_hash)]


def delete_variants(ref: ObjectRef, settings: Settings, store: ObjectStore) -> dict[str, Any]:
    """After the original was deleted: remove the variants rendered from it, and nothing else.

    A key that still has a current version (a noncurrent version was purged, or it was uploaded again) keeps
    its variants. A variant whose provenance names another source (two uploads sharing a key template) stays.
    """
    if ref.bucket != settings.source_bucket:
        raise InvalidRequestError(
            f"bucket {shown(ref.bucket)} is not this function's source bucket ({settings.source_bucket!r})"
        )
    keys = [ref.key] + ([ref.raw_key] if ref.raw_key else [])
    live = [key for key in keys if store.source_exists(ref.bucket, key)]
    deleted: list[str] = []
    if not live:
        for key in keys:
            candidates = [c for spec in settings.variants for c in candidate_keys(spec, key)]
            if settings.manifest_key:
                # Content-addressed keys ({hash}) are known only from the manifest the last render wrote.
                manifest_at = manifest_key(settings.manifest_key, key)
                listed = store.read_manifest(settings.resized_bucket, manifest_at) or {}
                candidates += [v["key"] for v in listed.get("variants", []) if isinstance(v, dict) and "key" in v]
                candidates.append(manifest_at)
            for candidate in candidates:
                stored = store.head_variant(settings.resized_bucket, candidate)
                if belongs_to(stored, ref.bucket, key) and candidate not in deleted:
                    store.delete_variant(settings.resized_bucket, candidate)
                    deleted.append(candidate)
    return {
        "status": "SUCCEEDED",
        "source": {"bucket": ref.bucket, "key": ref.key},
        "deleted": [{"bucket": settings.resized_bucket, "key": key} for key in deleted],
        "skipped": bool(live),
    }


def keys_before_decoding(spec: VariantSpec, head: SourceHead) -> list[str] | None:
    """The output keys (one, or one per format), when they do not depend on the format chosen after decoding."""
    if spec.format in ("auto", "best") and "{ext}" in spec.key and not spec.formats:
        return None
    return candidate_keys(spec, head.key, spec.content_hash(head.etag, head.shaping))


def process(ref: ObjectRef, settings: Settings, store: ObjectStore) -> Outcome:
    """Render the source's current version, never the one an event or a caller names: an event about an older
    version (S3 events are not ordered) is skipped as superseded, and every write is a compare-and-swap made
    only while the rendered version is still the current one, so a variant is never rolled back."""
    started = time.perf_counter()
    if ref.bucket != settings.source_bucket:
        raise InvalidRequestError(
            f"bucket {shown(ref.bucket)} is not this function's source bucket ({settings.source_bucket!r})"
        )
    head = store.head_source(ref)
    outcome = Outcome(head)
    if _names_an_older_version(ref, head):
        outcome.skipped = outcome.superseded = True
        outcome.elapsed_ms = (time.perf_counter() - started) * 1000
        return outcome
    overrides = _overrides(head, settings, store)
    if overrides.skip:
        outcome.skipped = outcome.opted_out = True
        outcome.elapsed_ms = (time.perf_counter() - started) * 1000
        return outcome
    specs = selected(settings.variants, overrides)
    if any(spec.gravity == "focal" for spec in specs) and overrides.focal_text:
        head = dataclasses.replace(head, shaping=f"focal={overrides.focal_text}")
        outcome.source = head

    known = {spec.name: keys_before_decoding(spec, head) or [] for spec in specs}
    stored = {key: store.head_variant(settings.resized_bucket, key) for keys in known.values() for key in keys}
    if all(known[s.name] and all(is_fresh(stored[k], head, s.settings_hash) for k in known[s.name]) for s in specs):
        outcome.skipped = True
        outcome.outputs = [_stored_output(settings.resized_bucket, s, stored[k]) for s in specs for k in known[s.name]]
        if settings.manifest_key:  # a redelivery answers with the manifest the first delivery wrote
            outcome.manifest = store.read_manifest(
                settings.resized_bucket, manifest_key(settings.manifest_key, head.key)
            )
        outcome.elapsed_ms = (time.perf_counter() - started) * 1000
        return outcome

    with store.read_source(head, settings.limits.max_source_bytes) as body:
        result = render(body, specs, settings.limits, focal=overrides.focal)
    outcome.source_format, outcome.source_width, outcome.source_height, outcome.hdr = (
        result.source_format,
        result.source_width,
        result.source_height,
        result.hdr,
    )
    # The variants' short placeholders are computed on a worker thread while S3 answers the HEAD.
    marking = executor().submit(of_rendering, result, short_marks) if settings.manifest_key else None
    still_current = _is_current(store, head)
    marks = marking.result() if marking is not None else {}
    for variant in result.variants:
        outcome.outputs.append(
            _publish_variant(store, settings, head, variant, stored, result.hdr, marks, still_current)
        )
    outcome.superseded = any(o.pop("superseded") for o in outcome.outputs)
    outcome.skipped = outcome.superseded and all(o["skipped"] for o in outcome.outputs)
    if settings.manifest_key and still_current and not outcome.superseded:
        marks = {**marks, **of_rendering(result, manifest_marks)}  # after the variants: off their latency
        _write_manifest(store, head, outcome, specs, marks, settings, settings.manifest_key)
    outcome.elapsed_ms = (time.perf_counter() - started) * 1000
    return outcome


def _publish_variant(
    store: ObjectStore,
    settings: Settings,
    head: SourceHead,
    variant: RenderedVariant,
    stored: dict[str, StoredVariant | None],
    hdr: str | None,
    marks: dict[str, str],
    still_current: bool,
) -> dict[str, Any]:
    """Write one variant unless the stored one is fresh; its report, with whether a newer source won."""
    spec = variant.spec
    key = spec.render_key(head.key, variant.extension, spec.content_hash(head.etag, head.shaping))
    previous = stored[key] if key in stored else store.head_variant(settings.resized_bucket, key)
    fresh = is_fresh(previous, head, spec.settings_hash)
    written = False
    if not fresh and still_current:
        metadata = source_metadata(
            head,
            spec.name,
            spec.settings_hash,
            variant.width,
            variant.height,
            variant.format,
            hdr,
            variant.crop,
            variant.encoding_facts(),
        )
        if marks:  # the short ones travel with every variant; well inside S3's 2 KB of metadata
            metadata.update({META_THUMBHASH: marks["thumbhash"], META_DOMINANT_COLOR: marks["dominantColor"]})
        written = _publish(store, settings, key, variant, metadata, head, previous)
    report = {"bucket": settings.resized_bucket, "key": key, **variant.facts(), "skipped": not written}
    return {**report, "superseded": not fresh and not written}


def _write_manifest(
    store: ObjectStore,
    head: SourceHead,
    outcome: Outcome,
    specs: Sequence[VariantSpec],
    marks: dict[str, str],
    settings: Settings,
    template: str,
) -> None:
    outcome.manifest = _manifest(head, outcome, specs, marks, settings)
    store.put_manifest(settings.resized_bucket, manifest_key(template, head.key), outcome.manifest, head)


def _manifest(
    head: SourceHead, outcome: Outcome, specs: Sequence[VariantSpec], marks: dict[str, str], settings: Settings
) -> dict[str, Any]:
    source = source_entry(
        head.key,
        head.etag,
        outcome.source_width,
        outcome.source_height,
        outcome.source_format,
        head.size,
        head.version_id,
    )
    return build_manifest(source, outcome.outputs, specs, marks, settings.base_url)


_PUBLISH_ATTEMPTS = 3


def _overrides(head: SourceHead, settings: Settings, store: ObjectStore) -> Overrides:
    """The upload's own controls; its tags are read only when a focal variant needs a focal point the
    metadata does not give (one request saved on every other upload)."""
    wants_focal = any(spec.gravity == "focal" for spec in settings.variants)
    tags = store.source_tags(head) if wants_focal and FOCAL_POINT not in head.metadata else {}
    return from_object(head.metadata, tags, settings.variants)


def _names_an_older_version(ref: ObjectRef, current: SourceHead) -> bool:
    if ref.version_id and current.version_id:
        return ref.version_id != current.version_id
    return bool(ref.etag) and not ref.version_id and str(ref.etag).strip('"') != current.etag


def _is_current(store: ObjectStore, head: SourceHead) -> bool:
    """Whether ``head`` is still the source's current version (a newer upload publishes its own variants)."""
    try:
        now = store.head_source(ObjectRef(head.bucket, head.key))
    except SourceNotFoundError:
        return False  # deleted meanwhile: publish nothing the cascade delete would have to find
    return (now.version_id, now.etag) == (head.version_id, head.etag)


def _publish(
    store: ObjectStore,
    settings: Settings,
    key: str,
    variant: RenderedVariant,
    metadata: dict[str, str],
    head: SourceHead,
    previous: StoredVariant | None,
) -> bool:
    """Write over exactly the variant we looked at; when another writer got there first, look again."""
    spec = variant.spec
    for _ in range(_PUBLISH_ATTEMPTS):
        written = store.put_variant(
            settings.resized_bucket,
            key,
            variant.data,
            variant.content_type,
            IMMUTABLE_CACHE_CONTROL if spec.content_addressed else settings.cache_control,
            metadata,
            replaces=previous,
        )
        if written:
            return True
        previous = store.head_variant(settings.resized_bucket, key)
        if is_fresh(previous, head, spec.settings_hash) or not _is_current(store, head):
            return False  # a duplicate delivery wrote the same variant, or a newer version's run did
    raise TransientError(f"s3://{settings.resized_bucket}/{key} kept changing while it was written; retry")


def _stored_output(bucket: str, spec: VariantSpec, stored: Any) -> dict[str, Any]:
    meta = stored.metadata
    return {
        "variant": spec.name,
        "bucket": bucket,
        "key": stored.key,
        "width": int(meta.get(META_WIDTH, 0)),
        "height": int(meta.get(META_HEIGHT, 0)),
        "format": meta.get(META_FORMAT, ""),
        "bytes": stored.size,
        "skipped": True,
    }
