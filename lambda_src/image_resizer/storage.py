"""S3 adapter: read originals (never modify them), inspect and write variants with provenance metadata."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeVar
from urllib.parse import quote, unquote

from botocore.exceptions import BotoCoreError, ClientError

from image_resizer.errors import (
    ConfigurationError,
    ImageResizerError,
    ImageTooLargeError,
    SourceNotFoundError,
    TransientError,
)
from image_resizer.events import ObjectRef

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
        "PreconditionFailed",
        "412",
    }
)

# Provenance metadata written on every variant (S3 lower-cases user metadata names).
META_SOURCE_BUCKET: Final = "source-bucket"
META_SOURCE_KEY: Final = "source-key"  # percent-encoded: S3 metadata must be ASCII
META_SOURCE_ETAG: Final = "source-etag"
META_SOURCE_VERSION: Final = "source-version-id"
META_VARIANT: Final = "variant"
META_SETTINGS_HASH: Final = "variant-settings-hash"
META_WIDTH: Final = "width"
META_HEIGHT: Final = "height"
META_FORMAT: Final = "format"
META_HDR: Final = "hdr"


@dataclass(frozen=True, slots=True)
class SourceHead:
    bucket: str
    key: str
    etag: str
    version_id: str | None
    size: int


@dataclass(frozen=True, slots=True)
class StoredVariant:
    key: str
    size: int
    metadata: Mapping[str, str]


def source_metadata(
    head: SourceHead, variant: str, settings_hash: str, width: int, height: int, fmt: str, hdr: str | None = None
) -> dict[str, str]:
    metadata = {
        META_SOURCE_BUCKET: head.bucket,
        META_SOURCE_KEY: quote(head.key, safe="/"),
        META_SOURCE_ETAG: head.etag,
        META_VARIANT: variant,
        META_SETTINGS_HASH: settings_hash,
        META_WIDTH: str(width),
        META_HEIGHT: str(height),
        META_FORMAT: fmt,
    }
    if head.version_id:
        metadata[META_SOURCE_VERSION] = head.version_id
    if hdr:
        metadata[META_HDR] = hdr
    return metadata


def belongs_to(stored: StoredVariant | None, bucket: str, key: str) -> bool:
    """The variant was rendered from exactly this source object (never delete another source's variant)."""
    if stored is None:
        return False
    meta = stored.metadata
    return meta.get(META_SOURCE_BUCKET) == bucket and unquote(meta.get(META_SOURCE_KEY, "")) == key


def is_fresh(stored: StoredVariant | None, head: SourceHead, settings_hash: str) -> bool:
    """A stored variant is fresh when it was rendered from these bytes (ETag) under this key with these settings.

    The version id is recorded but not compared: re-uploading identical bytes to a versioned bucket makes a
    new version whose variants would be byte-identical."""
    if stored is None:
        return False
    meta = stored.metadata
    return (
        meta.get(META_SETTINGS_HASH) == settings_hash
        and meta.get(META_SOURCE_ETAG) == head.etag
        and unquote(meta.get(META_SOURCE_KEY, "")) == head.key
        and meta.get(META_SOURCE_BUCKET) == head.bucket
    )


class ObjectStore:
    def __init__(self, client: S3Client) -> None:
        self._s3 = client

    def head_source(self, ref: ObjectRef) -> SourceHead:
        """Resolve the source (falling back to the event's literal key) and read its identity and size."""
        candidates = [ref.key] + ([ref.raw_key] if ref.raw_key else [])
        for index, key in enumerate(candidates):
            kwargs: dict[str, Any] = {"Bucket": ref.bucket, "Key": key}
            if ref.version_id:
                kwargs["VersionId"] = ref.version_id
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
            )
        raise AssertionError("unreachable")  # pragma: no cover

    def read_source(self, head: SourceHead, max_bytes: int) -> bytes:
        if head.size > max_bytes:
            raise ImageTooLargeError(f"the object has {head.size} bytes; the limit is {max_bytes}")
        kwargs: dict[str, Any] = {"Bucket": head.bucket, "Key": head.key}
        if head.version_id:
            kwargs["VersionId"] = head.version_id
        else:
            kwargs["IfMatch"] = f'"{head.etag}"'  # the bytes we render are the ones we recorded
        response = self._call(lambda: self._s3.get_object(**kwargs), "source", head.bucket, head.key)
        body = response["Body"]
        try:
            data: bytes = body.read(max_bytes + 1)
        except BotoCoreError as exc:
            raise TransientError(f"reading s3://{head.bucket}/{head.key} failed: {exc}") from exc
        finally:
            body.close()
        if len(data) > max_bytes:
            raise ImageTooLargeError(f"the object has more than {max_bytes} bytes")
        return data

    def head_variant(self, bucket: str, key: str) -> StoredVariant | None:
        try:
            response = self._call(lambda: self._s3.head_object(Bucket=bucket, Key=key), "variant", bucket, key)
        except SourceNotFoundError:
            return None
        return StoredVariant(key, int(response.get("ContentLength", 0)), dict(response.get("Metadata", {})))

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
    ) -> None:
        self._call(
            lambda: self._s3.put_object(
                Bucket=bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
                CacheControl=cache_control,
                Metadata=metadata,
            ),
            "output",
            bucket,
            key,
        )

    @staticmethod
    def _call(operation: Callable[[], T], role: str, bucket: str, key: str) -> T:
        try:
            return operation()
        except ClientError as exc:
            raise _translate(exc, role, bucket, key) from exc
        except BotoCoreError as exc:  # connection errors and timeouts left after botocore's retries
            raise TransientError(f"S3 request for s3://{bucket}/{key} failed: {exc}") from exc


def _translate(exc: ClientError, role: str, bucket: str, key: str) -> ImageResizerError | ClientError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    where = f"s3://{bucket}/{key}"
    if code in _TRANSIENT or status >= 500 or status == 429:
        return TransientError(f"S3 {code or status} on {where} ({role}); worth retrying")
    if role == "output" and (code in _DENIED or code in _NOT_FOUND):
        return ConfigurationError(f"cannot write {where}: {code} (check the resized bucket and the role)")
    if code in _NOT_FOUND:
        return SourceNotFoundError(f"{where} does not exist ({code})")
    if code in _DENIED:
        return SourceNotFoundError(f"{where} is not readable by this function ({code}); it may not exist")
    return exc
