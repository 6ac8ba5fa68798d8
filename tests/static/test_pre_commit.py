"""The pre-commit hooks people expect, running the project's own pinned tools."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import REPO_ROOT

CONFIG = REPO_ROOT / ".pre-commit-config.yaml"


def test_config_is_valid_for_pre_commit():
    pre_commit = Path(sys.executable).parent / "pre-commit"
    completed = subprocess.run(
        [str(pre_commit), "validate-config", str(CONFIG)], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_hooks_cover_lint_types_terraform_and_security():
    hooks = {hook["id"]: hook for repo in yaml.safe_load(CONFIG.read_text())["repos"] for hook in repo["hooks"]}
    assert {"ruff", "ruff-format", "mypy", "terraform-fmt", "terraform-offline-validate", "checkov"} <= set(hooks)
    for hook in hooks.values():
        executable = hook["entry"].split()[0]
        if executable.startswith("."):  # a pinned tool that `make venv` / `make static-tools` installs
            assert executable.startswith((".venv/bin/", ".venv-tools/bin/")), hook["id"]
    assert "validate_terraform.py" in hooks["terraform-offline-validate"]["entry"]
