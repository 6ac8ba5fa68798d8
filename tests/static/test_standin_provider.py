"""The stand-in hashicorp/aws serves the schema faithfully, and Terraform core, not our code, refuses what is broken.

Faithful: for every resource and data source type this repository uses, what Terraform itself received
(`terraform providers schema -json`) has the argument names, kinds (attribute or block, at most one block),
primitive types and required/optional flags, and the computed-only attributes, that the wheel's jsii assembly
declares: a second reading of the wheel, independent of the JavaScript the stand-in's schema is built from."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pipeline_dev.provider_schema import cdktf_wheel, load_assembly
from pipeline_dev.terraform_workspace import Workspace, warnings

from tests.conftest import REPO_ROOT

_ANCHOR = re.compile(r"/docs/(resources|data-sources)/(\w+)#(\w+) ")
_REPRESENTS = re.compile(r"Represents a \{@link https://registry\.terraform\.io/providers/hashicorp/aws/[\d.]+/docs/")


def _used_types() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {"resource": set(), "data": set()}
    for path in [*REPO_ROOT.glob("*.tf"), *REPO_ROOT.glob("modules/*/*.tf"), *REPO_ROOT.glob("examples/*/*.tf")]:
        for kind, name in re.findall(r'^(resource|data) "(aws_\w+)"', path.read_text(), re.MULTILINE):
            used[kind].add(name)
    return used


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Terraform's own view of the provider's schema, through the stand-in."""
    workspace = Workspace.create(tmp_path_factory.mktemp("schema"))
    workspace.terraform(".", "init")
    shown = json.loads(workspace.terraform(".", "providers", "schema", "-json").stdout)
    return shown["provider_schemas"]["registry.terraform.io/hashicorp/aws"]


@pytest.fixture(scope="module")
def assembly():
    return load_assembly(cdktf_wheel())["types"]


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _jsii_kind(type_ref: dict, types: dict) -> tuple[str, str | None]:
    """('block-one'|'block-many'|'attribute', primitive) of a jsii property type."""
    if "union" in type_ref:
        options = [o for o in type_ref["union"]["types"] if o.get("fqn") != "cdktf.IResolvable"]
        return _jsii_kind(options[0], types) if options else ("attribute", None)
    if "fqn" in type_ref and types.get(type_ref["fqn"], {}).get("datatype"):
        return "block-one", None
    if "collection" in type_ref:
        inner = type_ref["collection"]["elementtype"]
        if "fqn" in inner and types.get(inner["fqn"], {}).get("datatype"):
            return "block-many", None
        if "union" in inner:
            options = [o for o in inner["union"]["types"] if o.get("fqn") != "cdktf.IResolvable"]
            if options and "fqn" in options[0] and types.get(options[0]["fqn"], {}).get("datatype"):
                return "block-many", None
        return "attribute", type_ref["collection"]["kind"]
    return "attribute", type_ref.get("primitive")


def _expected(fqn: str, types: dict) -> dict[str, tuple[str, bool, str | None]]:
    """Terraform name -> (kind, required, primitive) of every configurable argument of a jsii config struct."""
    found = {}
    for prop in types[fqn].get("properties", []):
        docs = prop.get("docs", {})
        match = _ANCHOR.search(docs.get("summary", "") + " " + docs.get("remarks", "") + " ")
        if not match:
            continue  # cdktf's own meta-arguments (count, provider, lifecycle, ...)
        kind, primitive = _jsii_kind(prop["type"], types)
        found[match.group(3)] = (kind, not prop.get("optional", False), primitive)
    return found


def _class_for(terraform_type: str, kind: str, types: dict) -> str:
    section = "resources" if kind == "resource" else "data-sources"
    for fqn, spec in types.items():
        summary = spec.get("docs", {}).get("summary", "")
        represents = spec.get("kind") == "class" and _REPRESENTS.search(summary)
        if represents and summary.endswith(f" {terraform_type}}}.") and f"/docs/{section}/" in summary:
            return fqn
    raise AssertionError(f"{terraform_type} not in the wheel")


_PRIMITIVES = {"string": "string", "number": "number", "boolean": "bool", "json": "dynamic", "any": "dynamic"}


@pytest.mark.parametrize(
    ("kind", "terraform_type"),
    sorted((kind, name) for kind, names in _used_types().items() for name in names),
)
def test_served_schema_matches_the_wheel(served, assembly, kind, terraform_type):
    block = served["resource_schemas" if kind == "resource" else "data_source_schemas"][terraform_type]["block"]
    attributes, blocks = block.get("attributes", {}), block.get("block_types", {})
    class_fqn = _class_for(terraform_type, kind, assembly)
    expected = _expected(f"{class_fqn}Config", assembly)
    configurable = {n for n, a in attributes.items() if a.get("optional") or a.get("required")} | set(blocks)
    assert configurable == set(expected), (terraform_type, configurable ^ set(expected))
    for name, (jsii_kind, required, primitive) in expected.items():
        if jsii_kind == "attribute":
            served_attribute = attributes[name]
            assert bool(served_attribute.get("required")) == required, (terraform_type, name)
            served_type = served_attribute["type"]
            if primitive in _PRIMITIVES:
                assert served_type == _PRIMITIVES[primitive], (terraform_type, name, served_type)
            elif primitive == "array":
                assert served_type[0] in {"list", "set"}, (terraform_type, name, served_type)
            elif primitive == "map":
                assert served_type[0] == "map", (terraform_type, name, served_type)
        else:
            nested = blocks[name]
            assert (nested.get("max_items") == 1 or nested["nesting_mode"] == "single") == (jsii_kind == "block-one"), (
                terraform_type,
                name,
                nested,
            )
            assert (nested.get("min_items", 0) >= 1) == required, (terraform_type, name)
    # Computed-only attributes: the class's getters that configure nothing.
    camel_config = {_snake(p["name"]) for p in assembly[f"{class_fqn}Config"].get("properties", [])}
    getters = {
        _snake(p["name"])
        for p in assembly[class_fqn].get("properties", [])
        if p.get("immutable") and not p.get("static") and not p["name"].endswith("Input")
    }
    computed_only = {
        n for n, a in attributes.items() if a.get("computed") and not (a.get("optional") or a.get("required"))
    }
    from_wheel = getters - camel_config - set(expected) - set(blocks)
    assert computed_only == from_wheel, (terraform_type, computed_only ^ from_wheel)


def test_deprecated_attributes_are_marked_so_terraform_warns(served):
    region = served["data_source_schemas"]["aws_region"]["block"]["attributes"]
    assert region["name"].get("deprecated") is True
    assert not region["region"].get("deprecated")


# --- broken copies: Terraform's own messages -------------------------------------------------------------------


@pytest.fixture
def workspace(tmp_path):
    created = Workspace.create(tmp_path)
    created.write_variables(".", {"originals_bucket_name": "broken-originals", "resized_bucket_name": "broken-resized"})
    return created


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def _plan(workspace: Workspace):
    workspace.terraform(".", "init")
    return workspace.terraform(".", "plan", check=False)


def test_a_misspelled_attribute_reference_fails_plan(workspace):
    _edit(
        workspace.root / "modules/compute/main.tf",
        "aws_cloudwatch_log_group.this.arn",
        "aws_cloudwatch_log_group.this.arnn",
    )
    completed = _plan(workspace)
    assert completed.returncode != 0
    assert "Unsupported attribute" in completed.stderr
    message = " ".join(completed.stderr.split())
    assert 'no argument, nested block, or exported attribute named "arnn". Did you mean "arn"?' in message


def test_a_number_given_to_a_list_argument_fails_plan(workspace):
    main = workspace.root / "modules/compute/main.tf"
    text = main.read_text()
    layers = re.search(r"^\s+layers\s+=.*$", text, re.MULTILINE).group(0)
    _edit(main, layers, "  layers = 5")
    completed = _plan(workspace)
    assert completed.returncode != 0
    assert "Incorrect attribute value type" in completed.stderr
    assert 'Inappropriate value for attribute "layers": list of string required' in " ".join(completed.stderr.split())


def test_for_each_over_a_computed_id_fails_plan(workspace):
    (workspace.root / "modules/compute/broken.tf").write_text(
        'resource "aws_cloudwatch_log_group" "per_role" {\n'
        "  for_each = toset([aws_iam_role.this.unique_id])\n"
        '  name     = "broken-${each.key}"\n'
        "}\n"
    )
    completed = _plan(workspace)
    assert completed.returncode != 0
    assert "Invalid for_each argument" in completed.stderr
    assert "cannot be determined until apply" in " ".join(completed.stderr.split())


def test_a_deprecated_attribute_is_a_warning_from_terraform(workspace):
    (workspace.root / "deprecated.tf").write_text(
        'data "aws_region" "deprecated" {}\n\noutput "deprecated_region" {\n'
        "  value = data.aws_region.deprecated.name\n}\n"
    )
    workspace.terraform(".", "init")
    completed = workspace.terraform(".", "validate")
    assert "Deprecated attribute" in warnings(completed), completed.stdout


def test_install_without_terraform_is_one_line_and_exit_2():
    import os
    import subprocess
    import sys

    completed = subprocess.run(
        [sys.executable, "-m", "pipeline_dev.standin_aws", "install"],
        env={**os.environ, "PATH": os.path.dirname(sys.executable)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines() == ["standin_aws: terraform is not on PATH (install Terraform >= 1.9)"]
