"""Every event shape the pipeline produces, reduced to one :class:`ObjectRef`.

- Step Functions / HTTP API input: ``{"bucket", "key", "versionId"?, "etag"?, "keyEncoding"?}`` and nothing
  else; the key is literal unless ``keyEncoding`` is ``"url"`` (what our EventBridge input transformer sets).
  The state machine wraps it as ``{"input": <execution input>, "executionId": ..., "action"?: "delete"}``:
  the action comes from the state machine's definition, never from the input, which an API caller writes.
  ``versionId`` and ``etag`` only say which version the event was about; the service renders the object's
  current version and skips an event about an older one (``service.process``).
- EventBridge ``Object Created``: ``detail.bucket.name``, ``detail.object.key`` (URL-encoded like S3
  notifications), ``version-id``, ``etag``.
- Classic S3 notification: ``Records[].s3`` with a URL-encoded key (``+`` is a space).
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote_plus

from image_resizer.errors import InvalidRequestError

MAX_KEY_BYTES = 1024
# The fields an execution's input may carry: what the EventBridge input transformer writes.
INPUT_FIELDS: Final = frozenset({"bucket", "key", "versionId", "etag", "keyEncoding"})

# Values echoed in error messages are shortened (and safe for any nesting depth): a caller must not get
# its own input back at full length, nor crash the formatter with a deeply nested one.
_SHOWN = reprlib.Repr()
_SHOWN.maxstring, _SHOWN.maxother, _SHOWN.maxlevel, _SHOWN.maxlist, _SHOWN.maxdict = 80, 80, 2, 4, 4


def shown(value: object) -> str:
    return _SHOWN.repr(value)


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
        raise InvalidRequestError(f"{what} must be a non-empty string, got {shown(value)}")
    return value


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidRequestError(f"{what} must be an object, got {type(value).__name__}")
    return value


def _optional_text(value: object) -> str | None:
    return value if isinstance(value, str) and value and value != "null" else None


def _key(raw_key: str, url_encoded: bool) -> str:
    """The object key, checked as S3 would take it: valid UTF-8 of at most 1,024 bytes ("Naming Amazon S3
    objects", S3 User Guide), without control characters (S3 accepts some, but XML 1.0 cannot carry them in a
    listing, and no upload names a file so)."""
    try:
        decoded = unquote_plus(raw_key, errors="strict") if url_encoded else raw_key
        encoded = decoded.encode("utf-8")
    except UnicodeError:
        raise InvalidRequestError(f"key {shown(raw_key)} is not valid UTF-8") from None
    if len(encoded) > MAX_KEY_BYTES:
        raise InvalidRequestError(f"key is {len(encoded)} bytes; S3 keys are at most {MAX_KEY_BYTES}")
    control = next((c for c in decoded if ord(c) < 0x20 or ord(c) == 0x7F), None)
    if control is not None:
        raise InvalidRequestError(f"key {shown(decoded)} holds the control character U+{ord(control):04X}")
    return decoded


def _object_ref(bucket: object, key: object, version_id: object, etag: object, url_encoded: bool) -> ObjectRef:
    raw_key = _text(key, "key")
    decoded = _key(raw_key, url_encoded)
    return ObjectRef(
        bucket=_text(bucket, "bucket"),
        key=decoded,
        version_id=_optional_text(version_id),
        etag=_optional_text(etag),
        raw_key=raw_key if decoded != raw_key else None,
    )


RESIZE, DELETE = "resize", "delete"


def _from_state_machine(event: Mapping[str, Any]) -> bool:
    return "input" in event and "executionId" in event


def requested_action(event: object) -> str:
    """``delete`` when the state machine's definition says so, or for deletion events; else ``resize``."""
    if not isinstance(event, Mapping):
        return RESIZE
    if _from_state_machine(event):
        return DELETE if event.get("action") == DELETE else RESIZE
    if event.get("detail-type") == "Object Deleted":
        return DELETE
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], Mapping):
        return DELETE if str(records[0].get("eventName", "")).startswith("ObjectRemoved:") else RESIZE
    return RESIZE


def parse_event(event: object, action: str = RESIZE) -> list[ObjectRef]:
    """The objects an event names (one, or several for a batched S3 notification)."""
    if not isinstance(event, Mapping):
        raise InvalidRequestError(f"the event must be a JSON object, got {type(event).__name__}")
    if _from_state_machine(event):
        return [_from_execution_input(_mapping(event["input"], "the execution input"))]
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


def _from_execution_input(given: Mapping[str, Any]) -> ObjectRef:
    unknown = set(given) - INPUT_FIELDS
    if unknown:
        raise InvalidRequestError(
            f"the execution input may only hold {sorted(INPUT_FIELDS)}; unknown field(s) {shown(sorted(unknown))}"
        )
    return _object_ref(
        given.get("bucket"),
        given.get("key"),
        given.get("versionId"),
        given.get("etag"),
        url_encoded=given.get("keyEncoding") == "url",
    )


def _records(records: object) -> list[Mapping[str, Any]]:
    if not isinstance(records, list) or not records:
        raise InvalidRequestError("'Records' must be a non-empty list")
    return [_mapping(record, "each of 'Records'") for record in records]


def _from_s3_record(record: Mapping[str, Any], action: str) -> ObjectRef:
    event_name = str(record.get("eventName", ""))
    expected = "ObjectRemoved:" if action == DELETE else "ObjectCreated:"
    if event_name and not event_name.startswith(expected):
        raise InvalidRequestError(f"S3 event {shown(event_name)} does not match the {action} action")
    s3 = _mapping(record.get("s3"), "an S3 notification record's 's3'")
    bucket, obj = _mapping(s3.get("bucket"), "'s3.bucket'"), _mapping(s3.get("object"), "'s3.object'")
    return _object_ref(bucket.get("name"), obj.get("key"), obj.get("versionId"), obj.get("eTag"), url_encoded=True)


def _from_eventbridge(detail: Mapping[str, Any], detail_type: str, action: str) -> ObjectRef:
    expected = "Object Deleted" if action == DELETE else "Object Created"
    if detail_type and detail_type != expected:
        raise InvalidRequestError(f"EventBridge event {shown(detail_type)} does not match the {action} action")
    bucket, obj = _mapping(detail.get("bucket"), "'detail.bucket'"), _mapping(detail.get("object"), "'detail.object'")
    return _object_ref(bucket.get("name"), obj.get("key"), obj.get("version-id"), obj.get("etag"), url_encoded=True)
