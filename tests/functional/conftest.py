from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from image_resizer import handler
from image_resizer.aws.observability import logger
from image_resizer.aws.storage import ObjectStore
from moto import mock_aws

SOURCE, RESIZED = "test-originals", "test-resized"


@dataclass
class LambdaContext:
    function_name: str = "image-resizer"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:image-resizer"
    aws_request_id: str = "req-1"


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "SOURCE_BUCKET": SOURCE,
        "RESIZED_BUCKET": RESIZED,
        "POWERTOOLS_METRICS_NAMESPACE": "ImageResizerTest",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("VARIANTS", raising=False)


@pytest.fixture
def s3(aws_env: None) -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=SOURCE)
        client.create_bucket(Bucket=RESIZED)
        handler.reset(ObjectStore(client))
        yield client
    handler.reset()


@pytest.fixture
def invoke(s3: Any, capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    """Call the handler as Lambda would; ``invoke.logs()`` returns the JSON log and EMF lines it printed."""
    log_handler = logger.registered_handler
    log_stream = io.StringIO()
    previous = log_handler.setStream(log_stream)  # type: ignore[attr-defined]

    def call(event: Any) -> dict[str, Any]:
        return handler.lambda_handler(event, LambdaContext())

    def logs() -> list[dict[str, Any]]:
        lines = []
        text = log_stream.getvalue() + capsys.readouterr().out
        log_stream.seek(0)
        log_stream.truncate()
        for line in text.splitlines():
            try:
                lines.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return lines

    call.logs = logs  # type: ignore[attr-defined]
    yield call
    log_handler.setStream(previous)  # type: ignore[attr-defined]
