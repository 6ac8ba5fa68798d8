"""S3 adapter: read originals (never modify them), inspect and write variants with provenance metadata."""

from __future__ import annotations

import functools
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from image_resizer.arriving import ArrivingBytes
from image_resizer.aws.events import ObjectRef
from image_resizer.errors import (
    ConfigurationError,
    ImageResizerError,
    ImageTooLargeError,
    InvalidRequestError,
    SourceNotFoundError,
    TransientError,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

T = TypeVar("T")

_NOT_FOUND: Final = frozenset({"NoSuchKey", "NotFound", "404", "NoSuchVersion", "NoSuchBucket"})
_DENIED: Final = frozenset({"AccessDenied", "403", "Forbidden", "AllAccessDisabled"})
_TRANSIENT: Final = frozenset(
    {
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "RequestTimeout",
        "RequestTimeTooSkewed",
        "InternalError",
        "ServiceUnavailable",
    }
)
# The source changed between HEAD and GET (GetObject's IfMatch): a new upload is on its way; read it again.
_SOURCE_CHANGED: Final = frozenset({"PreconditionFailed", "412"})

# Provenance written on every variant: only what the skip and delete checks need, as digests, so that whoever
# can read a variant (every viewer, once a CDN serves it) learns nothing of the original's bucket, key, ETag
# or version. S3 lower-cases user metadata names.
META_SOURCE: Final = "source"  # digest of the original's bucket and key (which original)
META_SOURCE_STATE: Final = "source-state"  # digest of bucket, key and ETag (which bytes of it)
META_VARIANT: Final = "variant"
META_SETTINGS_HASH: Final = "variant-settings-hash"
META_WIDTH: Final = "width"
META_HEIGHT: Final = "height"
META_FORMAT: Final = "format"
META_QUALITY: Final = "quality"  # quality "auto": the encoder quality chosen ("lossless", or "source" bytes kept)
META_SCORE: Final = "score"  # quality "auto": the SSIMULACRA 2 score achieved
META_HDR: Final = "hdr"
META_CROP: Final = "crop"
META_THUMBHASH: Final = "thumbhash"
META_DOMINANT_COLOR: Final = "dominant-color"
# "User-defined metadata is limited to 2 KB in size. The size of user-defined metadata is measured by taking
# the sum of the number of bytes in the UTF-8 encoding of each key and value." (Amazon S3 User Guide, "Working
# with object metadata"). moto does not enforce it; the local stack's shim and this check do.
MAX_USER_METADATA_BYTES: Final = 2048
# "The object key name is a sequence of Unicode characters with UTF-8 encoding of up to 1,024 bytes long"
# (Amazon S3 User Guide, "Naming Amazon S3 objects"); S3 answers KeyTooLongError, moto accepts longer keys.
MAX_KEY_BYTES: Final = 1024


@dataclass(frozen=True, slots=True)
class SourceHead:
    bucket: str
    key: str
    etag: str
    version_id: str | None
    size: int
    metadata: Mapping[str, str] = field(default_factory=dict)  # the original's x-amz-meta-* (lower-case names)
    # What else shapes the variants besides the bytes: the focal point (S3 metadata and tags can change
    # without changing the ETag, so a new focal point must still count as a new source state).
    shaping: str = ""


@dataclass(frozen=True, slots=True)
class StoredVariant:
    key: str
    size: int
    metadata: Mapping[str, str]
    etag: str = ""


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def source_id(bucket: str, key: str) -> str:
    return _digest(bucket, key)


def source_state(head: SourceHead) -> str:
    return (
        _digest(head.bucket, head.key, head.etag, head.shaping)
        if head.shaping
        else _digest(head.bucket, head.key, head.etag)
    )


def source_metadata(
    head: SourceHead,
    variant: str,
    settings_hash: str,
    width: int,
    height: int,
    fmt: str,
    hdr: str | None = None,
    crop: tuple[int, int, int, int] | None = None,
    encoding: tuple[str, float] | None = None,
) -> dict[str, str]:
    metadata = {
        META_SOURCE: source_id(head.bucket, head.key),
        META_SOURCE_STATE: source_state(head),
        META_VARIANT: variant,
        META_SETTINGS_HASH: settings_hash,
        META_WIDTH: str(width),
        META_HEIGHT: str(height),
        META_FORMAT: fmt,
    }
    if hdr:
        metadata[META_HDR] = hdr
    if crop is not None:
        metadata[META_CROP] = ",".join(str(v) for v in crop)
    if encoding is not None:
        metadata[META_QUALITY], score = encoding[0], encoding[1]
        metadata[META_SCORE] = f"{score:.2f}"
    return metadata


def metadata_bytes(metadata: Mapping[str, str]) -> int:
    # S3 counts the names as sent, with their x-amz-meta- prefix stripped.
    return sum(len(name.encode()) + len(value.encode()) for name, value in metadata.items())


def belongs_to(stored: StoredVariant | None, bucket: str, key: str) -> bool:
    """The variant was rendered from exactly this source object (never delete another source's variant)."""
    return stored is not None and stored.metadata.get(META_SOURCE) == source_id(bucket, key)


def is_fresh(stored: StoredVariant | None, head: SourceHead, settings_hash: str) -> bool:
    """A stored variant is fresh when it was rendered from these bytes (ETag) under this key with these settings.

    The version id is not compared: re-uploading identical bytes to a versioned bucket makes a new version
    whose variants would be byte-identical."""
    if stored is None:
        return False
    meta = stored.metadata
    return meta.get(META_SETTINGS_HASH) == settings_hash and meta.get(META_SOURCE_STATE) == source_state(head)


class ObjectStore:
    def __init__(self, client: S3Client) -> None:
        self._s3 = client
        # S3 API calls by operation, for the invocation's cost estimate (the handler resets it per invocation).
        self.requests: Counter[str] = Counter()
        client.meta.events.register("before-call.s3", self._count_request)

    def _count_request(self, **kwargs: Any) -> None:
        self.requests[kwargs["model"].name] += 1

    def head_source(self, ref: ObjectRef) -> SourceHead:
        """The source's current version (falling back to the event's literal key): its identity and size.

        Never the version an event or a caller names: only the current one is rendered (service.process)."""
        candidates = [ref.key] + ([ref.raw_key] if ref.raw_key else [])
        for index, key in enumerate(candidates):
            kwargs: dict[str, Any] = {"Bucket": ref.bucket, "Key": key}
            try:
                response = self._call(functools.partial(self._s3.head_object, **kwargs), "source", ref.bucket, key)
            except SourceNotFoundError:
                if index + 1 < len(candidates):
                    continue
                raise
            return SourceHead(
                bucket=ref.bucket,
                key=key,
                etag=str(response.get("ETag", "")).strip('"'),
                version_id=response.get("VersionId") or None,
                size=int(response.get("ContentLength", 0)),
                metadata=dict(response.get("Metadata", {})),
            )
        raise AssertionError("unreachable")  # pragma: no cover

    def read_source(self, head: SourceHead, max_bytes: int) -> ArrivingBytes:
        """The source's bytes, arriving on a thread of their own while the caller decodes them."""
        if head.size > max_bytes:
            raise ImageTooLargeError(f"the object has {head.size} bytes; the limit is {max_bytes}")
        kwargs: dict[str, Any] = {"Bucket": head.bucket, "Key": head.key}
        if head.version_id:
            kwargs["VersionId"] = head.version_id
        else:
            kwargs["IfMatch"] = f'"{head.etag}"'  # the bytes we render are the ones we recorded
        response = self._call(lambda: self._s3.get_object(**kwargs), "source", head.bucket, head.key)
        body = response["Body"]
        size = int(response.get("ContentLength", head.size))
        return ArrivingBytes.streamed(body.read, body.close, size, max_bytes, f"s3://{head.bucket}/{head.key}")

    def source_tags(self, head: SourceHead) -> dict[str, str]:
        """The original's object tags (the focal point may be set there instead of in its metadata)."""
        kwargs: dict[str, Any] = {"Bucket": head.bucket, "Key": head.key}
        if head.version_id:
            kwargs["VersionId"] = head.version_id
        response = self._call(lambda: self._s3.get_object_tagging(**kwargs), "source", head.bucket, head.key)
        return {str(tag["Key"]).lower(): str(tag["Value"]) for tag in response.get("TagSet", [])}

    def put_manifest(self, bucket: str, key: str, manifest: Mapping[str, Any], source: SourceHead) -> None:
        """The manifest carries the same source digest as the variants, so a cascade delete finds it too."""
        body = json.dumps(manifest, separators=(",", ":"), ensure_ascii=False).encode()
        metadata = {META_SOURCE: source_id(source.bucket, source.key)}
        self._call(
            lambda: self._s3.put_object(
                Bucket=bucket,
                Key=key,
                Body=body,
                ContentType="application/json",
                CacheControl="no-cache",
                Metadata=metadata,
            ),
            "output",
            bucket,
            key,
        )

    def read_manifest(self, bucket: str, key: str) -> dict[str, Any] | None:
        try:
            response = self._call(lambda: self._s3.get_object(Bucket=bucket, Key=key), "variant", bucket, key)
        except SourceNotFoundError:
            return None
        try:
            return dict(json.loads(response["Body"].read()))
        except (ValueError, TypeError):
            return None

    def head_variant(self, bucket: str, key: str) -> StoredVariant | None:
        try:
            response = self._call(lambda: self._s3.head_object(Bucket=bucket, Key=key), "variant", bucket, key)
        except SourceNotFoundError:
            return None
        return StoredVariant(
            key,
            int(response.get("ContentLength", 0)),
            dict(response.get("Metadata", {})),
            str(response.get("ETag", "")),
        )

    def source_exists(self, bucket: str, key: str) -> bool:
        """Whether the key has a current version (a delete marker or a deleted object: no)."""
        try:
            self._call(lambda: self._s3.head_object(Bucket=bucket, Key=key), "source", bucket, key)
        except SourceNotFoundError:
            return False
        return True

    def delete_variant(self, bucket: str, key: str) -> None:
        self._call(lambda: self._s3.delete_object(Bucket=bucket, Key=key), "output", bucket, key)

    def put_variant(
        self,
        bucket: str,
        key: str,
        data: bytes,
        content_type: str,
        cache_control: str,
        metadata: dict[str, str],
        replaces: StoredVariant | None = None,
    ) -> bool:
        """Write a variant only over the object ``replaces`` names (or only where none exists): a compare-and-
        swap, so a concurrent writer is never overwritten unseen. False when that condition failed."""
        if len(key.encode()) > MAX_KEY_BYTES:
            raise InvalidRequestError(
                f"the variant key is {len(key.encode())} bytes; S3 allows {MAX_KEY_BYTES} (KeyTooLongError): "
                "shorten the key template's prefix"
            )
        if metadata_bytes(metadata) > MAX_USER_METADATA_BYTES:
            raise InvalidRequestError(
                f"the variant's metadata would be {metadata_bytes(metadata)} bytes; S3 allows {MAX_USER_METADATA_BYTES}"
            )
        condition: dict[str, Any] = (
            {"IfMatch": replaces.etag} if replaces is not None and replaces.etag else {"IfNoneMatch": "*"}
        )
        try:
            self._s3.put_object(
                Bucket=bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
                CacheControl=cache_control,
                Metadata=metadata,
                **condition,
            )
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("PreconditionFailed", "412", "ConditionalRequestConflict", "409"):
                return False
            raise _translate(exc, "output", bucket, key) from exc
        except BotoCoreError as exc:
            raise TransientError(f"S3 request for s3://{bucket}/{key} failed: {exc}") from exc
        return True

    @staticmethod
    def _call(operation: Callable[[], T], role: str, bucket: str, key: str) -> T:
        try:
            return operation()
        except ClientError as exc:
            raise _translate(exc, role, bucket, key) from exc
        except BotoCoreError as exc:  # connection errors and timeouts left after botocore's retries
            raise TransientError(f"S3 request for s3://{bucket}/{key} failed: {exc}") from exc


def _translate(exc: ClientError, role: str, bucket: str, key: str) -> ImageResizerError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    where = f"s3://{bucket}/{key}"
    if code in _TRANSIENT or status >= 500 or status == 429 or code in _SOURCE_CHANGED:
        return TransientError(f"S3 {code or status} on {where} ({role}); worth retrying")
    if role == "output" and (code in _DENIED or code in _NOT_FOUND):
        return ConfigurationError(f"cannot write {where}: {code} (check the resized bucket and the role)")
    if code in _NOT_FOUND:
        return SourceNotFoundError(f"{where} does not exist ({code})")
    if code in _DENIED:
        return SourceNotFoundError(f"{where} is not readable by this function ({code}); it may not exist")
    if code == "InvalidObjectState":
        return SourceNotFoundError(f"{where} is archived (InvalidObjectState): restore it before resizing")
    if code in ("KeyTooLongError", "MetadataTooLarge"):
        return InvalidRequestError(f"S3 refused {where} ({role}): {code}")
    if 400 <= status < 500 or not status:
        # Any other client error is permanent: retrying the same request gets the same answer.
        return InvalidRequestError(f"S3 refused the request for {where} ({role}): {code or status}")
    return ConfigurationError(f"S3 answered {code or status} for {where} ({role}): is the bucket in this region?")
