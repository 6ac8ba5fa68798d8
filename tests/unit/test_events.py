import pytest
from image_resizer.aws.events import ObjectRef, parse_event
from image_resizer.errors import InvalidRequestError


def eventbridge(key, detail_type="Object Created", version_id=None):
    obj = {"key": key, "size": 5, "etag": "abc"}
    if version_id:
        obj["version-id"] = version_id
    return {
        "version": "0",
        "detail-type": detail_type,
        "source": "aws.s3",
        "detail": {"version": "0", "bucket": {"name": "originals"}, "object": obj, "reason": "PutObject"},
    }


def s3_notification(key, event_name="ObjectCreated:Put"):
    return {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": event_name,
                "s3": {"bucket": {"name": "originals"}, "object": {"key": key, "eTag": "abc", "size": 5}},
            }
        ]
    }


def test_step_functions_input_is_taken_literally():
    assert parse_event({"bucket": "b", "key": "a+b%20c.jpg", "versionId": "v1"}) == [
        ObjectRef("b", "a+b%20c.jpg", "v1")
    ]


def test_input_transformer_marks_url_encoded_keys():
    (ref,) = parse_event({"bucket": "b", "key": "my+photo%C3%BC.jpg", "keyEncoding": "url"})
    assert (ref.key, ref.raw_key) == ("my photoü.jpg", "my+photo%C3%BC.jpg")


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [
        ("plain.jpg", "plain.jpg"),
        ("with+space.jpg", "with space.jpg"),
        ("plus%2Bsign.jpg", "plus+sign.jpg"),
        ("nested/deep/prefix/x.png", "nested/deep/prefix/x.png"),
        ("unicode/%E6%97%A5%E6%9C%AC.jpg", "unicode/日本.jpg"),
        ("percent%25literal.jpg", "percent%literal.jpg"),
    ],
)
@pytest.mark.parametrize("make_event", [eventbridge, s3_notification])
def test_notification_keys_are_url_decoded(make_event, encoded, decoded):
    (ref,) = parse_event(make_event(encoded))
    assert ref.bucket == "originals"
    assert ref.key == decoded
    assert ref.etag == "abc"
    assert ref.raw_key == (None if encoded == decoded else encoded)


def test_eventbridge_version_id_is_kept():
    (ref,) = parse_event(eventbridge("k.jpg", version_id="3HL4kqtJ"))
    assert ref.version_id == "3HL4kqtJ"


@pytest.mark.parametrize(
    "event",
    [
        None,
        [],
        {},
        {"bucket": "b"},
        {"key": "k"},
        {"bucket": "", "key": "k"},
        {"bucket": "b", "key": 7},
        {"Records": []},
        s3_notification("k.jpg", "ObjectRemoved:Delete"),
        eventbridge("k.jpg", "Object Deleted"),
        {"bucket": "b", "key": "k" * 1025},
    ],
)
def test_bad_events_are_invalid_requests(event):
    with pytest.raises(InvalidRequestError):
        parse_event(event)


def test_state_machine_payload_wrapper_is_unwrapped():
    event = {"input": {"bucket": "b", "key": "k.jpg"}, "executionId": "arn:aws:states:...:execution:sm:x"}
    assert parse_event(event) == [ObjectRef("b", "k.jpg")]


@pytest.mark.parametrize(
    ("key", "url_encoded", "message"),
    [
        ("a\ud800b.jpg", False, "not valid UTF-8"),  # a lone surrogate: valid JSON, not valid UTF-8
        ("%C0%AF.jpg", True, "not valid UTF-8"),  # an overlong form, URL-encoded as S3 events carry keys
        ("%ED%A0%80.jpg", True, "not valid UTF-8"),  # a surrogate's UTF-8 bytes
        ("x" * 1025, False, "1025 bytes"),
        ("é" * 513, False, "1026 bytes"),
        ("a\x00b.jpg", False, "U+0000"),
        ("a\tb.jpg", False, "U+0009"),
        ("a%0Ab.jpg", True, "U+000A"),
    ],
)
def test_keys_at_the_edges_are_invalid_requests_not_encoding_errors(key, url_encoded, message):
    event = {"bucket": "b", "key": key, **({"keyEncoding": "url"} if url_encoded else {})}
    with pytest.raises(InvalidRequestError) as refused:
        parse_event(event)
    assert message in str(refused.value)


def test_a_key_of_exactly_1024_bytes_is_taken():
    (ref,) = parse_event({"bucket": "b", "key": "é" * 512})
    assert len(ref.key.encode()) == 1024
