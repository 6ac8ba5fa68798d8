"""The original's download overlapping its decode, over a real connection: moto's S3 server behind a proxy
that delivers at a fixed rate (or drops the connection half-way)."""

import logging

import boto3
import pytest
from botocore.config import Config
from image_resizer.aws.events import ObjectRef
from image_resizer.aws.storage import ObjectStore
from image_resizer.errors import CorruptImageError, TransientError
from image_resizer.imaging.render import render
from image_resizer.variants import default_variants
from moto.server import ThreadedMotoServer
from pipeline_dev import samples
from pipeline_dev.throttled_proxy import ThrottledProxy

BUCKET = "originals"
RATE = 20e6  # bytes per second: slow enough that the body arrives in many pieces, fast enough for a test


@pytest.fixture(scope="module")
def moto_server():
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    yield server.get_host_and_port()
    server.stop()


def _store(endpoint_url: str) -> ObjectStore:
    client = boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )
    return ObjectStore(client)


def _upload(moto_server, key: str, data: bytes) -> None:
    host, port = moto_server
    client = _store(f"http://{host}:{port}")._s3
    if BUCKET not in {b["Name"] for b in client.list_buckets()["Buckets"]}:
        client.create_bucket(Bucket=BUCKET)
    client.put_object(Bucket=BUCKET, Key=key, Body=data)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_variants_rendered_while_the_original_arrives_are_those_of_the_whole_original(moto_server, fmt):
    data = samples.encode(samples.photo(1600, 1200, seed=3), fmt)
    _upload(moto_server, f"photo.{fmt.lower()}", data)
    with ThrottledProxy(moto_server, RATE) as proxy:
        store = _store(proxy.endpoint_url)
        head = store.head_source(ObjectRef(BUCKET, f"photo.{fmt.lower()}"))
        with store.read_source(head, 50_000_000) as body:
            result = render(body, default_variants())
        assert body.whole() == data
    expected = render(data, default_variants())
    assert [v.data for v in result.variants] == [v.data for v in expected.variants]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_connection_dropped_mid_download_is_a_transient_error(moto_server, fmt):
    data = samples.encode(samples.photo(1600, 1200, seed=4), fmt)
    _upload(moto_server, f"dropped.{fmt.lower()}", data)
    host, port = moto_server
    head = _store(f"http://{host}:{port}").head_source(ObjectRef(BUCKET, f"dropped.{fmt.lower()}"))
    with ThrottledProxy(moto_server, RATE, cut_after=len(data) // 2) as proxy:
        store = _store(proxy.endpoint_url)
        with pytest.raises(TransientError) as raised, store.read_source(head, 50_000_000) as body:
            render(body, default_variants())
    assert not isinstance(raised.value, CorruptImageError)
