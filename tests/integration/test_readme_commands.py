"""The local stack's bash commands in docs/development.md, run as written against the local stack."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pipeline_dev import samples
from pipeline_dev.local.stack import CREDENTIALS, LocalStack

from tests.conftest import REPO_ROOT, open_output

pytestmark = pytest.mark.slow


def readme_local_commands() -> list[str]:
    readme = (REPO_ROOT / "docs" / "development.md").read_text()
    section = readme[readme.index("**The same against the local stack.**") :]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL).group(1)
    return [line for line in block.strip().splitlines() if line.strip()]


def test_readme_bash_commands_work_against_the_local_stack(tmp_path):
    if shutil.which("curl") is None:
        pytest.skip("curl not installed")
    commands = readme_local_commands()
    assert [c.split()[0] for c in commands] == ["aws", "aws", "aws", "aws", "aws", "curl"]
    (tmp_path / "image.jpg").write_bytes(samples.oriented_jpeg(6, samples.photo(1200, 900)))
    bin_dir = str(Path(sys.executable).parent)  # this venv's aws (awscli is a dev dependency)
    with LocalStack() as stack:
        env = {
            **os.environ,
            **CREDENTIALS,
            "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
            **dict(line.split("=", 1) for line in stack.environment_lines()),
        }
        outputs = []
        for command in commands:
            if "$RESIZED_BUCKET" in command:
                stack.wait_for_executions(1, timeout=60)  # a person reads the resized bucket after the resize
            completed = subprocess.run(
                ["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
            )
            assert completed.returncode == 0, (command, completed.stdout, completed.stderr)
            outputs.append(completed.stdout)
        assert "image.jpg" in outputs[1]
        assert open_output((tmp_path / "image-resized.jpg").read_bytes()).size == (200, 150)
        assert '"status": "SUCCEEDED"' in outputs[3]
        assert "START RequestId" in outputs[4] and "resized" in outputs[4]
        assert '"executionArn"' in outputs[5]


def test_terraform_output_commands_work_as_pasted(tmp_path):
    """`terraform output -raw commands`, from the apply the local stack runs, pasted line by line."""
    if shutil.which("curl") is None:
        pytest.skip("curl not installed")
    (tmp_path / "image.jpg").write_bytes(samples.oriented_jpeg(6, samples.photo(1200, 900)))
    bin_dir = str(Path(sys.executable).parent)
    with LocalStack() as stack:
        # The stack's own render: `terraform output -raw commands` of the apply it runs, with the API's URL
        # (on AWS, API Gateway's) pointed at the local API stand-in.
        outputs = stack.rendered.outputs
        printed = {"commands": outputs["commands"].replace(outputs["api_start_url"], stack.api_url)}
        env = {
            **os.environ,
            **CREDENTIALS,
            "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
            "AWS_ENDPOINT_URL": stack.endpoint_url,
        }
        for command in printed["commands"].splitlines():
            if "s3://" + stack.settings.resized_bucket in command:
                stack.wait_for_executions(1, timeout=60)
            completed = subprocess.run(
                ["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
            )
            assert completed.returncode == 0, (command, completed.stdout, completed.stderr)
        assert '"executionArn"' in completed.stdout  # the last line, POST /start, was accepted as JSON
        assert open_output((tmp_path / "image-resized.jpg").read_bytes()).size == (200, 150)
