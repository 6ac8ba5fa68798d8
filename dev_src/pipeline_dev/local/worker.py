"""Lambda-like execution of the built artifacts: warm worker processes that see only function.zip,
layer.zip and boto3, with the function's environment, timeout and memory size applied.

Errors come back as Lambda reports them to Step Functions: an exception is ``FunctionError: Unhandled`` with
``errorType``/``errorMessage``; a timeout is ``Sandbox.Timedout`` and the sandbox is discarded; going over
the memory size is ``Runtime.OutOfMemory``.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline_dev.lambda_runtime import LambdaTree

# Runs inside the worker: the smallest part of a Lambda runtime (init once, then one event per line).
_BOOTSTRAP = r"""
import importlib, json, os, sys, time, traceback
_respond = os.fdopen(int(os.environ.pop("_WORKER_RESPONSE_FD")), "w")
_module, _function = os.environ["_HANDLER"].rsplit(".", 1)

class Context:
    def __init__(self, request):
        self.aws_request_id = request["request_id"]
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
        self.invoked_function_arn = request["function_arn"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self._deadline = request["deadline"]
    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.time()) * 1000))

def _error(exc, error_type=None):
    return {"errorMessage": str(exc), "errorType": error_type or type(exc).__name__,
            "stackTrace": traceback.format_tb(exc.__traceback__)}

try:
    _handler, _init_error = getattr(importlib.import_module(_module), _function), None
except Exception as exc:
    _handler, _init_error = None, _error(exc, "Runtime.ImportModuleError")
    print(f"[ERROR] Runtime.ImportModuleError: {exc}", flush=True)

for _line in sys.stdin:
    _request = json.loads(_line)
    if _init_error is not None:
        _reply = {"ok": False, "payload": _init_error}
    else:
        try:
            _reply = {"ok": True, "payload": _handler(_request["event"], Context(_request))}
        except Exception as exc:
            _reply = {"ok": False, "payload": _error(exc)}
            print(f"[ERROR] {type(exc).__name__}: {exc}", flush=True)
    sys.stdout.flush()
    print("\0END " + _request["request_id"], flush=True)
    _respond.write(json.dumps(_reply, default=str) + "\n")
    _respond.flush()
"""


@dataclass(frozen=True)
class FunctionConfig:
    name: str
    arn: str
    handler: str
    tree: LambdaTree
    environment: dict[str, str]
    timeout_seconds: float
    memory_mb: int
    python: str = sys.executable


@dataclass(frozen=True)
class Invocation:
    request_id: str
    payload: bytes
    function_error: str | None  # "Unhandled" on failure, as Lambda's X-Amz-Function-Error
    duration_ms: float
    max_memory_mb: int


LogSink = Callable[[str, list[str]], None]  # (log stream name, lines)


@dataclass
class _Worker:
    process: subprocess.Popen[str]
    responses: Any
    stream_name: str
    lines: list[str] = field(default_factory=list)
    done: dict[str, threading.Event] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    peak_rss_mb: int = 0

    def alive(self) -> bool:
        return self.process.poll() is None


class WorkerPool:
    """Up to ``max_workers`` warm sandboxes for one function, created on demand like Lambda's."""

    def __init__(self, config: FunctionConfig, log_sink: LogSink, max_workers: int = 4) -> None:
        self.config = config
        self._log_sink = log_sink
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_workers)
        self._closed = False

    def invoke(self, event: Any) -> Invocation:
        with self._slots:
            worker, init_ms = self._take()
            try:
                return self._run(worker, event, init_ms)
            finally:
                if worker.alive() and not self._closed:
                    with self._lock:
                        self._idle.append(worker)
                else:
                    self._discard(worker)

    def prewarm(self, count: int) -> None:
        """Start ``count`` sandboxes now (their imports run in the background), so the first uploads after
        the stack starts do not wait for a cold start; Lambda's provisioned concurrency does the same."""
        spawned = [self._spawn() for _ in range(count)]
        with self._lock:
            self._idle.extend(spawned)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            self._discard(worker)

    def _take(self) -> tuple[_Worker, float | None]:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    return worker, None
        started = time.perf_counter()
        return self._spawn(), (time.perf_counter() - started) * 1000

    def _spawn(self) -> _Worker:
        read_fd, write_fd = os.pipe()
        stream = time.strftime("%Y/%m/%d") + f"/[$LATEST]{uuid.uuid4().hex}"
        config = self.config
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            **config.environment,
            "_HANDLER": config.handler,
            "_WORKER_RESPONSE_FD": str(write_fd),
            "AWS_LAMBDA_FUNCTION_NAME": config.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{config.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": stream,
            "LAMBDA_TASK_ROOT": str(config.tree.task),
            "PYTHONUNBUFFERED": "1",
        }
        process = subprocess.Popen(
            config.tree.command(config.python, _BOOTSTRAP),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=config.tree.task,
            pass_fds=(write_fd,),
        )
        os.close(write_fd)
        worker = _Worker(process, os.fdopen(read_fd, "r"), stream)
        threading.Thread(target=self._pump_logs, args=(worker,), daemon=True).start()
        return worker

    @staticmethod
    def _pump_logs(worker: _Worker) -> None:
        assert worker.process.stdout is not None
        for raw in worker.process.stdout:
            line = raw.rstrip("\n")
            if line.startswith("\0END "):
                event = worker.done.get(line[5:])
                if event is not None:
                    event.set()
                continue
            with worker.lock:
                worker.lines.append(line)

    def _run(self, worker: _Worker, event: Any, init_ms: float | None) -> Invocation:
        config = self.config
        request_id = str(uuid.uuid4())
        finished = threading.Event()
        worker.done[request_id] = finished
        started = time.time()
        deadline = started + config.timeout_seconds
        request = {"request_id": request_id, "event": event, "function_arn": config.arn, "deadline": deadline}
        assert worker.process.stdin is not None
        worker.process.stdin.write(json.dumps(request) + "\n")
        worker.process.stdin.flush()
        reply, failure = self._await_reply(worker, deadline)
        if failure is None:
            finished.wait(timeout=2)  # the END marker: every log line of this invocation has been read
        duration_ms = (time.time() - started) * 1000
        if failure is not None:
            worker.process.kill()
            worker.process.wait()
            reply = {"ok": False, "payload": failure}
        assert reply is not None
        self._flush_logs(worker, request_id, duration_ms, init_ms, failure)
        payload = json.dumps(reply["payload"]).encode()
        return Invocation(request_id, payload, None if reply["ok"] else "Unhandled", duration_ms, worker.peak_rss_mb)

    def _await_reply(self, worker: _Worker, deadline: float) -> tuple[dict[str, Any] | None, dict[str, str] | None]:
        """Wait for the reply while watching the clock and the worker's memory, as the Lambda sandbox does."""
        memory_limit_kb = self.config.memory_mb * 1024
        while True:
            remaining = deadline - time.time()
            if remaining <= 0:
                message = f"Task timed out after {self.config.timeout_seconds:.2f} seconds"
                return None, {"errorType": "Sandbox.Timedout", "errorMessage": message}
            ready, _, _ = select.select([worker.responses], [], [], min(0.05, remaining))
            rss_kb = _rss_kb(worker.process.pid)
            worker.peak_rss_mb = max(worker.peak_rss_mb, rss_kb // 1024)
            if rss_kb > memory_limit_kb:
                message = "Runtime exited with error: signal: killed (out of memory)"
                return None, {"errorType": "Runtime.OutOfMemory", "errorMessage": message}
            if ready:
                line = worker.responses.readline()
                if line:
                    return json.loads(line), None
                code = worker.process.wait()
                return None, {"errorType": "Runtime.ExitError", "errorMessage": f"Runtime exited with status {code}"}

    def _flush_logs(
        self,
        worker: _Worker,
        request_id: str,
        duration_ms: float,
        init_ms: float | None,
        failure: dict[str, str] | None,
    ) -> None:
        with worker.lock:
            lines, worker.lines = worker.lines, []
        report = (
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {max(1, round(duration_ms))} ms\tMemory Size: {self.config.memory_mb} MB\t"
            f"Max Memory Used: {worker.peak_rss_mb} MB"
        )
        if init_ms is not None:
            report += f"\tInit Duration: {init_ms:.2f} ms"
        middle = lines + ([f"{request_id} {failure['errorMessage']}"] if failure else [])
        self._log_sink(
            worker.stream_name,
            [f"START RequestId: {request_id} Version: $LATEST", *middle, f"END RequestId: {request_id}", report],
        )

    @staticmethod
    def _discard(worker: _Worker) -> None:
        if worker.alive():
            worker.process.kill()
        worker.process.wait()
        worker.responses.close()


def _rss_kb(pid: int) -> int:
    try:
        with Path(f"/proc/{pid}/status").open() as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
