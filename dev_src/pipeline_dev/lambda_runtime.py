"""A Lambda-like Python environment on this machine: the built function.zip and layer.zip unpacked the way
Lambda unpacks them (function in /var/task, layer in /opt/python), plus boto3 and its dependencies, which
the Lambda runtime provides. Nothing else from the developer's environment is importable there."""

from __future__ import annotations

import importlib.metadata
import os
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")


@dataclass(frozen=True)
class LambdaTree:
    task: Path  # function.zip contents (/var/task)
    layer: Path  # layer.zip's python/ folder (/opt/python)
    runtime: Path  # what the managed runtime provides (boto3 & co)

    @property
    def sys_path(self) -> list[str]:
        return [str(self.task), str(self.layer), str(self.runtime)]

    def command(self, python: str, code: str) -> list[str]:
        """A fresh interpreter without site-packages whose sys.path is exactly this tree plus the stdlib."""
        bootstrap = f"import sys; sys.path[:0] = {self.sys_path!r}; " + code
        return [python, "-S", "-c", bootstrap]


def unpack(function_zip: Path, layer_zip: Path, destination: Path) -> LambdaTree:
    task, opt = destination / "task", destination / "opt"
    with zipfile.ZipFile(function_zip) as archive:
        archive.extractall(task)
    with zipfile.ZipFile(layer_zip) as archive:
        archive.extractall(opt)
    runtime = destination / "runtime"
    link_runtime_packages(runtime)
    return LambdaTree(task, opt / "python", runtime)


def link_runtime_packages(target: Path) -> None:
    """Link boto3 and its dependencies (pure Python) from this environment, as the Lambda runtime has them."""
    target.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME_PROVIDED:
        distribution = importlib.metadata.distribution(name)
        top_levels = (distribution.read_text("top_level.txt") or "").split()
        if not top_levels:
            top_levels = sorted({Path(str(f)).parts[0] for f in distribution.files or [] if "/" in str(f)})
            top_levels = [t for t in top_levels if not t.endswith((".dist-info", ".data")) and t != "__pycache__"]
        base = Path(str(distribution.locate_file("")))
        for top in top_levels:
            for candidate in (base / top, base / f"{top}.py"):
                link = target / candidate.name
                if candidate.exists() and not link.exists():
                    os.symlink(candidate, link)


def host_architecture() -> str:
    machine = os.uname().machine if hasattr(os, "uname") else "x86_64"
    return "arm64" if machine in ("aarch64", "arm64") else "x86_64"


def host_python_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"
