"""The hashicorp/aws provider's typed schema (provider, resources, data sources), rebuilt offline from the
``cdktf-cdktf-provider-aws`` wheel, which cdktf generated from the provider's own ``terraform providers schema``.

Two parts of the wheel carry it, and each says what the other does not:

- the compiled JavaScript (``lib/<type>/index.js``): every configurable argument's Terraform name, whether it is a
  nested block, its kind (``simple``, ``list``, ``set``, ``map``, ``struct``) and element type
  (``storageClassType``); whether a list block holds at most one element (its value is not run through
  ``listMapperHcl``); and every computed attribute as a getter (``getStringAttribute('arn')``,
  ``new XList(this, "name", false)``), with ``// name - computed: .., optional: .., required: ..`` beside the
  computed and the nested-block getters;
- the jsii assembly (``.jsii``): which arguments are required (``optional`` is absent).

What neither carries: whether a plain optional argument is also computed (only ``id``, ``region``, ``tags_all`` and
the getters commented ``computed: true, optional: true`` are marked so), and whether a computed-only collection is a
list or a set (served as a list). The result is cached as JSON under ``.cache/`` (not committed).

    python -m pipeline_dev.provider_schema   # download the wheel if needed, build and cache the schema
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline_dev.paths import REPO_ROOT

CDKTF_PACKAGE = "cdktf-cdktf-provider-aws"
CDKTF_VERSION = "21.22.1"
PROVIDER_VERSION = "6.25.0"  # the hashicorp/aws release that package was generated from
SCHEMA_FORMAT = 3  # bump when the JSON's shape changes, so an old cache is rebuilt
CACHE = REPO_ROOT / ".cache" / "provider-schema"
SCHEMA_FILE = CACHE / f"aws-{PROVIDER_VERSION}-typed-v{SCHEMA_FORMAT}.json"

# Optional arguments the real provider also computes, on every type that has them (SDKv2's id, the provider's
# per-resource region since 6.0, tags_all from default_tags).
ALWAYS_COMPUTED = frozenset({"id", "region", "tags_all"})

# A cty type as Terraform writes it in JSON: "string", ["list", "string"], ["object", {...}], "dynamic".
CtyType = str | list[Any]

_PRIMITIVES = {"string": "string", "number": "number", "boolean": "bool", "any": "dynamic"}
_GETTERS: dict[str, CtyType] = {
    "getStringAttribute": "string",
    "getNumberAttribute": "number",
    "getBooleanAttribute": "bool",
    "getListAttribute": ["list", "string"],
    "getNumberListAttribute": ["list", "number"],
    "getStringMapAttribute": ["map", "string"],
    "getNumberMapAttribute": ["map", "number"],
    "getBooleanMapAttribute": ["map", "bool"],
    "getAnyMapAttribute": ["map", "dynamic"],
    "interpolationForAttribute": "dynamic",
}
_CDKTF_CLASSES: dict[str, CtyType] = {
    "StringMap": ["map", "string"],
    "NumberMap": ["map", "number"],
    "BooleanMap": ["map", "bool"],
    "AnyMap": ["map", "dynamic"],
    "StringMapList": ["list", ["map", "string"]],
    "NumberMapList": ["list", ["map", "number"]],
    "BooleanMapList": ["list", ["map", "bool"]],
    "AnyMapList": ["list", ["map", "dynamic"]],
    "StringListList": ["list", ["list", "string"]],
    "NumberListList": ["list", ["list", "number"]],
}

_FUNCTION = re.compile(r"^function (\w+)ToHclTerraform\(struct\) \{")
_CLASS = re.compile(r"^class (\w+) extends cdktf\.(\w+) \{")
_RESOURCE_TYPE = re.compile(r'^(\w+)\.tfResourceType = "(\w+)";')
_GETTER = re.compile(r"^    get (\w+)\(\) \{$")
_RETURN_CALL = re.compile(r"return this\.(\w+)\('(\w+)'\);")
_RETURN_FIELD = re.compile(r"return this\._(\w+);")
_FIELD = re.compile(r'this\._(\w+) = new ([\w.]+)\(this, "(\w+)"')
_COMMENT = re.compile(r"// (\w+) - computed: (true|false), optional: (true|false), required: (true|false)")
_CAMEL = re.compile(r"\((?:struct|this)\.(?:_)?(\w+)")


def _struct_name(function: str) -> str:
    return function[0].upper() + function[1:]


class _Context:
    """What one JavaScript function or class says about one struct: its configurable entries and its getters."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self.getters: dict[str, CtyType | tuple[str, str]] = {}  # tf name -> type, or ("class", JS class name)
        self.flags: dict[str, tuple[bool, bool, bool]] = {}  # tf name -> (computed, optional, required)


def _scan(text: str) -> tuple[dict[str, _Context], dict[str, tuple[str, str]]]:  # noqa: PLR0912 (one branch per kind of line)
    """The contexts of one index.js keyed by struct name (``LambdaFunctionEnvironment``; the resource's own class
    under its class name), and its Terraform types: class name -> (type, cdktf base class)."""
    contexts: dict[str, _Context] = {}
    bases: dict[str, str] = {}
    types: dict[str, tuple[str, str]] = {}
    current: _Context | None = None
    fields: dict[str, tuple[str, str]] = {}  # camel -> (class, tf name), per class
    pending_getter: str | None = None
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if match := _FUNCTION.match(line):
            current = contexts.setdefault(_struct_name(match.group(1)), _Context())
            continue
        if match := _CLASS.match(line):
            name, base = match.groups()
            bases[name] = base
            key = name.removesuffix("OutputReference") if base == "ComplexObject" else name
            current = contexts.setdefault(key, _Context())
            fields = {}
            continue
        if match := _RESOURCE_TYPE.match(line):
            types[match.group(1)] = (match.group(2), bases.get(match.group(1), ""))
            continue
        if current is None:
            continue
        stripped = line.strip()
        if stripped.startswith("isBlock:"):
            name = lines[index - 2].strip().split(":")[0]
            value = lines[index - 1].strip()
            camel = _CAMEL.findall(value)
            current.entries.append(
                {
                    "name": name,
                    "camel": camel[-1] if camel else name,
                    "block": stripped.endswith("true,"),
                    "kind": lines[index + 1].split('"')[1],
                    "storage": lines[index + 2].split('"')[1],
                    "many": "listMapperHcl(" in value or "hashMapperHcl(" in value,
                    "function": (re.findall(r"(\w+)ToHclTerraform", value) or [""])[-1],
                }
            )
            continue
        if match := _FIELD.search(line):
            fields[match.group(1)] = (match.group(2), match.group(3))
            continue
        if match := _COMMENT.search(line):
            computed, optional, required = (flag == "true" for flag in match.groups()[1:])
            current.flags[match.group(1)] = (computed, optional, required)
            continue
        if match := _GETTER.match(line):
            pending_getter = match.group(1)
            continue
        if pending_getter is not None:
            if match := _RETURN_CALL.search(line):
                method, tf_name = match.groups()
                if method in _GETTERS:
                    current.getters[tf_name] = _GETTERS[method]
            elif (match := _RETURN_FIELD.search(line)) and match.group(1) in fields:
                class_name, tf_name = fields[match.group(1)]
                current.getters[tf_name] = ("class", class_name)
            pending_getter = None
    return contexts, types


def _config_type(kind: str, storage: str) -> CtyType:
    if kind == "simple":
        return _PRIMITIVES[storage]
    outer = {"list": "list", "set": "set", "map": "map"}[kind]
    inner = storage.removesuffix("List") if storage.endswith("List") else storage.removesuffix("Map")
    if inner in _PRIMITIVES:
        return [outer, _PRIMITIVES[inner]]
    return [outer, _config_type("list" if inner.endswith("List") else "map", inner)]


class _Builder:
    def __init__(self, contexts: dict[str, _Context], required: dict[str, set[str]]) -> None:
        self.contexts = contexts
        self.required = required  # struct name -> camel names jsii marks required

    def computed_type(self, found: CtyType | tuple[str, str], depth: int = 0) -> CtyType:
        if not isinstance(found, tuple):
            return found
        class_name = found[1]
        short = class_name.removeprefix("cdktf.")
        if short in _CDKTF_CLASSES:
            return _CDKTF_CLASSES[short]
        for suffix, wrap in (("OutputReference", None), ("List", "list"), ("Map", "map")):
            if short.endswith(suffix):
                struct = short.removesuffix(suffix)
                attributes = {}
                context = self.contexts.get(struct)
                if context is not None and depth < 8:
                    for name, inner in sorted(context.getters.items()):
                        attributes[name] = self.computed_type(inner, depth + 1)
                        if attributes[name] == ["object", {}]:
                            attributes[name] = "dynamic"
                obj: CtyType = ["object", attributes]
                return obj if wrap is None else [wrap, obj]
        return "dynamic"

    def block(self, struct: str, depth: int = 0, in_set: bool = False) -> dict[str, Any]:
        context = self.contexts.get(struct, _Context())
        required = self.required.get(struct, set())
        attributes: dict[str, dict[str, Any]] = {}
        blocks: dict[str, dict[str, Any]] = {}
        for entry in context.entries:
            name = entry["name"]
            is_required = entry["camel"] in required
            if entry["block"]:
                kind = entry["kind"]
                nesting = "single" if kind == "struct" else kind
                struct_name = _struct_name(entry["function"])
                nested = (
                    self.block(struct_name, depth + 1, in_set or nesting == "set") if depth < 12 else _empty_block()
                )
                blocks[name] = {
                    "nesting": nesting,
                    "min_items": 1 if is_required and nesting in {"list", "set"} else 0,
                    "max_items": 0 if entry["many"] or nesting in {"single", "map"} else 1,
                    "block": nested,
                }
                continue
            computed_flag = context.flags.get(name, (False, False, False))[0]
            cty_type = _config_type(entry["kind"], entry["storage"])
            if in_set and cty_type == "dynamic":
                # cdktf collapses a recursive block (wafv2's rule.statement) to "any", which Terraform refuses
                # inside a set; it is served as a JSON string there.
                cty_type = "string"
            attributes[name] = {
                "type": cty_type,
                "required": is_required,
                "optional": not is_required,
                "computed": (not is_required) and (name in ALWAYS_COMPUTED or computed_flag),
            }
        for name, found in sorted(context.getters.items()):
            if name in attributes or name in blocks:
                continue
            computed, optional, _ = context.flags.get(name, (True, False, False))
            if not computed or optional:
                continue  # a nested block's own getter, or one cdktf exposes for configuration
            attributes[name] = {
                "type": self.computed_type(found),
                "required": False,
                "optional": False,
                "computed": True,
            }
        return {"attributes": attributes, "blocks": blocks}


def _empty_block() -> dict[str, Any]:
    return {"attributes": {}, "blocks": {}}


def _required_by_struct(assembly: dict[str, Any]) -> dict[str, set[str]]:
    required: dict[str, set[str]] = {}
    for fqn, spec in assembly["types"].items():
        if spec.get("datatype"):
            names = {p["name"] for p in spec.get("properties", []) if not p.get("optional", False)}
            required[fqn.rsplit(".", 1)[-1]] = names
    return required


def _javascript(wheel: Path) -> Iterator[str]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".jsii.tgz"))
        with tarfile.open(fileobj=io.BytesIO(archive.read(name))) as bundle:
            for member in bundle:
                if member.name.startswith("package/lib/") and member.name.endswith("/index.js"):
                    extracted = bundle.extractfile(member)
                    if extracted is not None:
                        yield extracted.read().decode("utf-8")


def build(wheel: Path) -> dict[str, Any]:
    required = _required_by_struct(load_assembly(wheel))
    schema: dict[str, Any] = {
        "format": SCHEMA_FORMAT,
        "provider_version": PROVIDER_VERSION,
        "provider": _empty_block(),
        "resources": {},
        "data_sources": {},
    }
    for text in _javascript(wheel):
        contexts, types = _scan(text)
        builder = _Builder(contexts, required)
        for class_name, (terraform_type, base) in types.items():
            context = contexts.get(class_name, _Context())
            # The resource's own class holds its getters and synthesizeHclAttributes; jsii's struct is <Class>Config.
            contexts[f"{class_name}Config"] = context
            block = builder.block(f"{class_name}Config")
            if base == "TerraformProvider":
                block["attributes"].pop("alias", None)  # cdktf's meta-argument, not the provider's schema
                schema["provider"] = block
            elif base == "TerraformDataSource":
                schema["data_sources"][terraform_type] = block
            else:
                schema["resources"][terraform_type] = block
    return schema


def pinned_wheel(package: str, version: str, cache: Path) -> Path:
    """The pinned wheel of ``package`` in ``cache``, downloaded from the package index the first time."""
    pattern = f"{package.replace('-', '_')}-{version}-*.whl"
    wheels = sorted(cache.glob(pattern))
    if not wheels:
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(cache)]
        subprocess.run([*command, f"{package}=={version}"], check=True)
        wheels = sorted(cache.glob(pattern))
    return wheels[0]


def cdktf_wheel() -> Path:
    return pinned_wheel(CDKTF_PACKAGE, CDKTF_VERSION, CACHE)


def load_assembly(wheel: Path) -> dict[str, Any]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".jsii.tgz"))
        with tarfile.open(fileobj=io.BytesIO(archive.read(name))) as bundle:
            member = bundle.extractfile("package/.jsii")
            assert member is not None
            return json.load(member)  # type: ignore[no-any-return]


def ensure_schema() -> dict[str, Any]:
    if SCHEMA_FILE.exists():
        return json.loads(SCHEMA_FILE.read_text())  # type: ignore[no-any-return]
    CACHE.mkdir(parents=True, exist_ok=True)
    schema = build(cdktf_wheel())
    SCHEMA_FILE.write_text(json.dumps(schema, sort_keys=True))
    return schema


def cached_schema() -> dict[str, Any] | None:
    return json.loads(SCHEMA_FILE.read_text()) if SCHEMA_FILE.exists() else None


if __name__ == "__main__":
    built = ensure_schema()
    print(
        f"{SCHEMA_FILE}: hashicorp/aws {built['provider_version']}, "
        f"{len(built['resources'])} resources, {len(built['data_sources'])} data sources"
    )
