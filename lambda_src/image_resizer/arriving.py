"""An object's bytes as they arrive: the decoder reads what is there and waits for the rest.

On AWS the download of a 5-20 MB original is a large share of an invocation; reading it on a thread of its own
while the decoder consumes it overlaps the two (a JPEG's or PNG's decoder reads its input front to back). The
whole object is still kept, as before: the strip passthrough, animations and libwebp's scaler need all of it,
and its size is bounded by ``max_bytes``.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from typing import BinaryIO, Final, cast

from image_resizer.errors import ImageTooLargeError, TransientError

# One read from the network: small enough that the decoder is never far behind what has arrived (64 KiB is
# under a millisecond at S3's per-connection rate), large enough that the loop costs nothing.
CHUNK_BYTES: Final = 64 * 1024


class ArrivingBytes:
    """The bytes of one object, complete or still arriving. ``size`` is the declared length (Content-Length)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._buffer = bytearray()
        self._whole: bytes | None = None
        self._error: BaseException | None = None
        self._cancelled = False
        self._changed = threading.Condition()

    @classmethod
    def complete(cls, data: bytes) -> ArrivingBytes:
        body = cls(len(data))
        body._whole = data
        return body

    @classmethod
    def streamed(
        cls,
        read: Callable[[int], bytes],
        close: Callable[[], None],
        size: int,
        max_bytes: int,
        where: str,
    ) -> ArrivingBytes:
        """Start reading ``read`` on a thread of its own; errors reach whoever reads past what arrived."""
        body = cls(size)
        thread = threading.Thread(
            target=body._download, args=(read, close, max_bytes, where), name="image-resizer-download", daemon=True
        )
        thread.start()
        return body

    def _download(self, read: Callable[[int], bytes], close: Callable[[], None], max_bytes: int, where: str) -> None:
        try:
            while chunk := read(CHUNK_BYTES):
                if self._cancelled:
                    return
                with self._changed:
                    self._buffer += chunk
                    arrived = len(self._buffer)
                    self._changed.notify_all()
                if arrived > max_bytes:
                    raise ImageTooLargeError(f"the object has more than {max_bytes} bytes")
            if len(self._buffer) != self.size:
                raise TransientError(f"{where} ended after {len(self._buffer)} of its {self.size} bytes; retry")
            whole = bytes(self._buffer)
            with self._changed:
                self._whole, self._buffer = whole, bytearray()
                self._changed.notify_all()
        except (TransientError, ImageTooLargeError) as exc:
            self._fail(exc)
        except Exception as exc:  # botocore's and urllib3's read errors: a dropped or reset connection
            self._fail(TransientError(f"reading {where} failed: {type(exc).__name__}: {exc}"))
        finally:
            close()

    def _fail(self, error: BaseException) -> None:
        with self._changed:
            self._error = error
            self._changed.notify_all()

    def close(self) -> None:
        """Stop reading (the render ended early, or failed): the download thread leaves after its chunk."""
        self._cancelled = True

    def __enter__(self) -> ArrivingBytes:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def read_at(self, position: int, count: int) -> bytes:
        """Up to ``count`` bytes from ``position``, once they have arrived (fewer only at the end)."""
        with self._changed:
            while True:
                if self._whole is not None:
                    return self._whole[position : position + count]
                if self._error is not None:
                    raise self._error
                if len(self._buffer) >= position + count:
                    return bytes(self._buffer[position : position + count])
                self._changed.wait()

    def find(self, sub: bytes) -> int:
        """Where ``sub`` first occurs in the object (-1: nowhere), waiting for the rest only when the bytes
        that have arrived do not hold it."""
        with self._changed:
            found = self._buffer.find(sub) if self._whole is None else -1
        return found if found >= 0 else self.whole().find(sub)

    def whole(self) -> bytes:
        """Every byte of the object, waiting for the download to end."""
        with self._changed:
            while self._whole is None:
                if self._error is not None:
                    raise self._error
                self._changed.wait()
            return self._whole

    def reader(self) -> BinaryIO:
        """A file object over the bytes, for Pillow: reads block until their bytes have arrived."""
        return cast(BinaryIO, _Reader(self))


class _Reader(io.RawIOBase):
    def __init__(self, body: ArrivingBytes) -> None:
        super().__init__()
        self._body = body
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            position = offset
        elif whence == io.SEEK_CUR:
            position = self._position + offset
        elif whence == io.SEEK_END:
            position = len(self._body.whole()) + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if position < 0:
            raise ValueError("negative seek position")
        self._position = position
        return position

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            data = self._body.whole()[self._position :]
        else:
            data = self._body.read_at(self._position, size)
        self._position += len(data)
        return data

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
