"""A stand-in for the HTTP API's ``POST /start`` (StepFunctions-StartExecution integration) on 127.0.0.1.

As on AWS: the request body is the execution input (``Input = $request.body``), the answer is StartExecution's
(``executionArn``, ``startDate``), a body that is not JSON is refused with 400, other routes answer 404.

Step Functions refuses an execution input above 256 KiB ("Quotas related to state throttling... maximum input or
output size for a task, state, or execution: 256 KiB of data as a UTF-8 encoded string", Step Functions
Developer Guide, Service quotas) and input it cannot parse as JSON at any depth (InvalidExecutionInput): the
stand-in answers 400 to both, before starting anything, so the local stack cannot start what AWS refuses.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final

MAX_INPUT_BYTES: Final = 256 * 1024


class StartApi:
    def __init__(
        self,
        stepfunctions: Any,
        state_machine_arn: str,
        port: int = 0,
        on_start: Callable[[str], object] | None = None,
    ) -> None:
        """``on_start``: told of each StartExecution the integration makes (its role acts), before it is made."""
        self._stepfunctions = stepfunctions
        self._on_start = on_start
        self._state_machine_arn = state_machine_arn
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/start"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                if self.path.split("?", 1)[0] != "/start":
                    self._answer(HTTPStatus.NOT_FOUND, {"message": "Not Found"})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_INPUT_BYTES:
                    self.rfile.read(length)
                    self._answer(
                        HTTPStatus.BAD_REQUEST,
                        {"message": f"Execution input of {length} bytes exceeds Step Functions' {MAX_INPUT_BYTES}"},
                    )
                    return
                body = self.rfile.read(length).decode("utf-8", errors="replace")
                try:
                    json.loads(body)
                except (json.JSONDecodeError, RecursionError) as exc:
                    reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
                    self._answer(
                        HTTPStatus.BAD_REQUEST,
                        {"message": f"Invalid State Machine Execution Input: the request body is not JSON ({reason})"},
                    )
                    return
                if api._on_start is not None:
                    api._on_start(api._state_machine_arn)
                response = api._stepfunctions.start_execution(
                    stateMachineArn=api._state_machine_arn, name=str(uuid.uuid4()), input=body
                )
                self._answer(
                    HTTPStatus.OK,
                    {"executionArn": response["executionArn"], "startDate": response["startDate"].timestamp()},
                )

            def do_GET(self) -> None:
                self._answer(HTTPStatus.NOT_FOUND, {"message": "Not Found"})

        return Handler
