"""JPEG variants are written through a file descriptor (so Pillow's encoder lets other threads run): the bytes
are those of an in-memory buffer, and where the system has no anonymous files the buffer is used."""

import os

import pytest
from image_resizer.imaging import encode as encode_module
from image_resizer.imaging.encode import Tuning, encode
from pipeline_dev import samples


@pytest.mark.skipif(not hasattr(os, "memfd_create"), reason="anonymous files are Linux's")
@pytest.mark.parametrize("tuning", [Tuning(), Tuning(progressive=True, full_chroma=True, perceptual_tables=True)])
def test_a_jpeg_through_a_descriptor_is_the_jpeg_of_a_buffer(monkeypatch, tuning):
    image = samples.photo(640, 480)
    opened: list[int] = []
    memfd_create = os.memfd_create

    def counted(name: str, flags: int = 0) -> int:
        opened.append(memfd_create(name, flags))
        return opened[-1]

    monkeypatch.setattr(encode_module.os, "memfd_create", counted)
    through_descriptor = encode(image, "jpeg", 80, tuning=tuning)
    assert len(opened) == 1
    with pytest.raises(OSError, match="Bad file descriptor"):  # closed after use: no leak per variant
        os.fstat(opened[0])

    def unavailable(name: str, flags: int = 0) -> int:
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(encode_module.os, "memfd_create", unavailable)
    assert encode(image, "jpeg", 80, tuning=tuning) == through_descriptor
    monkeypatch.delattr(encode_module.os, "memfd_create")
    assert encode(image, "jpeg", 80, tuning=tuning) == through_descriptor
    assert through_descriptor.startswith(b"\xff\xd8") and through_descriptor.endswith(b"\xff\xd9")
