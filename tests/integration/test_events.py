"""enable_events on the local stack: a rule subscribed to source image-resizer receives "Image Variants
Ready" with the manifest and "Image Variants Failed" with the error's type and message."""

from __future__ import annotations

import json
import time

import pytest
from pipeline_dev import samples
from pipeline_dev.local.stack import LocalStack, StackSettings

from tests.integration.test_local_stack import executions_for

pytestmark = pytest.mark.slow


def test_ready_and_failed_events_reach_a_subscribed_rule():
    with LocalStack(StackSettings(name="events", enable_events=True)) as stack:
        sqs, events, s3 = stack.client("sqs"), stack.client("events"), stack.client("s3")
        queue = sqs.create_queue(QueueName="subscriber")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name="variants", EventPattern=json.dumps({"source": ["image-resizer"]}))
        events.put_targets(Rule="variants", Targets=[{"Id": "queue", "Arn": arn}])
        s3.put_object(
            Bucket=stack.settings.originals_bucket, Key="ok.jpg", Body=samples.encode(samples.photo(), "JPEG")
        )
        s3.put_object(Bucket=stack.settings.originals_bucket, Key="bad.jpg", Body=b"not an image")
        executions_for(stack, "ok.jpg")
        executions_for(stack, "bad.jpg")
        received = {}
        deadline = time.monotonic() + 30
        while len(received) < 2 and time.monotonic() < deadline:
            for message in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
                event = json.loads(message["Body"])
                received[event["detail-type"]] = event
    ready, failed = received["Image Variants Ready"], received["Image Variants Failed"]
    assert ready["source"] == "image-resizer"
    manifest = ready["detail"]["manifest"]
    assert manifest["source"]["key"] == "ok.jpg" and manifest["variants"][0]["width"] == 200
    assert failed["detail"] == {
        "bucket": stack.settings.originals_bucket,
        "key": "bad.jpg",
        "error": "UnsupportedImageError",
        "message": failed["detail"]["message"],
    }
    assert "not a recognised image format" in failed["detail"]["message"]
