"""Terraform read with python-hcl2, normalised: quotes removed from strings and labels, parser bookkeeping
(``__is_block__``, ``__comments__``) dropped. Expressions stay as ``${...}`` strings."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2


def normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {normalise(k): normalise(v) for k, v in value.items() if not str(k).startswith("__")}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            decoded = json.loads(value)
        except json.JSONDecodeError:
            return value[1:-1]
        return decoded if isinstance(decoded, str) else value[1:-1]
    return value


def load_file(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return normalise(hcl2.load(handle))  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Block:
    kind: str  # resource, data, variable, output, module, locals, ...
    labels: tuple[str, ...]
    body: dict[str, Any]
    file: Path


def blocks(directory: Path) -> list[Block]:
    """Every top-level block of the module in ``directory`` (its *.tf files, not subfolders)."""
    found: list[Block] = []
    for path in sorted(directory.glob("*.tf")):
        parsed = load_file(path)
        for kind, entries in parsed.items():
            for entry in entries:
                found.extend(_unwrap(kind, entry, (), path))
    return found


_LABELS = {"resource": 2, "data": 2, "variable": 1, "output": 1, "module": 1, "provider": 1}


def _unwrap(kind: str, entry: dict[str, Any], labels: tuple[str, ...], path: Path) -> list[Block]:
    if len(labels) == _LABELS.get(kind, 0):
        return [Block(kind, labels, entry, path)]
    result = []
    for label, body in entry.items():
        result.extend(_unwrap(kind, body, (*labels, label), path))
    return result


def variables(directory: Path) -> dict[str, dict[str, Any]]:
    return {b.labels[0]: b.body for b in blocks(directory) if b.kind == "variable"}


def outputs(directory: Path) -> dict[str, dict[str, Any]]:
    return {b.labels[0]: b.body for b in blocks(directory) if b.kind == "output"}


def expression(value: Any) -> str:
    """An attribute as HCL-ish text, for documentation."""
    if isinstance(value, str):
        return value[2:-1] if value.startswith("${") and value.endswith("}") else json.dumps(value)
    return json.dumps(value)
