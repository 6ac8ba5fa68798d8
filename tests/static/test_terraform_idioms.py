"""Rules of the Terraform that no offline `validate` checks: provider-6 idioms, partitions, one name and one
validation per setting, and every role covering what its resource's configuration needs."""

from __future__ import annotations

import re

import pytest
from pipeline_dev.terraform import blocks, variables

from tests.conftest import REPO_ROOT

MODULE_DIRS = [REPO_ROOT, *sorted(p for p in (REPO_ROOT / "modules").iterdir() if p.is_dir())]
TF_FILES = sorted({*REPO_ROOT.glob("*.tf"), *REPO_ROOT.glob("modules/*/*.tf"), *REPO_ROOT.glob("examples/*/*.tf")})


def code_lines(path):
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.lstrip().startswith(("#", "//")):
            yield number, line


@pytest.mark.parametrize("path", TF_FILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_arns_follow_the_partition(path):
    # GovCloud (aws-us-gov) and China (aws-cn) have their own partitions: build ARNs from data.aws_partition.
    literal = [(n, line.strip()) for n, line in code_lines(path) if "arn:aws:" in line]
    assert not literal, literal


@pytest.mark.parametrize("path", TF_FILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_no_region_name_attribute(path):
    # hashicorp/aws 6 deprecates aws_region's `name` for `region`.
    assert not [(n, line.strip()) for n, line in code_lines(path) if re.search(r"data\.aws_region\.\w+\.name\b", line)]


@pytest.mark.parametrize("directory", MODULE_DIRS, ids=lambda p: p.name)
def test_provider_6_and_terraform_1_9(directory):
    text = (directory / "versions.tf").read_text()
    assert 'version = ">= 6.0, < 7.0"' in text
    assert 'required_version = ">= 1.9"' in text  # cross-variable validation


def _module_calls():
    for block in blocks(REPO_ROOT):
        if block.kind == "module":
            source = block.body["source"]
            yield block.labels[0], REPO_ROOT / source, block.body


def test_a_switch_has_one_name_from_root_to_modules():
    root = variables(REPO_ROOT)
    for name, directory, body in _module_calls():
        module_vars = variables(directory)
        for argument, value in body.items():
            passed = re.fullmatch(r"\$\{var\.(\w+)\}", str(value))
            if passed and root.get(passed.group(1), {}).get("type") == "${bool}":
                assert argument == passed.group(1), f"module.{name}.{argument} = var.{passed.group(1)}"
                assert argument in module_vars


def test_each_setting_is_validated_in_one_place():
    root = variables(REPO_ROOT)
    for name, directory, body in _module_calls():
        module_vars = variables(directory)
        for argument, value in body.items():
            passed = re.fullmatch(r"\$\{var\.(\w+)\}", str(value))
            if passed and argument in module_vars:
                both = "validation" in root.get(passed.group(1), {}) and "validation" in module_vars[argument]
                assert not both, f"var.{passed.group(1)} and module.{name}'s var.{argument} both validate"


def test_every_traced_workflow_role_may_write_traces():
    directory = REPO_ROOT / "modules" / "orchestration"
    found = blocks(directory)
    documents = {b.labels[1]: b.body for b in found if b.kind == "data" and b.labels[0] == "aws_iam_policy_document"}
    role_policies = {
        b.labels[1]: b.body for b in found if b.kind == "resource" and b.labels[0] == "aws_iam_role_policy"
    }
    machines = [b for b in found if b.kind == "resource" and b.labels[0] == "aws_sfn_state_machine"]
    assert len(machines) == 3
    for machine in machines:
        (tracing,) = machine.body["tracing_configuration"]
        assert tracing["enabled"] == "${var.enable_xray}"
        role = re.search(r"aws_iam_role\.(\w+)", machine.body["role_arn"]).group(1)
        (policy,) = [p for p in role_policies.values() if re.search(rf"aws_iam_role\.{role}\b", p["role"])]
        document = documents[re.search(r"aws_iam_policy_document\.(\w+)", policy["policy"]).group(1)]
        gated = [
            d["statement"]
            for d in document.get("dynamic", [])
            if d["statement"]["for_each"] == "${var.enable_xray ? [1] : []}"
        ]
        assert gated, f"{machine.labels[1]}: role {role} lacks the X-Ray statement its tracing needs"
        actions = gated[0]["content"][0]["actions"]
        assert actions == "${local.xray_actions}"
    xray = next(b for b in found if b.kind == "locals" and "xray_actions" in b.body).body["xray_actions"]
    assert {"xray:PutTraceSegments", "xray:PutTelemetryRecords"} <= set(xray)
