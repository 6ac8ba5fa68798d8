"""Decoding while the object arrives: same pixels as from the whole object, reads that wait for their bytes,
and download failures that stay transient (never reported as a corrupt image)."""

import io
import random
import threading

import pytest
from botocore.exceptions import ReadTimeoutError
from image_resizer.arriving import CHUNK_BYTES, ArrivingBytes
from image_resizer.errors import CorruptImageError, ImageTooLargeError, TransientError
from image_resizer.imaging.render import render
from image_resizer.variants import parse_variants
from pipeline_dev import samples

SPECS = parse_variants(
    '{"large":{"width":800,"height":800},"thumb":{"width":200,"height":200,"fit":"cover"},'
    '"web":{"width":400,"height":400,"format":"webp"}}'
)


class Served:
    """A network body: serves ``data`` in pieces, optionally holding back its tail until ``release`` is set,
    or failing after ``fail_after`` bytes."""

    def __init__(self, data: bytes, hold_from: int | None = None, fail_after: int | None = None) -> None:
        self.data = data
        self.position = 0
        self.hold_from = hold_from
        self.fail_after = fail_after
        self.release = threading.Event()
        self.held_until_released = False
        self.closed = threading.Event()

    def read(self, count: int) -> bytes:
        if self.fail_after is not None and self.position >= self.fail_after:
            raise ReadTimeoutError(endpoint_url="http://127.0.0.1:1/bucket/key")
        end = self.position + min(count, 4096)  # small pieces: many arrivals per decoder read
        if self.hold_from is not None and self.position < self.hold_from <= end:
            end = self.hold_from
        elif self.hold_from is not None and self.position == self.hold_from:
            self.held_until_released = self.release.wait(timeout=30)
        piece = self.data[self.position : end]
        self.position += len(piece)
        return piece

    def close(self) -> None:
        self.closed.set()


def streamed(served: Served, size: int | None = None, max_bytes: int = 10**9) -> ArrivingBytes:
    size = len(served.data) if size is None else size
    return ArrivingBytes.streamed(served.read, served.close, size, max_bytes, "s3://originals/photo")


def _outputs(result):
    return [(v.spec.name, v.format, v.width, v.height, v.data) for v in result.variants]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_rendering_an_arriving_object_gives_the_bytes_of_the_whole_one(fmt):
    data = samples.encode(samples.photo(1200, 800), fmt)
    assert _outputs(render(streamed(Served(data)), SPECS)) == _outputs(render(data, SPECS))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_the_decoder_reads_the_image_data_before_the_object_has_arrived(fmt, monkeypatch):
    """The last third is held back until the decoder has asked for it: a pipeline that waited for the whole
    object before decoding would never ask, and the tail would be served only after a 30 s timeout."""
    data = samples.encode(samples.photo(1200, 800), fmt)
    served = Served(data, hold_from=len(data) * 2 // 3)
    original = ArrivingBytes.read_at

    def read_at(self: ArrivingBytes, position: int, count: int) -> bytes:
        if position + count > served.hold_from:
            served.release.set()
        return original(self, position, count)

    monkeypatch.setattr(ArrivingBytes, "read_at", read_at)
    result = render(streamed(served), SPECS)
    assert served.held_until_released
    monkeypatch.undo()
    assert _outputs(result) == _outputs(render(data, SPECS))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_connection_lost_during_the_decode_is_transient_not_a_corrupt_image(fmt):
    data = samples.encode(samples.photo(1200, 800), fmt)
    with pytest.raises(TransientError, match="ReadTimeoutError") as raised:
        render(streamed(Served(data, fail_after=len(data) // 2)), SPECS)
    assert not isinstance(raised.value, CorruptImageError)


def test_an_object_shorter_than_declared_is_transient():
    data = samples.encode(samples.photo(600, 400), "JPEG")
    with pytest.raises(TransientError, match=f"ended after {len(data)} of its {len(data) + 10} bytes"):
        render(streamed(Served(data), size=len(data) + 10), SPECS)


def test_an_object_growing_past_the_byte_limit_is_refused_typed():
    data = samples.encode(samples.photo(600, 400), "PNG")
    body = streamed(Served(data), size=1000, max_bytes=len(data) // 2)
    with pytest.raises(ImageTooLargeError, match=f"more than {len(data) // 2} bytes"):
        body.whole()


def test_closing_stops_the_download_and_releases_the_connection():
    data = samples.encode(samples.photo(1200, 800), "PNG")
    served = Served(data, hold_from=CHUNK_BYTES)
    with streamed(served) as body:
        assert body.read_at(0, 8) == data[:8]
    served.release.set()
    assert served.closed.wait(timeout=30)
    assert served.position < len(data)


def test_the_reader_behaves_as_a_file():
    """Random reads, seeks and tells against io.BytesIO, on an object that is still arriving."""
    data = random.Random(7).randbytes(300_000)
    reader, expected = streamed(Served(data)).reader(), io.BytesIO(data)
    rng = random.Random(8)
    for _ in range(400):
        operation = rng.choice(["read", "seek", "seek_cur", "seek_end", "read_all", "readinto"])
        if operation == "read":
            count = rng.choice([0, 1, 2, 7, 4096, 100_000])
            assert reader.read(count) == expected.read(count)
        elif operation == "seek":
            position = rng.randrange(len(data) + 10)
            assert reader.seek(position) == expected.seek(position)
        elif operation == "seek_cur":
            offset = rng.randrange(-100, 100)
            if expected.tell() + offset >= 0:
                assert reader.seek(offset, io.SEEK_CUR) == expected.seek(offset, io.SEEK_CUR)
        elif operation == "seek_end":
            offset = -rng.randrange(1000)
            assert reader.seek(offset, io.SEEK_END) == expected.seek(offset, io.SEEK_END)
        elif operation == "read_all":
            assert reader.read() == expected.read()
        else:
            mine, theirs = bytearray(333), bytearray(333)
            assert reader.readinto(mine) == expected.readinto(theirs)
            assert mine == theirs
        assert reader.tell() == expected.tell()
