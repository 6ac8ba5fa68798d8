"""A TCP proxy on 127.0.0.1 that hands a server's replies to the client at a fixed rate: S3 as a Lambda function
sees it, in front of the local stack's moto server (which answers at memory speed)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from types import TracebackType

_PIECE_BYTES = 16 * 1024


class ThrottledProxy:
    """``with ThrottledProxy(("127.0.0.1", port), rate) as proxy``: connect to ``proxy.endpoint_url``. Requests go
    upstream as they are; every reply leaves at ``rate`` bytes per second (each connection on its own, as
    each S3 connection is limited on its own). With ``cut_after``, a connection is dropped once that many reply
    bytes have passed: a connection reset in the middle of a download."""

    def __init__(self, upstream: tuple[str, int], bytes_per_second: float, cut_after: int | None = None) -> None:
        self.upstream = upstream
        self.bytes_per_second = bytes_per_second
        self.cut_after = cut_after
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._closing = threading.Event()

    @property
    def endpoint_url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> ThrottledProxy:
        threading.Thread(target=self._accept, name="throttled-proxy", daemon=True).start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._closing.set()
        self._listener.close()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            server = socket.create_connection(self.upstream)
            threading.Thread(target=_pump, args=(client, server, None, None), daemon=True).start()
            threading.Thread(
                target=_pump, args=(server, client, self.bytes_per_second, self.cut_after), daemon=True
            ).start()


def _pump(source: socket.socket, sink: socket.socket, rate: float | None, cut_after: int | None) -> None:
    """Copy until either side closes; with ``rate``, each piece leaves once the ones before it would have taken
    their time on a link of that rate (an idle link earns no burst)."""
    due = 0.0
    passed = 0
    try:
        while piece := source.recv(_PIECE_BYTES):
            if cut_after is not None:
                piece = piece[: cut_after - passed]
            if rate is not None:
                now = time.monotonic()
                due = max(due, now) + len(piece) / rate
                time.sleep(due - now)
            sink.sendall(piece)
            passed += len(piece)
            if cut_after is not None and passed >= cut_after:
                break
    except OSError:
        pass
    finally:
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()
