"""The Lambda's hashed requirements and the dev install (pyproject) pin the same versions."""

import re
import sys
import tomllib

from tests.conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "scripts"))
from lambda_platform import requirements_for


def pins(lines):
    return {
        m.group(1).lower(): m.group(2) for m in (re.match(r"([A-Za-z0-9_.-]+)==([^\s;]+)", line) for line in lines) if m
    }


def test_pyproject_runtime_pins_equal_the_lambda_lock_for_the_default_runtime():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    declared = pins(project["dependencies"])
    locked = pins(requirements_for((REPO_ROOT / "lambda_src" / "requirements.txt").read_text(), "3.12"))
    assert {name: declared[name] for name in locked if name in declared} == {
        name: version for name, version in locked.items() if name in declared
    }
    assert {"pillow", "pi-heif", "aws-lambda-powertools"} <= declared.keys() & locked.keys()


def test_lock_file_matches_its_input():
    source = [
        line
        for line in (REPO_ROOT / "lambda_src" / "requirements.in").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    locked = (REPO_ROOT / "lambda_src" / "requirements.txt").read_text()
    for requirement in source:
        assert requirement in locked, f"{requirement!r} not locked: run scripts/lock_lambda_requirements.py"
