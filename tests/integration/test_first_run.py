"""The edges a newcomer hits first: busy ports, CLI misuse, AWS that is not there. One line, a documented
exit code, never a traceback or a hang."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import boto3
import pytest
from image_resizer.cli import EXIT_AWS, EXIT_USAGE, main
from pipeline_dev import samples

ENV = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}


def _held_port() -> socket.socket:
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    return holder


def _free_port_pair() -> tuple[int, socket.socket]:
    """A port N that is free while N + 1 is held."""
    for _ in range(50):
        holder = _held_port()
        port = holder.getsockname()[1] - 1
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                holder.close()
                continue
        return port, holder
    pytest.skip("no free port pair found")


def _up(port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline_dev.local", "up", "--port", str(port)],
        capture_output=True,
        text=True,
        timeout=120,
        env=ENV,
        check=False,
    )


def test_up_on_a_busy_port_exits_2_naming_the_port():
    with _held_port() as holder:
        port = holder.getsockname()[1]
        completed = _up(port)
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines() == [completed.stderr.strip()]  # one line
    assert f"port {port} (AWS endpoint) is in use" in completed.stderr and "Traceback" not in completed.stderr


def test_up_when_only_the_api_port_is_busy_exits_2_naming_it():
    port, holder = _free_port_pair()
    with holder:
        completed = _up(port)
    assert completed.returncode == 2
    assert f"port {port + 1} (API stand-in) is in use" in completed.stderr and "Traceback" not in completed.stderr


def test_version(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("image-resizer ")


def test_help_describes_every_resize_flag(capsys):
    with pytest.raises(SystemExit):
        main(["resize", "--help"])
    text = capsys.readouterr().out
    assert "refuse sources of more than N pixels" in text and "refuse files of more than N bytes" in text


def test_out_that_is_a_file_is_a_usage_error(tmp_path, capsys):
    existing = tmp_path / "out.jpg"
    existing.write_bytes(b"x")
    source = tmp_path / "a.jpg"
    source.write_bytes(samples.encode(samples.photo(300, 200), "JPEG"))
    assert main(["resize", "--out", str(existing), str(source)]) == EXIT_USAGE
    assert "is a file" in capsys.readouterr().err


def test_two_inputs_with_one_name_are_refused_before_anything_is_written(tmp_path, capsys):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.jpg").write_bytes(samples.encode(samples.photo(300, 200), "JPEG"))
    out = tmp_path / "out"
    assert main(["resize", "--out", str(out), str(tmp_path / "a" / "x.jpg"), str(tmp_path / "b" / "x.jpg")]) == 2
    assert "would write the same outputs" in capsys.readouterr().err
    assert not out.exists()


def test_a_folder_is_walked_and_relative_paths_are_kept(tmp_path, capsys):
    photos = tmp_path / "photos"
    for folder in ("2024", "2025"):
        (photos / folder).mkdir(parents=True)
        (photos / folder / "x.jpg").write_bytes(samples.encode(samples.photo(300, 200), "JPEG"))
    (photos / ".DS_Store").write_bytes(b"junk")
    out = tmp_path / "out"
    assert main(["resize", "--out", str(out), str(photos)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 2 and all(line["ok"] for line in lines)
    assert (out / "2024" / "x.jpg").is_file() and (out / "2025" / "x.jpg").is_file()


def test_backfill_against_a_missing_bucket(moto_server, capsys, monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    boto3.client("s3", endpoint_url=moto_server).create_bucket(Bucket="resized-here")
    code = main(
        [
            "backfill",
            "--bucket",
            "no-such-originals",
            "--resized-bucket",
            "resized-here",
            "--state-machine-arn",
            "arn:aws:states:us-east-1:123456789012:stateMachine:x",
            "--endpoint-url",
            moto_server,
        ]
    )
    assert code == EXIT_AWS
    assert "bucket 'no-such-originals' does not exist" in capsys.readouterr().err


def test_backfill_against_an_endpoint_that_does_not_answer():
    with _held_port() as holder:  # listening, never accepting: refuse by closing first
        port = holder.getsockname()[1]
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "image_resizer",
            "backfill",
            "--bucket",
            "b",
            "--resized-bucket",
            "r",
            "--state-machine-arn",
            "arn:aws:states:us-east-1:123456789012:stateMachine:x",
            "--endpoint-url",
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=ENV,
        check=False,
    )
    assert completed.returncode == EXIT_AWS
    assert "cannot reach the AWS endpoint" in completed.stderr and "Traceback" not in completed.stderr


def test_logs_prints_the_function_log_group(moto_server, capsys, monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    logs = boto3.client("logs", endpoint_url=moto_server)
    logs.create_log_group(logGroupName="/aws/lambda/fn-under-test")
    logs.create_log_stream(logGroupName="/aws/lambda/fn-under-test", logStreamName="s")
    import time

    logs.put_log_events(
        logGroupName="/aws/lambda/fn-under-test",
        logStreamName="s",
        logEvents=[{"timestamp": int(time.time() * 1000), "message": "REPORT RequestId: 1\tDuration: 5.00 ms"}],
    )
    assert main(["logs", "--function", "fn-under-test", "--endpoint-url", moto_server]) == 0
    assert "REPORT RequestId: 1" in capsys.readouterr().out
    assert main(["logs", "--function", "missing", "--endpoint-url", moto_server]) == EXIT_AWS
    assert "does not exist" in capsys.readouterr().err


def test_the_cli_applies_the_function_memory_budget(tmp_path, capsys, monkeypatch):
    big = tmp_path / "big.png"
    big.write_bytes(samples.blank_png(10000, 10000))
    assert main(["resize", "--out", str(tmp_path / "out"), "--memory-mb", "256", str(big)]) == 1
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert line["error"]["type"] == "ImageTooLargeError" and "256 MB" in line["error"]["message"]
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")  # the default, as in the Lambda
    assert main(["resize", "--out", str(tmp_path / "out"), str(big)]) == 1
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "not-a-number")  # ignored, not a traceback
    with pytest.raises(SystemExit) as exited:
        main(["resize", "--out", str(tmp_path / "out"), "--memory-mb", "lots", str(big)])
    assert exited.value.code == EXIT_USAGE
