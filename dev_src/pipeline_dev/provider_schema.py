"""The hashicorp/aws provider's resource and data-source schemas, rebuilt offline from the jsii assembly that
the ``cdktf-cdktf-provider-aws`` package ships (generated from the provider's own schema).

Each resource class's docs link to its Terraform type; each property of its ``<Class>Config`` struct carries
the Terraform argument name (the registry link's anchor), whether it is optional, and, for nested blocks, the
struct of the block. The result is cached as JSON under ``.cache/`` (not committed).

    python -m pipeline_dev.provider_schema   # download the package if needed, build and cache the schema
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

from pipeline_dev.templates import REPO_ROOT

CDKTF_PACKAGE = "cdktf-cdktf-provider-aws"
CDKTF_VERSION = "21.22.1"
PROVIDER_VERSION = "6.25.0"  # the hashicorp/aws release that package was generated from
CACHE = REPO_ROOT / ".cache" / "provider-schema"
SCHEMA_FILE = CACHE / f"aws-{PROVIDER_VERSION}.json"

_REPRESENTS = re.compile(
    r"Represents a \{@link https://registry\.terraform\.io/providers/hashicorp/aws/([\d.]+)/docs/"
    r"(resources|data-sources)/(\w+) (aws_\w+)\}"
)
_ANCHOR = re.compile(r"/docs/(?:resources|data-sources)/\w+#(\w+) ")
_PREFIX = "@cdktf/provider-aws."


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _argument_name(prop: dict[str, Any]) -> str:
    docs = prop.get("docs", {})
    match = _ANCHOR.search(docs.get("summary", "") + " " + docs.get("remarks", ""))
    return match.group(1) if match else _snake(prop["name"])


def _struct_of(type_ref: dict[str, Any], types: dict[str, Any]) -> tuple[str | None, bool]:
    """(fqn of the block struct, whether it is a list of blocks) when the property is a nested block."""
    if "fqn" in type_ref:
        fqn = type_ref["fqn"]
        if fqn.startswith(_PREFIX) and types.get(fqn, {}).get("datatype"):
            return fqn, False
        return None, False
    if "collection" in type_ref:
        inner, _ = _struct_of(type_ref["collection"]["elementtype"], types)
        return inner, True
    if "union" in type_ref:
        for option in type_ref["union"]["types"]:
            inner, many = _struct_of(option, types)
            if inner:
                return inner, many
    return None, False


def _block(fqn: str, types: dict[str, Any], seen: tuple[str, ...] = ()) -> dict[str, Any]:
    attributes: dict[str, dict[str, bool]] = {}
    blocks: dict[str, dict[str, Any]] = {}
    for prop in types[fqn].get("properties", []):
        name = _argument_name(prop)
        required = not prop.get("optional", False)
        struct, many = _struct_of(prop["type"], types)
        if struct and struct not in seen:
            blocks[name] = {"required": required, "list": many, "block": _block(struct, types, (*seen, fqn))}
        else:
            attributes[name] = {"required": required}
    return {"attributes": attributes, "blocks": blocks}


def build(assembly: dict[str, Any]) -> dict[str, Any]:
    types = assembly["types"]
    schema: dict[str, Any] = {"provider_version": None, "resources": {}, "data_sources": {}}
    for fqn, spec in types.items():
        match = _REPRESENTS.search(spec.get("docs", {}).get("summary", ""))
        if not match or spec.get("kind") != "class" or f"{fqn}Config" not in types:
            continue
        version, kind, _, terraform_type = match.groups()
        schema["provider_version"] = version
        target = "resources" if kind == "resources" else "data_sources"
        schema[target][terraform_type] = _block(f"{fqn}Config", types)
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


def _wheel(cache: Path) -> Path:
    return pinned_wheel(CDKTF_PACKAGE, CDKTF_VERSION, cache)


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
    schema = build(load_assembly(_wheel(CACHE)))
    if schema["provider_version"] != PROVIDER_VERSION:
        raise RuntimeError(f"expected provider {PROVIDER_VERSION}, the assembly says {schema['provider_version']}")
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
