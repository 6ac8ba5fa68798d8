"""A JPEG decoded on a thread of its own, announcing its rows as they are written, so that the first resample
works on the top of the picture while libjpeg still decodes the bottom. A baseline JPEG without restart markers
can only be entropy-decoded front to back, on one core: this is how the other core has work during it.

Pillow decodes through the same decoder object and loop as ``ImageFile.load``; the one thing it does not tell
is how far it got. Its decoder objects keep that in the codec state (``ImagingCodecStateInstance.y``, the next
row to write, unchanged in Pillow's ``Imaging.h`` since PIL 1.1), which is read here, by the decoding thread
itself between two calls into the decoder, and published under a lock. The layout is checked against values
known at the time (the object's type, the tile's extents) before it is trusted; where it does not match
(another Python implementation, a free-threaded build, a future Pillow) the caller decodes as before."""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from threading import Condition, Thread
from typing import IO, Any, Final

from PIL import Image, ImageFile

_TILE_DECODER: Final = "jpeg"


class _CodecState(ctypes.Structure):
    """The leading fields of Pillow's ImagingCodecStateInstance (src/libImaging/Imaging.h)."""

    _fields_ = [
        ("count", ctypes.c_int),
        ("state", ctypes.c_int),
        ("errcode", ctypes.c_int),
        ("x", ctypes.c_int),
        ("y", ctypes.c_int),
        ("ystep", ctypes.c_int),
        ("xsize", ctypes.c_int),
        ("ysize", ctypes.c_int),
        ("xoff", ctypes.c_int),
        ("yoff", ctypes.c_int),
    ]


class _DecoderObject(ctypes.Structure):
    """Pillow's ImagingDecoderObject (src/decode.c): CPython's object head, two function pointers, the state."""

    _fields_ = [
        ("ob_refcnt", ctypes.c_ssize_t),
        ("ob_type", ctypes.c_void_p),
        ("decode", ctypes.c_void_p),
        ("cleanup", ctypes.c_void_p),
        ("state", _CodecState),
    ]


class DecodingRows:
    """How many rows of an image being decoded on another thread are written; waits for more."""

    def __init__(self, height: int) -> None:
        self.height = height
        self._written = 0
        self._finished = False
        self._error: BaseException | None = None
        self._changed = Condition()

    @property
    def announced(self) -> int:
        """Rows written so far (all of them once the decode has ended)."""
        with self._changed:
            return self._written

    def wait(self, rows: int) -> bool:
        """Block until the first ``rows`` rows are written. True when the whole decode has ended (every row is
        there); the decode's error, typed by the caller's translation, is raised here."""
        with self._changed:
            self._changed.wait_for(lambda: self._finished or self._written >= rows)
            if self._error is not None:
                raise self._error
            return self._finished

    def wait_all(self) -> None:
        self.wait(self.height)

    def _advance(self, written: int) -> None:
        with self._changed:
            self._written = written
            self._changed.notify_all()

    def _finish(self, error: BaseException | None) -> None:
        with self._changed:
            self._finished = True
            self._error = error
            self._written = self.height if error is None else self._written
            self._changed.notify_all()


def start(image: ImageFile.ImageFile, translate: Callable[[Exception], BaseException]) -> DecodingRows | None:
    """Start decoding ``image`` (opened, drafted, not loaded; one JPEG tile) on a new thread. None, with nothing
    started, when its decoder's progress cannot be read here. ``translate`` turns a decoding failure into the
    error ``DecodingRows.wait`` raises. Until ``wait_all`` returns, only rows already announced may be read."""
    if image.format not in ("JPEG", "MPO") or len(image.tile) != 1 or image.tile[0][0] != _TILE_DECODER:
        return None
    if image.fp is None or sys.implementation.name != "cpython" or not getattr(sys, "_is_gil_enabled", lambda: True)():
        return None  # the object layout below is CPython's with the GIL
    decoder_name, extents, offset, args = image.tile[0]
    image.load_prepare()
    decoder = Image._getdecoder(image.mode, decoder_name, args, image.decoderconfig)
    decoder.setimage(image.im, extents)
    state = _readable_state(decoder, extents)
    if state is None:
        decoder.cleanup()
        return None
    rows = DecodingRows(image.height)
    fp = image.fp
    fp.seek(offset)
    thread = Thread(
        target=_decode, args=(image, fp, decoder, state, rows, translate), name="image-resizer-decode", daemon=True
    )
    try:
        thread.start()
    except RuntimeError:  # no thread to be had: decode here, as before
        decoder.cleanup()
        return None
    image.tile = []  # the pixels are the thread's to write: a load() here must not decode them again
    return rows


def _readable_state(decoder: object, extents: tuple[int, int, int, int] | None) -> _CodecState | None:
    """The decoder's codec state, if its memory is laid out as Pillow's headers say."""
    if extents is None:
        return None
    view = _DecoderObject.from_address(id(decoder))
    state: _CodecState = view.state
    x0, y0, x1, y1 = extents
    expected = (id(type(decoder)), x0, y0, x1 - x0, y1 - y0, 0)
    if (view.ob_type, state.xoff, state.yoff, state.xsize, state.ysize, state.y) != expected:
        return None
    return state


def _decode(
    image: ImageFile.ImageFile,
    fp: IO[bytes],
    decoder: Any,  # Pillow's C ImagingDecoder: decode(bytes) -> (consumed, code), cleanup()
    state: _CodecState,
    rows: DecodingRows,
    translate: Callable[[Exception], BaseException],
) -> None:
    """ImageFile.load's loop for one tile, telling ``rows`` how far it got after every piece of input."""
    read = getattr(image, "load_read", fp.read)
    pending = b""
    error: BaseException | None = None
    try:
        while True:
            piece = read(image.decodermaxblock)
            if not piece:
                raise OSError(f"image file is truncated ({len(pending)} bytes not processed)")
            pending += piece
            consumed, code = decoder.decode(pending)
            rows._advance(state.y)
            if consumed < 0:
                if code < 0:
                    message = ImageFile.ERRORS.get(code) or f"decoder error {code}"
                    raise OSError(f"{message} when reading image file")
                break
            pending = pending[consumed:]
        image.fp = None
    except Exception as exc:
        error = translate(exc)
    except BaseException as exc:  # never report a decode that did not end as one that did
        error = exc
    finally:
        decoder.cleanup()
        rows._finish(error)
