"""The Lambda-like worker: errors, timeouts and memory as Lambda reports them, warm reuse, log lines."""

from __future__ import annotations

import json
import re
import sys
import textwrap
from pathlib import Path

import pytest
from pipeline_dev.lambda_runtime import LambdaTree, link_runtime_packages
from pipeline_dev.local.worker import FunctionConfig, WorkerPool

HANDLER = textwrap.dedent(
    """
    import os, time
    STARTS = []
    STARTS.append(os.getpid())

    class Boom(Exception):
        pass

    def handle(event, context):
        action = event.get("action")
        if action == "raise":
            raise Boom("it went wrong")
        if action == "sleep":
            time.sleep(event["seconds"])
        if action == "eat":
            hog = bytearray(event["mb"] * 1024 * 1024)
            for i in range(0, len(hog), 4096):
                hog[i] = 1
            time.sleep(0.5)
        print("handled", action)
        remaining = context.get_remaining_time_in_millis()
        return {"pid": os.getpid(), "env": os.environ.get("GREETING"), "remaining": remaining}
    """
)


@pytest.fixture
def pool(tmp_path):
    task = tmp_path / "task"
    task.mkdir()
    (task / "probe.py").write_text(HANDLER)
    (tmp_path / "layer").mkdir()
    link_runtime_packages(tmp_path / "runtime")
    tree = LambdaTree(task, tmp_path / "layer", tmp_path / "runtime")
    logs: list[tuple[str, list[str]]] = []
    config = FunctionConfig(
        name="probe",
        arn="arn:aws:lambda:us-east-1:123456789012:function:probe",
        handler="probe.handle",
        tree=tree,
        environment={"GREETING": "hello"},
        timeout_seconds=2,
        memory_mb=128,
        python=sys.executable,
    )
    workers = WorkerPool(config, lambda stream, lines: logs.append((stream, lines)), max_workers=2)
    workers.logs = logs  # type: ignore[attr-defined]
    yield workers
    workers.close()


def test_result_environment_context_and_warm_reuse(pool):
    first = pool.invoke({"action": "ok"})
    second = pool.invoke({"action": "ok"})
    one, two = json.loads(first.payload), json.loads(second.payload)
    assert first.function_error is None and one["env"] == "hello"
    assert 0 < one["remaining"] <= 2000
    assert one["pid"] == two["pid"]  # the sandbox stayed warm


def test_exception_is_an_unhandled_function_error_with_type_and_message(pool):
    result = pool.invoke({"action": "raise"})
    assert result.function_error == "Unhandled"
    payload = json.loads(result.payload)
    assert payload["errorType"] == "Boom" and payload["errorMessage"] == "it went wrong"
    assert isinstance(payload["stackTrace"], list)


def test_timeout_reports_sandbox_timedout_and_discards_the_sandbox(pool):
    before = json.loads(pool.invoke({"action": "ok"}).payload)["pid"]
    result = pool.invoke({"action": "sleep", "seconds": 30})
    assert result.function_error == "Unhandled"
    assert json.loads(result.payload) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": "Task timed out after 2.00 seconds",
    }
    after = json.loads(pool.invoke({"action": "ok"}).payload)["pid"]
    assert after != before


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="memory is watched through /proc (Linux)")
def test_going_over_the_memory_size_is_out_of_memory(pool):
    result = pool.invoke({"action": "eat", "mb": 400})
    assert json.loads(result.payload)["errorType"] == "Runtime.OutOfMemory"


def test_logs_have_lambda_start_end_report_lines(pool):
    pool.invoke({"action": "ok"})
    ((stream, lines),) = pool.logs
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", stream)
    assert lines[0].startswith("START RequestId: ") and lines[-2].startswith("END RequestId: ")
    assert "handled ok" in lines
    assert lines[-1].startswith("REPORT RequestId: ") and "Memory Size: 128 MB" in lines[-1]
    assert "Init Duration" in lines[-1]
