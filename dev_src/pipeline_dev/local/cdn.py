"""A stand-in for the CloudFront distribution in front of the resized bucket, on 127.0.0.1.

It runs the distribution's own CloudFront Function (the code Terraform rendered into ``aws_cloudfront_function``)
under Node, at the events Terraform associated it with: viewer-request may answer by itself (a 400) or rewrite
the URI, the rewritten key is read from the resized bucket, and viewer-response may change the headers. So
``curl -H 'Accept: image/avif' "$CDN_URL/photos/cat.jpg?w=800"`` answers locally what CloudFront would.

Where CloudFront and S3 behave in ways this must copy:
- CloudFront Functions see header names in lower case and each query parameter as ``{"value": ...}``, with
  ``multiValue`` when it repeats ("CloudFront Functions event structure", CloudFront Developer Guide).
- A key that does not exist answers 403, not 404: with Origin Access Control the distribution may s3:GetObject
  but not s3:ListBucket, and S3 answers a reader without ListBucket 403 for a missing key (S3 API Reference,
  GetObject, "Permissions").
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl, unquote, urlsplit

RUNNER: Final = Path(__file__).with_name("cloudfront_runner.js")
# What `make up CDN=1` and `make demo` add to the variants: two widths, each written as AVIF, WebP and JPEG.
NEGOTIATED_VARIANTS: Final = {
    "small": {"width": 320, "height": 320, "formats": ["avif", "webp", "jpeg"]},
    "medium": {"width": 640, "height": 640, "formats": ["avif", "webp", "jpeg"], "key": "medium/{dir}{stem}.{ext}"},
}
_PASSED_HEADERS: Final = ("content-type", "cache-control", "etag", "last-modified")


class FunctionError(RuntimeError):
    """The function's code does not load, or it threw: CloudFront answers 503 to the viewer."""


class ViewerFunction:
    """A CloudFront Function's code running under Node, one event at a time."""

    def __init__(self, code: str) -> None:
        node = shutil.which("node")
        if node is None:
            raise FunctionError("node is not installed: the CDN stand-in runs the CloudFront Function under Node")
        self._directory = tempfile.mkdtemp(prefix="cloudfront-function-")
        source = Path(self._directory) / "function.js"
        source.write_text(code, encoding="utf-8")
        self._process = subprocess.Popen(
            [node, str(RUNNER), str(source)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self._lock = threading.Lock()
        first = self._read()
        if "error" in first:
            self.close()
            raise FunctionError(first["error"])

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            assert self._process.stdin is not None
            self._process.stdin.write(json.dumps(event) + "\n")
            self._process.stdin.flush()
            answer = self._read()
        if "error" in answer:
            raise FunctionError(answer["error"])
        result: dict[str, Any] = answer["result"]
        return result

    def _read(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise FunctionError("the function's Node process ended")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                stream.close()
        shutil.rmtree(self._directory, ignore_errors=True)


def viewer_request(uri: str, query: str, headers: dict[str, str]) -> dict[str, Any]:
    """CloudFront's event for a viewer's request (method GET; no cookies)."""
    values: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        values.setdefault(name, []).append(value)
    querystring = {
        name: {"value": given[0], **({"multiValue": [{"value": v} for v in given]} if len(given) > 1 else {})}
        for name, given in values.items()
    }
    return {
        "version": "1.0",
        "context": {"eventType": "viewer-request"},
        "viewer": {"ip": "127.0.0.1"},
        "request": {
            "method": "GET",
            "uri": uri,
            "querystring": querystring,
            "headers": {name.lower(): {"value": value} for name, value in headers.items()},
            "cookies": {},
        },
    }


class LocalCdn:
    """Serves ``bucket`` through ``function`` (None: no function on the behaviour) at ``url``."""

    def __init__(
        self, s3: Any, bucket: str, function: ViewerFunction | None, events: tuple[str, ...], port: int = 0
    ) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._function = function
        self._events = events
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LocalCdn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._function is not None:
            self._function.close()

    def answer(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """What the distribution answers a GET of ``path`` (with its query) with these viewer headers."""
        parts = urlsplit(path)
        event = viewer_request(parts.path, parts.query, headers)
        request = event["request"]
        if self._function is not None and "viewer-request" in self._events:
            try:
                outcome = self._function(event)
            except FunctionError as exc:
                return HTTPStatus.SERVICE_UNAVAILABLE, {"content-type": "text/plain"}, f"{exc}\n".encode()
            if "statusCode" in outcome:  # the function answered by itself: no origin request
                body = outcome.get("body") or ""
                text = body.get("data", "") if isinstance(body, dict) else str(body)
                answered = {name: v["value"] for name, v in (outcome.get("headers") or {}).items()}
                return int(outcome["statusCode"]), answered, text.encode()
            request = outcome
        status, response_headers, data = self._origin(request["uri"])
        if self._function is not None and "viewer-response" in self._events:
            response_event = {
                "version": "1.0",
                "context": {"eventType": "viewer-response"},
                "viewer": {"ip": "127.0.0.1"},
                "request": request,
                "response": {
                    "statusCode": status,
                    "headers": {name: {"value": value} for name, value in response_headers.items()},
                },
            }
            try:
                response = self._function(response_event)
            except FunctionError as exc:
                return HTTPStatus.SERVICE_UNAVAILABLE, {"content-type": "text/plain"}, f"{exc}\n".encode()
            status = int(response.get("statusCode", status))
            response_headers = {name: v["value"] for name, v in (response.get("headers") or {}).items()}
        return status, response_headers, data

    def _origin(self, uri: str) -> tuple[int, dict[str, str], bytes]:
        try:
            found = self._s3.get_object(Bucket=self._bucket, Key=unquote(uri[1:]))
        except self._s3.exceptions.NoSuchKey:
            return (
                HTTPStatus.FORBIDDEN,
                {"content-type": "application/xml"},
                b"<Error><Code>AccessDenied</Code></Error>",
            )
        metadata = found["ResponseMetadata"]["HTTPHeaders"]
        headers = {name: metadata[name] for name in _PASSED_HEADERS if name in metadata}
        return HTTPStatus.OK, headers, found["Body"].read()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        cdn = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                status, headers, body = cdn.answer(self.path, dict(self.headers.items()))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
