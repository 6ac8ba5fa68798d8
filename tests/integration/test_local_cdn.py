"""``make up CDN=1``: the CDN stand-in in front of the resized bucket runs the CloudFront Function Terraform
rendered, so `curl -H 'Accept: image/avif' "$CDN_URL/photos/cat.jpg?w=800"` answers locally as CloudFront would."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from urllib.parse import quote

import boto3
import pytest
import requests
from pipeline_dev import samples

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="the CDN stand-in runs the function under Node")
CHROME = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"


def test_make_up_cdn_serves_one_url_per_image_as_cloudfront_would():
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline_dev.local", "up", "--port", "0", "--cdn"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines: dict[str, str] = {}
        for line in process.stdout:
            if line.startswith("# the local stack is up"):
                break
            name, equals, value = line.strip().partition("=")
            if equals:
                lines[name] = value
        assert set(lines) >= {"AWS_ENDPOINT_URL", "RESIZED_BUCKET", "CDN_URL"}, lines
        s3 = boto3.client(
            "s3",
            endpoint_url=lines["AWS_ENDPOINT_URL"],
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        key = "photos/my cat+été.jpg"
        s3.put_object(Bucket=lines["ORIGINALS_BUCKET"], Key=key, Body=samples.encode(samples.photo(1200, 800), "JPEG"))
        cdn = lines["CDN_URL"] + "/" + quote(key)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            answer = requests.get(cdn + "?w=800", headers={"Accept": CHROME}, timeout=30)
            if answer.status_code == 200:
                break
            assert answer.status_code == 403  # not rendered yet: S3 behind OAC answers a missing key 403
            time.sleep(0.5)
        assert answer.headers["Content-Type"] == "image/avif" and answer.content[4:12] == b"ftypavif"
        assert answer.headers["Vary"] == "Accept"
        stored = s3.get_object(Bucket=lines["RESIZED_BUCKET"], Key="medium/photos/my cat+été.avif")["Body"].read()
        assert answer.content == stored
        jpeg = requests.get(cdn + "?w=100", headers={"Accept": "image/jpeg"}, timeout=30)
        assert jpeg.headers["Content-Type"] == "image/jpeg"
        assert (
            jpeg.content
            == s3.get_object(Bucket=lines["RESIZED_BUCKET"], Key="small/photos/my cat+été.jpg")["Body"].read()
        )
        refused = requests.get(cdn + "?w=abc", timeout=30)
        assert refused.status_code == 400 and "w must be an integer" in refused.text
        # No w or v: the request passes through; the seed's thumbnail is under the upload's own key.
        plain = requests.get(cdn, headers={"Accept": CHROME}, timeout=30)
        assert plain.status_code == 200 and plain.headers["Content-Type"] == "image/jpeg"
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
    assert process.returncode == 0 and "local stack stopped" in rest, rest
