"""`make help` names every target and every variable a developer sets; `make bench` leaves git's tree clean."""

from __future__ import annotations

import re
import subprocess

from tests.conftest import REPO_ROOT

MAKEFILE = (REPO_ROOT / "Makefile").read_text()


def _help() -> str:
    completed = subprocess.run(["make", "-s", "help"], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    return completed.stdout


def test_help_lists_every_phony_target():
    phony = set(re.search(r"^\.PHONY:(.*)$", MAKEFILE, re.MULTILINE).group(1).split()) - {"help"}
    listed = set(re.findall(r"make ([a-z-]+)", _help()))
    assert phony <= listed, phony - listed


def test_help_names_the_variables_a_developer_sets():
    printed = _help()
    for variable in ("IMAGES", "PYTEST_ARGS", "PORT", "FUNCTION", "BENCH_RESULTS", "PYTHON"):
        assert f"{variable}=" in printed or f"{variable} " in printed, variable


def test_bench_writes_outside_what_git_tracks():
    default = re.search(r"^BENCH_RESULTS \?= (\S+)$", MAKEFILE, re.MULTILINE).group(1)
    ignored = subprocess.run(["git", "check-ignore", "-q", f"{default}/bench_resize.json"], cwd=REPO_ROOT, check=False)
    assert ignored.returncode == 0
    bench = MAKEFILE.split("\nbench:", 1)[1].split("\n\n", 1)[0]
    assert "benchmarks/results" not in bench
