"""Every event shape the pipeline produces, reduced to one :class:`ObjectRef`.

- Step Functions / HTTP API input: ``{"bucket", "key", "versionId"?, "etag"?, "keyEncoding"?}``; the key is
  literal unless ``keyEncoding`` is ``"url"`` (what our EventBridge input transformer sets). The state
  machine wraps it as ``{"input": <execution input>, "executionId": ...}``.
- EventBridge ``Object Created``: ``detail.bucket.name``, ``detail.object.key`` (URL-encoded like S3
  notifications), ``version-id``, ``etag``.
- Classic S3 notification: ``Records[].s3`` with a URL-encoded key (``+`` is a space).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from image_resizer.errors import InvalidRequestError

MAX_KEY_BYTES = 1024


@dataclass(frozen=True, slots=True)
class ObjectRef:
    bucket: str
    key: str
    version_id: str | None = None
    etag: str | None = None
    # The key exactly as the event carried it, when it was URL-decoded: tried if the decoded key is missing.
    raw_key: str | None = None

    def as_dict(self) -> dict[str, str]:
        result = {"bucket": self.bucket, "key": self.key}
        if self.version_id:
            result["versionId"] = self.version_id
        if self.etag:
            result["etag"] = self.etag
        return result


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidRequestError(f"{what} must be a non-empty string, got {value!r}")
    return value


def _optional_text(value: object) -> str | None:
    return value if isinstance(value, str) and value and value != "null" else None


def _object_ref(bucket: object, key: object, version_id: object, etag: object, url_encoded: bool) -> ObjectRef:
    raw_key = _text(key, "key")
    decoded = unquote_plus(raw_key) if url_encoded else raw_key
    if len(decoded.encode()) > MAX_KEY_BYTES:
        raise InvalidRequestError(f"key is longer than S3's {MAX_KEY_BYTES} bytes")
    return ObjectRef(
        bucket=_text(bucket, "bucket"),
        key=decoded,
        version_id=_optional_text(version_id),
        etag=_optional_text(etag),
        raw_key=raw_key if decoded != raw_key else None,
    )


RESIZE, DELETE = "resize", "delete"


def requested_action(event: object) -> str:
    """``delete`` for deletion events (and state-machine input with ``"action": "delete"``), else ``resize``."""
    if not isinstance(event, Mapping):
        return RESIZE
    if isinstance(event.get("input"), Mapping) and "executionId" in event:
        return requested_action(event["input"])
    if event.get("action") == DELETE or event.get("detail-type") == "Object Deleted":
        return DELETE
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], Mapping):
        return DELETE if str(records[0].get("eventName", "")).startswith("ObjectRemoved:") else RESIZE
    return RESIZE


def parse_event(event: object, action: str = RESIZE) -> list[ObjectRef]:
    """The objects an event names (one, or several for a batched S3 notification)."""
    if not isinstance(event, Mapping):
        raise InvalidRequestError(f"the event must be a JSON object, got {type(event).__name__}")
    if isinstance(event.get("input"), Mapping) and "executionId" in event:
        return parse_event(event["input"], action)
    if "Records" in event:
        return [_from_s3_record(record, action) for record in _records(event["Records"])]
    if event.get("source") == "aws.s3" and isinstance(event.get("detail"), Mapping):
        return [_from_eventbridge(event["detail"], str(event.get("detail-type", "")), action)]
    if "bucket" in event or "key" in event:
        return [
            _object_ref(
                event.get("bucket"),
                event.get("key"),
                event.get("versionId"),
                event.get("etag"),
                url_encoded=event.get("keyEncoding") == "url",
            )
        ]
    raise InvalidRequestError(
        "unrecognised event: expected {'bucket', 'key'}, an EventBridge S3 event, or an S3 notification"
    )


def _records(records: object) -> list[Mapping[str, Any]]:
    if not isinstance(records, list) or not records:
        raise InvalidRequestError("'Records' must be a non-empty list")
    return [r for r in records if isinstance(r, Mapping)]


def _from_s3_record(record: Mapping[str, Any], action: str) -> ObjectRef:
    event_name = str(record.get("eventName", ""))
    expected = "ObjectRemoved:" if action == DELETE else "ObjectCreated:"
    if event_name and not event_name.startswith(expected):
        raise InvalidRequestError(f"S3 event {event_name!r} does not match the {action} action")
    s3 = record.get("s3")
    if not isinstance(s3, Mapping):
        raise InvalidRequestError("S3 notification record has no 's3' object")
    bucket, obj = s3.get("bucket") or {}, s3.get("object") or {}
    return _object_ref(bucket.get("name"), obj.get("key"), obj.get("versionId"), obj.get("eTag"), url_encoded=True)


def _from_eventbridge(detail: Mapping[str, Any], detail_type: str, action: str) -> ObjectRef:
    expected = "Object Deleted" if action == DELETE else "Object Created"
    if detail_type and detail_type != expected:
        raise InvalidRequestError(f"EventBridge event {detail_type!r} does not match the {action} action")
    bucket, obj = detail.get("bucket") or {}, detail.get("object") or {}
    return _object_ref(bucket.get("name"), obj.get("key"), obj.get("version-id"), obj.get("etag"), url_encoded=True)
