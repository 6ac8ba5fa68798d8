"""Real Terraform, offline: configurations that need no provider (variables, locals, outputs) are planned and
applied in a temporary folder, so tests see what Terraform itself prints and refuses."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ENV = {
    **os.environ,
    "TF_IN_AUTOMATION": "1",
    "CHECKPOINT_DISABLE": "1",
    "TF_CLI_CONFIG_FILE": os.devnull,  # no ~/.terraformrc: nothing to warn about, nothing to reach
}


def terraform() -> str:
    found = shutil.which("terraform")
    if found is None:
        pytest.skip("terraform binary not on PATH (install Terraform >= 1.9 to run the Terraform CLI checks)")
    return found


def run(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [terraform(), *args], cwd=directory, env=ENV, capture_output=True, text=True, timeout=120, check=False
    )


def init(directory: Path) -> None:
    completed = run(directory, "init", "-input=false", "-no-color", "-backend=false")
    assert completed.returncode == 0, completed.stderr


def plan(directory: Path, values: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    (directory / "test.auto.tfvars.json").write_text(json.dumps(values))
    return run(directory, "plan", "-input=false", "-no-color", "-lock=false")


def error_summaries(stderr: str) -> list[str]:
    """The error messages of a failed plan, one string each (Terraform wraps them over several lines)."""
    messages = []
    for chunk in stderr.split("Error: ")[1:]:
        body = chunk.split("\n\nThis was checked by")[0]
        lines = [line.strip(" │╵╷") for line in body.splitlines()]
        text = [line for line in lines if line and not re.match(r"^(on |\d+:|├|var\.|local\.)", line)]
        messages.append(" ".join(text[1:]))  # the first line is the summary ("Invalid value for variable")
    return messages
