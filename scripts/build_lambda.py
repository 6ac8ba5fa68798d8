"""Build the Lambda artifacts for one architecture and Python version, on any OS, without Docker.

    python scripts/build_lambda.py [--arch x86_64|arm64] [--python 3.12] --out DIR

writes exactly DIR/function.zip (the image_resizer package) and DIR/layer.zip (its dependencies under python/,
installed by pip for the Lambda platform from the hashed lambda_src/requirements.txt), both byte-reproducible.
Every native library in the layer is checked to be an ELF file for the requested machine and every compiled
extension to carry the requested Python version's tag, so a wrong-platform layer cannot be produced.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from lambda_platform import ARCHITECTURES, ELF_MACHINES, RUNTIMES, platforms, requirements_for

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lambda_src" / "image_resizer"
REQUIREMENTS = ROOT / "lambda_src" / "requirements.txt"
DEFAULT_WHEEL_CACHE = ROOT / ".cache" / "wheels"
MAX_ZIP_BYTES = 50 * 1024 * 1024  # direct upload limit
MAX_UNPACKED_BYTES = 250 * 1024 * 1024  # function + layers, unzipped
FIXED_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
EXCLUDED_PARTS = {"__pycache__", "bin"}
EXCLUDED_SUFFIXES = {".pyc", ".pyo"}
# Lambda's /opt and /var/task are read-only: without bytecode in the zips every cold start compiles every
# module it imports (the handler's imports took 374 ms so, 222 ms from bytecode). Compiled by the runtime's own
# Python version, hash-based and unchecked, so the bytes do not depend on file times and Python never rereads
# the source to validate them.
LAMBDA_ROOTS = {"layer": "/opt", "function": "/var/task"}


class BuildError(Exception):
    """The artifacts cannot be built as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Artifact:
    path: Path
    size: int
    unpacked: int
    sha256_b64: str

    def describe(self) -> str:
        return (
            f"{self.path}: {self.size:,} bytes zipped, {self.unpacked:,} bytes unpacked, "
            f"base64 sha256 {self.sha256_b64}"
        )


def filebase64sha256(path: Path) -> str:
    """What Terraform's filebase64sha256() returns, for source_code_hash."""
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


def write_reproducible_zip(source_root: Path, files: list[Path], destination: Path, prefix: str = "") -> Artifact:
    """Sorted entries, fixed timestamps, normalised permissions: same inputs, same bytes."""
    unpacked = 0
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for file in sorted(files, key=lambda p: p.relative_to(source_root).as_posix()):
            name = prefix + file.relative_to(source_root).as_posix()
            info = zipfile.ZipInfo(name, date_time=FIXED_TIMESTAMP)
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever OS builds it
            data = file.read_bytes()
            unpacked += len(data)
            archive.writestr(info, data, compresslevel=9)
    return Artifact(destination, destination.stat().st_size, unpacked, filebase64sha256(destination))


def included(path: Path, root: Path, bytecode_tag: str | None = None) -> bool:
    """Sources and data; bytecode only ``__pycache__/*.<bytecode_tag>.pyc`` (what ``precompile`` wrote)."""
    relative = path.relative_to(root)
    if bytecode_tag and relative.parent.name == "__pycache__" and path.name.endswith(f".{bytecode_tag}.pyc"):
        return path.is_file() and not (set(relative.parent.parent.parts) & EXCLUDED_PARTS)
    return path.is_file() and not (set(relative.parts) & EXCLUDED_PARTS) and path.suffix not in EXCLUDED_SUFFIXES


def runtime_interpreter(python: str) -> str | None:
    """An interpreter of the runtime's version to compile bytecode with: this one, pyenv's, or python3.X on
    PATH (each asked for its version: a pyenv shim may exist without the version); None where there is none
    (the artifacts then carry sources only and still work)."""
    candidates = [sys.executable]
    pyenv = shutil.which("pyenv")
    if pyenv:
        completed = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False)
        if completed.returncode == 0:
            candidates += [
                str(p) for p in sorted(Path(completed.stdout.strip()).glob(f"versions/{python}.*/bin/python{python}"))
            ]
    candidates += [found for found in [shutil.which(f"python{python}")] if found]
    for candidate in candidates:
        completed = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode == 0 and completed.stdout.strip() == python:
            return candidate
    return None


def precompile(root: Path, interpreter: str, lambda_root: str) -> str:
    """Compile every module under ``root`` as the runtime will find it under ``lambda_root``; returns the
    bytecode tag (cpython-312) that the files carry."""
    completed = subprocess.run(
        [
            interpreter,
            "-m",
            "compileall",
            "-q",
            "--invalidation-mode",
            "unchecked-hash",
            "-s",
            str(root),
            "-p",
            lambda_root,
            str(root),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise BuildError("compiling bytecode failed:\n" + (completed.stdout + completed.stderr)[-2000:])
    tag = [interpreter, "-c", "import sys; print(sys.implementation.cache_tag)"]
    return subprocess.run(tag, capture_output=True, text=True, check=True).stdout.strip()


def pip(*args: str) -> None:
    completed = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        messages = [line for line in completed.stderr.splitlines() if "WARNING: Location" not in line]
        raise BuildError("pip failed:\n" + "\n".join(messages[-15:]))


def fetch_wheels(python: str, architecture: str, cache: Path, offline: bool) -> tuple[Path, Path]:
    """The hashed requirements that apply to this runtime, and a folder holding exactly their wheels."""
    blocks = requirements_for(REQUIREMENTS.read_text(), python)
    wheels = cache / f"py{python}-{architecture}"
    wheels.mkdir(parents=True, exist_ok=True)
    requirements = wheels / "requirements.txt"
    requirements.write_text("\n".join(blocks) + "\n")
    platform_args = [arg for platform in platforms(python, architecture) for arg in ("--platform", platform)]
    common = ["--only-binary=:all:", "--implementation", "cp", "--python-version", python, *platform_args]
    if not offline:
        try:
            pip(
                "download",
                "--quiet",
                "--no-deps",
                "--require-hashes",
                "--dest",
                str(wheels),
                *common,
                "-r",
                str(requirements),
            )
        except BuildError as exc:
            raise BuildError(
                f"no complete set of wheels for python{python} on {architecture} "
                f"(platform tags {', '.join(platforms(python, architecture))}).\n{exc}"
            ) from exc
    return requirements, wheels


def install_layer(python: str, architecture: str, requirements: Path, wheels: Path, target: Path) -> None:
    platform_args = [arg for platform in platforms(python, architecture) for arg in ("--platform", platform)]
    pip(
        "install",
        "--quiet",
        "--no-index",
        "--find-links",
        str(wheels),
        "--no-deps",
        "--no-compile",
        "--require-hashes",
        "--only-binary=:all:",
        "--implementation",
        "cp",
        "--python-version",
        python,
        *platform_args,
        "--target",
        str(target),
        "-r",
        str(requirements),
    )


def elf_machine(path: Path) -> int | None:
    header = path.read_bytes()[:20]
    if header[:4] != b"\x7fELF":
        return None
    byteorder = "little" if header[5] == 1 else "big"
    return int.from_bytes(header[18:20], byteorder)


def verify_platform(root: Path, python: str, architecture: str) -> int:
    """Every shared object is ELF for the right machine; every extension is tagged for the right Python."""
    expected_machine = ELF_MACHINES[architecture]
    cpython_tag = "cpython-" + python.replace(".", "")
    machine_name = ARCHITECTURES[architecture]
    checked = 0
    problems = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or not (path.suffix == ".so" or ".so." in path.name or path.suffix == ".pyd"):
            continue
        checked += 1
        machine = elf_machine(path)
        relative = path.relative_to(root)
        if machine != expected_machine:
            problems.append(f"{relative}: ELF machine {machine}, expected {expected_machine} ({architecture})")
        if ".cpython-" in path.name and not (cpython_tag in path.name and machine_name in path.name):
            problems.append(f"{relative}: extension tag does not match {cpython_tag} on {machine_name}")
    if problems:
        raise BuildError("wrong-platform files in the layer:\n  " + "\n  ".join(problems))
    if checked == 0:
        raise BuildError("the layer holds no native library at all: Pillow is missing")
    return checked


def build(architecture: str, python: str, out: Path, cache: Path, offline: bool) -> list[Artifact]:
    out.mkdir(parents=True, exist_ok=True)
    requirements, wheels = fetch_wheels(python, architecture, cache, offline)
    interpreter = runtime_interpreter(python)
    if interpreter is None:
        print(f"build_lambda: note: no python{python} here: the zips carry sources only (slower cold starts)")
    with tempfile.TemporaryDirectory() as tmp:
        layer_root = Path(tmp) / "layer"
        install_layer(python, architecture, requirements, wheels, layer_root / "python")
        verify_platform(layer_root, python, architecture)
        tag = precompile(layer_root, interpreter, LAMBDA_ROOTS["layer"]) if interpreter else None
        layer_files = [p for p in layer_root.rglob("*") if included(p, layer_root, tag)]
        layer = write_reproducible_zip(layer_root, layer_files, out / "layer.zip")
        function_root = Path(tmp) / "function"
        shutil.copytree(PACKAGE, function_root / PACKAGE.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        tag = precompile(function_root, interpreter, LAMBDA_ROOTS["function"]) if interpreter else None
        function_files = [
            p for p in function_root.rglob("*") if included(p, function_root, tag) and p.suffix in (".py", ".pyc")
        ]
        function = write_reproducible_zip(function_root, function_files, out / "function.zip")
    artifacts = [function, layer]
    for artifact in artifacts:
        if artifact.size > MAX_ZIP_BYTES:
            raise BuildError(f"{artifact.path} is {artifact.size:,} bytes; Lambda takes at most {MAX_ZIP_BYTES:,}")
    total = sum(a.unpacked for a in artifacts)
    if total > MAX_UNPACKED_BYTES:
        raise BuildError(f"function + layer unpack to {total:,} bytes; Lambda allows {MAX_UNPACKED_BYTES:,}")
    return artifacts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", choices=sorted(ARCHITECTURES), default="x86_64")
    parser.add_argument("--python", choices=RUNTIMES, default="3.12")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--wheel-cache", type=Path, default=DEFAULT_WHEEL_CACHE)
    parser.add_argument("--offline", action="store_true", help="use only wheels already in --wheel-cache")
    args = parser.parse_args(argv)
    try:
        artifacts = build(args.arch, args.python, args.out, args.wheel_cache, args.offline)
    except BuildError as exc:
        print(f"build_lambda: error: {exc}", file=sys.stderr)
        return 1
    print(f"python{args.python} on {args.arch}:")
    for artifact in artifacts:
        print(f"  {artifact.describe()}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    sys.exit(main())
