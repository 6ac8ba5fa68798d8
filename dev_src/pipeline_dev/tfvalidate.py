"""``terraform validate`` without the provider download: every resource and data source checked against the
real hashicorp/aws schema (see provider_schema), and every reference against what the module declares.

    python scripts/validate_terraform.py   # the repository's root module and modules/*; exit 1 on problems

Reported: unknown resource/data types; unknown arguments or nested blocks at any depth (inside ``dynamic``
blocks too); missing required arguments or blocks; ``var.``, ``local.``, ``module.M.O``, ``aws_T.N`` and
``data.aws_T.N`` references to nothing declared; module calls passing undeclared arguments or omitting a
variable without default.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

RESOURCE_META = {"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"}
DATA_META = {"count", "for_each", "depends_on", "provider", "lifecycle"}
MODULE_META = {"source", "version", "count", "for_each", "depends_on", "providers"}

_VAR = re.compile(r"(?<![\w.])var\.([A-Za-z_][\w-]*)")
_LOCAL = re.compile(r"(?<![\w.])local\.([A-Za-z_][\w-]*)")
_MODULE = re.compile(r"(?<![\w.])module\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?\.([A-Za-z_][\w-]*)")
_DATA = re.compile(r"(?<![\w.])data\.(aws_\w+)\.([A-Za-z_][\w-]*)")
_RESOURCE = re.compile(r"(?<![\w.])(aws_\w+)\.([A-Za-z_][\w-]*)")


def _name(raw: str) -> str:
    return raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw


def _is_block_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) and v.get("__is_block__") for v in value)


@dataclass
class Module:
    directory: Path
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: set[str] = field(default_factory=set)
    locals: set[str] = field(default_factory=set)
    resources: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    data: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)
    everything: list[Any] = field(default_factory=list)

    @classmethod
    def load(cls, directory: Path) -> Module:
        module = cls(directory)
        for path in sorted(directory.glob("*.tf")):
            with path.open(encoding="utf-8") as handle:
                parsed = hcl2.load(handle)
            module.everything.append(parsed)
            for entry in parsed.get("variable", []):
                module.variables.update({_name(k): v for k, v in entry.items() if not k.startswith("__")})
            for entry in parsed.get("output", []):
                module.outputs.update(_name(k) for k in entry if not k.startswith("__"))
            for entry in parsed.get("locals", []):
                module.locals.update(k for k in entry if not k.startswith("__"))
            for entry in parsed.get("module", []):
                module.calls.update({_name(k): v for k, v in entry.items() if not k.startswith("__")})
            for kind, target in (("resource", module.resources), ("data", module.data)):
                for entry in parsed.get(kind, []):
                    for type_name, named in entry.items():
                        for name, body in named.items():
                            if not name.startswith("__"):
                                target[(_name(type_name), _name(name))] = body
        return module


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if not str(key).startswith("__"):
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _check_body(body: dict[str, Any], schema: dict[str, Any], where: str, meta: set[str]) -> list[str]:
    problems = []
    present = set()
    for raw_key, value in body.items():
        if raw_key.startswith("__"):
            continue
        key = _name(raw_key)
        present.add(key)
        if key in meta or key in schema["attributes"]:
            continue
        if key == "dynamic" and isinstance(value, list):
            labels, found = _check_dynamic(value, schema, where)
            present |= labels
            problems += found
        elif key in schema["blocks"] and _is_block_list(value):
            for instance in value:
                problems += _check_body(instance, schema["blocks"][key]["block"], f"{where}.{key}", set())
        elif key in schema["blocks"]:
            problems.append(f"{where}: {key!r} is a block, not an argument (write `{key} {{ ... }}`)")
        else:
            kind = "block" if _is_block_list(value) else "argument"
            problems.append(f"{where}: unknown {kind} {key!r}{_hint(key, schema)}")
    return problems + _missing(present, schema, where)


def _check_dynamic(dynamics: list[Any], schema: dict[str, Any], where: str) -> tuple[set[str], list[str]]:
    labels, problems = set(), []
    for dynamic in dynamics:
        for raw_label, spec in dynamic.items():
            if raw_label.startswith("__"):
                continue
            label = _name(raw_label)
            labels.add(label)
            nested = schema["blocks"].get(label)
            if nested is None:
                problems.append(f"{where}: dynamic block {label!r} is not a block of this type{_hint(label, schema)}")
                continue
            for content in spec.get("content", []):
                problems += _check_body(content, nested["block"], f"{where}.dynamic.{label}", set())
    return labels, problems


def _missing(present: set[str], schema: dict[str, Any], where: str) -> list[str]:
    problems = [
        f"{where}: missing required argument {name!r}"
        for name, spec in schema["attributes"].items()
        if spec["required"] and name not in present
    ]
    problems += [
        f"{where}: missing required block {name!r}"
        for name, spec in schema["blocks"].items()
        if spec["required"] and name not in present
    ]
    return problems


def _hint(key: str, schema: dict[str, Any]) -> str:
    close = difflib.get_close_matches(key, [*schema["attributes"], *schema["blocks"]], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def validate_module(directory: Path, schema: dict[str, Any], deprecations: dict[str, Any] | None = None) -> list[str]:
    module = Module.load(directory)
    label = directory.name
    problems = []
    for kind, blocks, catalogue, meta in (
        ("resource", module.resources, schema["resources"], RESOURCE_META),
        ("data", module.data, schema["data_sources"], DATA_META),
    ):
        for (type_name, name), body in blocks.items():
            where = f"{label}: {'data.' if kind == 'data' else ''}{type_name}.{name}"
            if type_name not in catalogue:
                problems.append(
                    f"{where}: {kind} type {type_name!r} does not exist in hashicorp/aws "
                    f"{schema['provider_version']}{_type_hint(type_name, catalogue)}"
                )
                continue
            problems += _check_body(body, catalogue[type_name], where, meta)
    problems += _check_references(module)
    problems += _check_calls(module)
    if deprecations is not None:
        problems += _check_deprecations(module, deprecations)
    return problems


_DATA_ATTRIBUTE = re.compile(r"(?<![\w.])data\.(aws_\w+)\.[A-Za-z_][\w-]*(?:\[[^\]]*\])?\.(\w+)")
_RESOURCE_ATTRIBUTE = re.compile(r"(?<![\w.])(aws_\w+)\.[A-Za-z_][\w-]*(?:\[[^\]]*\])?\.(\w+)")


def _check_deprecations(module: Module, deprecations: dict[str, Any]) -> list[str]:
    """Arguments set, and attributes read, that the provider deprecates (deprecations.py)."""
    label = module.directory.name
    problems: set[str] = set()
    for kind, blocks, catalogue in (
        ("resource", module.resources, deprecations["resources"]),
        ("data", module.data, deprecations["data_sources"]),
    ):
        for (type_name, name), body in blocks.items():
            for argument in body:
                message = catalogue.get(type_name, {}).get(argument)
                if message:
                    prefix = "data." if kind == "data" else ""
                    problems.add(f"{label}: {prefix}{type_name}.{name}: {argument!r} is deprecated: {message}")
    text = json.dumps(module.everything)
    for type_name, attribute in _DATA_ATTRIBUTE.findall(text):
        message = deprecations["data_sources"].get(type_name, {}).get(attribute)
        if message:
            problems.add(f"{label}: reads data.{type_name}.*.{attribute}, which is deprecated: {message}")
    for type_name, attribute in _RESOURCE_ATTRIBUTE.findall(text.replace("data.aws_", "data.-")):
        message = deprecations["resources"].get(type_name, {}).get(attribute)
        if message:
            problems.add(f"{label}: reads {type_name}.*.{attribute}, which is deprecated: {message}")
    return sorted(problems)


def _type_hint(type_name: str, catalogue: dict[str, Any]) -> str:
    close = difflib.get_close_matches(type_name, list(catalogue), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_references(module: Module) -> list[str]:
    label = module.directory.name
    called = {
        name: Module.load((module.directory / _name(call["source"])).resolve()) for name, call in module.calls.items()
    }
    problems = set()
    for text in _strings(module.everything):
        if "${" in text:
            problems |= {f"{label}: {problem}" for problem in _expression_problems(text, module, called)}
    return sorted(problems)


def _expression_problems(text: str, module: Module, called: dict[str, Module]) -> Iterator[str]:
    yield from (f"reference to undeclared variable var.{n}" for n in _VAR.findall(text) if n not in module.variables)
    yield from (f"reference to undeclared local.{n}" for n in _LOCAL.findall(text) if n not in module.locals)
    for name, output in _MODULE.findall(text):
        if name not in called:
            yield f"reference to undeclared module.{name}"
        elif output not in called[name].outputs:
            yield f"module.{name} has no output {output!r}"
    for type_name, name in _DATA.findall(text):
        if (type_name, name) not in module.data:
            yield f"reference to undeclared data.{type_name}.{name}"
    for type_name, name in _RESOURCE.findall(text.replace("data.aws_", "data.-")):
        if (type_name, name) not in module.resources:
            yield f"reference to undeclared resource {type_name}.{name}"


def _check_calls(module: Module) -> list[str]:
    problems = []
    for name, call in module.calls.items():
        source = _name(call.get("source", ""))
        target = (module.directory / source).resolve()
        if not target.is_dir():
            problems.append(f"{module.directory.name}: module.{name} source {source!r} is not a directory")
            continue
        callee = Module.load(target)
        passed = {_name(k) for k in call if not k.startswith("__")} - MODULE_META
        for argument in sorted(passed - set(callee.variables)):
            problems.append(
                f"{module.directory.name}: module.{name} passes {argument!r}, which {source} does not declare"
            )
        for variable, body in sorted(callee.variables.items()):
            if "default" not in body and variable not in passed:
                problems.append(f"{module.directory.name}: module.{name} omits required variable {variable!r}")
    return problems


def validate_tree(root: Path, schema: dict[str, Any], deprecations: dict[str, Any] | None = None) -> list[str]:
    """The root module, modules/* and examples/* (each example calls the root module as its users do)."""
    directories = [root] + [
        path
        for folder in ("modules", "examples")
        if (root / folder).is_dir()
        for path in sorted((root / folder).iterdir())
        if path.is_dir()
    ]
    return [problem for directory in directories for problem in validate_module(directory, schema, deprecations)]
