"""A JPEG decoded on its own thread, its rows resampled as they come: the rows it announces are the decoded
rows, the pixels are those of Pillow's own load, failures keep their types, and where the decoder's progress
cannot be read the decode happens as before."""

import io
import threading

import pytest
from image_resizer.errors import CorruptImageError
from image_resizer.imaging.codecs import jpeg_rows
from image_resizer.imaging.colour import has_visible_alpha, to_resizable_mode
from image_resizer.imaging.decode import decode, open_source, start_decode
from image_resizer.imaging.render import render
from image_resizer.limits import Limits
from image_resizer.variants import parse_variants
from PIL import Image
from pipeline_dev import samples

from tests.unit.test_arriving import Served, streamed

SPECS = parse_variants(
    '{"large":{"width":1000,"height":1000},"medium":{"width":500,"height":500},'
    '"thumb":{"width":120,"height":120,"fit":"cover"}}'
)


def _jpeg(mode: str = "RGB", **params: object) -> bytes:
    return samples.encode(samples.photo(1600, 1200).convert(mode), "JPEG", quality=90, **params)


def _outputs(result):
    return [(v.spec.name, v.width, v.height, v.data) for v in result.variants]


def test_the_rows_announced_are_decoded_before_the_rest_of_the_object_arrives():
    """The last half of the object is held back: rows must be announced (and be the final rows) from the
    first half alone, and the decode must still be waiting for the rest."""
    data = _jpeg()
    served = Served(data, hold_from=len(data) // 2)
    source = open_source(streamed(served), Limits())
    image, _, rows = start_decode(source, (800, 600), streamed=True)
    assert rows is not None
    assert rows.wait(image.height // 4) is False  # announced, and the decode has not ended
    announced = rows.announced
    early = image.crop((0, 0, image.width, announced)).tobytes()
    assert served.position <= len(data) // 2
    assert announced < image.height
    served.release.set()
    rows.wait_all()
    reference, _ = decode(open_source(data, Limits()), (800, 600))
    assert early == reference.crop((0, 0, image.width, announced)).tobytes()
    assert image.tobytes() == reference.tobytes()


@pytest.mark.parametrize(
    ("mode", "params", "size"),
    [
        ("RGB", {}, (1600, 1200)),  # no DCT scaling
        ("RGB", {}, (700, 500)),  # 1/2
        ("RGB", {"subsampling": 0}, (300, 200)),  # 4:4:4 at 1/4
        ("L", {}, (700, 500)),
        ("RGB", {"progressive": True}, (700, 500)),  # no row before the last scan: announced at the end
        ("RGB", {"restart_marker_rows": 1}, (700, 500)),
    ],
)
def test_a_decode_on_its_own_thread_gives_the_pixels_of_pillows_load(mode, params, size):
    data = _jpeg(mode, **params)
    image, scale, rows = start_decode(open_source(data, Limits()), size, streamed=True)
    assert rows is not None
    rows.wait_all()
    reference, reference_scale = decode(open_source(data, Limits()), size)
    assert (image.mode, image.size, scale) == (reference.mode, reference.size, reference_scale)
    assert image.tobytes() == reference.tobytes()


def test_variants_are_the_bytes_of_a_decode_that_is_waited_for(monkeypatch):
    data = _jpeg()
    streamed_result = _outputs(render(data, SPECS))
    monkeypatch.setattr(jpeg_rows, "start", lambda image, translate: None)  # as where the layout is unknown
    assert _outputs(render(data, SPECS)) == streamed_result


def test_without_a_thread_to_be_had_the_decode_happens_in_place(monkeypatch):
    data = _jpeg()
    expected = _outputs(render(data, SPECS))

    class Unstartable(threading.Thread):
        def start(self) -> None:
            raise RuntimeError("can't start new thread")

    monkeypatch.setattr(jpeg_rows, "Thread", Unstartable)
    assert _outputs(render(data, SPECS)) == expected


@pytest.mark.parametrize("keep", [0.3, 0.8])
def test_a_truncated_jpeg_fails_as_it_does_when_decoded_whole(keep):
    data = samples.truncated(_jpeg(), keep)
    with pytest.raises(CorruptImageError) as whole:
        decode(open_source(data, Limits()), (700, 500))
    with pytest.raises(CorruptImageError) as on_thread:
        render(data, SPECS)
    assert str(on_thread.value) == str(whole.value)
    assert "truncated" in str(on_thread.value)


def test_the_layout_check_refuses_a_decoder_whose_state_does_not_match():
    image = _opened(_jpeg())
    decoder_name, extents, _, args = image.tile[0]
    image.load_prepare()
    decoder = Image._getdecoder(image.mode, decoder_name, args, image.decoderconfig)
    decoder.setimage(image.im, extents)
    try:
        assert jpeg_rows._readable_state(decoder, extents) is not None
        x0, y0, x1, y1 = extents
        assert jpeg_rows._readable_state(decoder, (x0, y0, x1, y1 - 1)) is None
    finally:
        decoder.cleanup()


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_modes_resampled_as_decoded_need_no_conversion_that_would_read_every_row(mode):
    image = _opened(_jpeg(mode))
    assert to_resizable_mode(image) is image
    assert has_visible_alpha(image) is False
    assert image.tile  # nothing above loaded the pixels


def _opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))
