"""Facts about the Lambda Python runtimes that the build and the lock script share."""

from __future__ import annotations

import re
from typing import Final

ARCHITECTURES: Final = {"x86_64": "x86_64", "arm64": "aarch64"}  # Lambda name -> manylinux machine name
ELF_MACHINES: Final = {"x86_64": 62, "arm64": 183}  # EM_X86_64, EM_AARCH64
# The OS under each runtime decides which manylinux wheels load: python3.11 runs on Amazon Linux 2
# (glibc 2.26), python3.12 and 3.13 on Amazon Linux 2023 (glibc 2.34).
PLATFORM_TAGS: Final = {
    "3.11": ("manylinux2014", "manylinux_2_24", "manylinux_2_26"),
    "3.12": ("manylinux2014", "manylinux_2_28"),
    "3.13": ("manylinux2014", "manylinux_2_28"),
}
RUNTIMES: Final = tuple(PLATFORM_TAGS)

_MARKER = re.compile(r"""^python_version\s*(==|!=|>=|<=|>|<)\s*["'](\d+)\.(\d+)["']$""")


def platforms(python: str, architecture: str) -> list[str]:
    return [f"{tag}_{ARCHITECTURES[architecture]}" for tag in PLATFORM_TAGS[python]]


def marker_applies(marker: str, python: str) -> bool:
    """Evaluate a ``python_version`` marker for the *target* Python (pip would use the host's)."""
    match = _MARKER.match(marker.strip())
    if not match:
        raise ValueError(f"unsupported marker {marker!r}: only python_version comparisons are allowed")
    op, major, minor = match.group(1), int(match.group(2)), int(match.group(3))
    target = tuple(int(part) for part in python.split("."))
    wanted = (major, minor)
    return {
        "==": target == wanted,
        "!=": target != wanted,
        ">=": target >= wanted,
        "<=": target <= wanted,
        ">": target > wanted,
        "<": target < wanted,
    }[op]


def requirements_for(text: str, python: str) -> list[str]:
    """The requirement blocks (with their hash lines) that apply to ``python``, markers removed."""
    blocks: list[str] = []
    for block in re.split(r"\n(?=\S)", text):
        lines = [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        if not lines:
            continue
        head, _, marker = lines[0].rstrip(" \\").partition(";")
        if marker and not marker_applies(marker, python):
            continue
        hashes = [line.strip().rstrip("\\").strip() for line in lines[1:]]
        blocks.append(" \\\n    ".join([head.strip(), *hashes]))
    return blocks
