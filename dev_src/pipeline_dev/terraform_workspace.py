"""Real Terraform on a copy of this repository's configuration, with the stand-in hashicorp/aws
(``pipeline_dev.standin_aws``): never ``init`` inside the work tree, so no ``.terraform/`` or lock file appears there.

    ws = Workspace.create(tmp_path)              # copies *.tf, modules/, state_machine/, examples/
    ws.terraform(".", "init")                   # or "examples/complete"
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline_dev.paths import REPO_ROOT
from pipeline_dev.provider_schema import PROVIDER_VERSION
from pipeline_dev.standin_aws.install import MIRROR, PROVIDER_ADDRESS, install, terraform_binary

# What Terraform reads of the repository; everything else (Python, tests, docs) stays behind.
CONFIGURATION = ("modules", "state_machine", "examples", "tests/terraform")
ARCHITECTURES = ("x86_64", "arm64")


def _hash1(directory: Path) -> str:
    """Terraform's ``h1:`` package hash of an unpacked provider directory (Go's dirhash.Hash1: the SHA-256 of the
    sorted lines ``<sha256 hex>  <relative path>``)."""
    lines = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  {path.relative_to(directory).as_posix()}\n")
    return "h1:" + base64.b64encode(hashlib.sha256("".join(lines).encode()).digest()).decode()


def lock_file_text() -> str:
    """A dependency lock file naming the stand-in's hash, so ``init`` verifies rather than computes it (Terraform
    warns "Incomplete lock file information" when it has to compute one)."""
    version_dir = MIRROR / PROVIDER_ADDRESS / PROVIDER_VERSION
    hashes = sorted(_hash1(target) for target in version_dir.iterdir() if target.is_dir())
    listed = "".join(f'    "{h}",\n' for h in hashes)
    return (
        f'provider "{PROVIDER_ADDRESS}" {{\n'
        f'  version     = "{PROVIDER_VERSION}"\n'
        '  constraints = ">= 6.0.0, < 7.0.0"\n'
        f"  hashes = [\n{listed}  ]\n"
        "}\n"
    )


def _placeholder_zip(path: Path, member: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, "# placeholder: Terraform only hashes this file in these checks\n")


@dataclass(frozen=True)
class Workspace:
    root: Path
    cli_config: Path

    @classmethod
    def create(
        cls,
        destination: Path,
        artifacts: Path | None = None,
        source: Path = REPO_ROOT,
        parts: tuple[str, ...] = CONFIGURATION,
    ) -> Workspace:
        """A copy of the configuration in ``source`` (the root's ``*.tf`` and ``parts``) in ``destination``;
        ``dist/`` holds ``artifacts`` (a folder with ``<arch>/function.zip`` and ``layer.zip``), or small
        placeholder zips when none is given."""
        cli_config = install()
        destination.mkdir(parents=True, exist_ok=True)
        for path in source.glob("*.tf"):
            shutil.copy2(path, destination / path.name)
        for part in parts:
            if (source / part).exists():
                shutil.copytree(source / part, destination / part, dirs_exist_ok=True)
        for architecture in ARCHITECTURES:
            for name in ("function.zip", "layer.zip"):
                target = destination / "dist" / architecture / name
                given = artifacts / architecture / name if artifacts else None
                if given is not None and given.exists():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(given, target)
                else:
                    _placeholder_zip(target, "lambda_function.py" if name == "function.zip" else "python/.keep")
        return cls(destination, cli_config)

    def environment(self) -> dict[str, str]:
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith("TF_")},
            "TF_CLI_CONFIG_FILE": str(self.cli_config),
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
        }

    def terraform(
        self, where: str, *args: str, check: bool = True, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        directory = self.root / where
        if args and args[0] == "init" and not (directory / ".terraform.lock.hcl").exists():
            (directory / ".terraform.lock.hcl").write_text(lock_file_text())
        flags = []
        if args and args[0] in {"init", "validate", "plan", "apply", "destroy", "test", "output", "show"}:
            flags.append("-no-color")
        if args and args[0] in {"init", "plan", "apply", "destroy"}:
            flags.append("-input=false")
        command = [terraform_binary(), *args[:1], *flags, *args[1:]]
        completed = subprocess.run(
            command, cwd=directory, env=self.environment(), capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and completed.returncode != 0:
            raise TerraformError(where, args, completed)
        return completed

    def write_variables(self, where: str, values: dict[str, Any]) -> None:
        (self.root / where / "standin.auto.tfvars.json").write_text(json.dumps(values, indent=2))

    def state(self, where: str) -> dict[str, Any]:
        shown: dict[str, Any] = json.loads(self.terraform(where, "show", "-json").stdout)
        return shown

    def output(self, where: str, name: str) -> str:
        return self.terraform(where, "output", "-raw", name).stdout


class TerraformError(RuntimeError):
    def __init__(self, where: str, args: tuple[str, ...], completed: subprocess.CompletedProcess[str]) -> None:
        super().__init__(f"terraform {' '.join(args)} in {where} exited {completed.returncode}:\n{completed.stderr}")
        self.completed = completed


def resources(state: dict[str, Any]) -> list[dict[str, Any]]:
    """Every resource and data source in ``terraform show -json`` output, child modules included."""

    def walk(module: dict[str, Any]) -> list[dict[str, Any]]:
        found = list(module.get("resources", []))
        for child in module.get("child_modules", []):
            found.extend(walk(child))
        return found

    return walk(state.get("values", {}).get("root_module", {}))


def warnings(completed: subprocess.CompletedProcess[str]) -> list[str]:
    """The summaries of Terraform's warnings in a command's output (``Warning: <summary>``)."""
    text = completed.stdout + completed.stderr
    return [line.split("Warning: ", 1)[1].strip() for line in text.splitlines() if "Warning: " in line]
