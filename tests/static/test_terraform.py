"""Static checks of the Terraform: layout, documented and typed variables, least-privilege IAM that still
covers every S3 call the handler makes, defaults in sync with Python, formatting and generated docs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest
from image_resizer.variants import DEFAULT_VARIANTS
from pipeline_dev.terraform import Block, blocks, load_file, variables

from tests.conftest import REPO_ROOT

MODULES = ["storage", "compute", "orchestration", "api", "monitoring", "cdn"]
MODULE_DIRS = [REPO_ROOT / "modules" / m for m in MODULES]
ALL_DIRS = [REPO_ROOT, *MODULE_DIRS]
# APIs without resource-level permissions, where AWS documents Resource "*".
WILDCARD_RESOURCE_ACTIONS = {
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
}


@pytest.mark.parametrize("directory", MODULE_DIRS, ids=MODULES)
def test_module_layout(directory):
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
        assert (directory / name).is_file(), name
    versions = load_file(directory / "versions.tf")["terraform"][0]
    assert versions["required_version"] == ">= 1.9"
    assert versions["required_providers"][0]["aws"]["version"] == ">= 6.0, < 7.0"


@pytest.mark.parametrize("directory", ALL_DIRS, ids=["root", *MODULES])
def test_every_variable_has_a_description_and_a_type(directory):
    for name, body in variables(directory).items():
        assert body.get("description", "").strip(), f"{directory.name}: variable {name} has no description"
        assert "type" in body, f"{directory.name}: variable {name} has no type"


@pytest.mark.parametrize("directory", ALL_DIRS, ids=["root", *MODULES])
def test_every_module_takes_tags(directory):
    assert variables(directory)["tags"]["type"] in ("${map(string)}", "map(string)")


@pytest.mark.parametrize(
    ("variable", "allowed"),
    [
        ("runtime", ["python3.11", "python3.12", "python3.13"]),
        ("architecture", ["x86_64", "arm64"]),
        ("workflow_type", ["STANDARD", "EXPRESS"]),
        ("api_authorization_type", ["NONE", "AWS_IAM"]),
    ],
)
def test_constrained_root_variables_are_validated(variable, allowed):
    (validation,) = effective_validations(variable)
    for value in allowed:
        assert value in validation["condition"] and value in validation["error_message"]


def effective_validations(name: str) -> list:
    """The validation blocks that apply to root variable ``name``: its own, or those of the module variable it
    is passed to unchanged (each setting is validated in one place)."""
    own = variables(REPO_ROOT)[name].get("validation")
    if own:
        return own
    for block in blocks(REPO_ROOT):
        if block.kind == "module":
            for argument, value in block.body.items():
                if value == f"${{var.{name}}}":
                    found = variables(REPO_ROOT / block.body["source"])[argument].get("validation")
                    if found:
                        return found
    return []


def test_other_validations_exist():
    for name in ("originals_bucket_name", "resized_bucket_name", "memory_size", "variants", "log_retention_days"):
        assert effective_validations(name), name


def _module_locals(directory) -> dict:
    found = {}
    for block in blocks(directory):
        if block.kind == "locals":
            found.update(block.body)
    return found


def _resolve(value, module_locals):
    """A ``${local.name}`` list expression replaced by the local's value (other expressions stay)."""
    match = re.fullmatch(r"\$\{local\.(\w+)\}", value) if isinstance(value, str) else None
    return module_locals.get(match.group(1), value) if match else value


def _key_policy_documents(directory) -> set[str]:
    """Documents used as KMS key policies: resource policies, whose Resource "*" is the key itself."""
    return {
        match
        for block in blocks(directory)
        if block.kind == "resource" and block.labels[0] == "aws_kms_key"
        for match in re.findall(r"aws_iam_policy_document\.(\w+)", str(block.body.get("policy", "")))
    }


def _policy_statements() -> list[tuple[str, dict]]:
    """Statements of the identity and resource policies, not of key policies (see the key-policy test)."""
    found = []
    for directory in MODULE_DIRS:
        module_locals = _module_locals(directory)
        key_policies = _key_policy_documents(directory)
        for block in blocks(directory):
            if (
                block.kind == "data"
                and block.labels[0] == "aws_iam_policy_document"
                and block.labels[1] not in key_policies
            ):
                for statement in _statements(block):
                    resolved = {**statement, "actions": _resolve(statement.get("actions", []), module_locals)}
                    found.append((f"{directory.name}.{block.labels[1]}", resolved))
    return found


def _statements(block: Block) -> list[dict]:
    statements = list(block.body.get("statement", []))
    for dynamic in block.body.get("dynamic", []):
        for content in dynamic.get("statement", {}).get("content", []):
            statements.append(content)
    return statements


def test_iam_has_no_wildcard_actions_and_scoped_resources():
    statements = _policy_statements()
    assert len(statements) > 10
    for where, statement in statements:
        actions = statement.get("actions", [])
        assert actions and isinstance(actions, list), where
        for action in actions:
            assert "*" not in action or where.endswith("tls_only"), f"{where}: wildcard action {action}"
        if statement.get("effect") == "Deny":
            continue
        resources = statement.get("resources", [])
        for resource in [resources] if isinstance(resources, str) else resources:  # a list-valued expression
            if resource == "*":
                assert set(actions) <= WILDCARD_RESOURCE_ACTIONS, f"{where}: {actions} on '*'"
            else:  # built from our own variables, resources or locals, never a literal ARN or a service wildcard
                assert "${" in resource, f"{where}: resource {resource} is not one of our ARNs"
                assert not resource.endswith(":*:*"), f"{where}: resource {resource} is service-wide"


def test_key_policies_give_administration_only_to_the_account():
    for directory in MODULE_DIRS:
        for name in _key_policy_documents(directory):
            (document,) = [b for b in blocks(directory) if b.labels == ("aws_iam_policy_document", name)]
            for statement in _statements(document):
                principals = {i for p in statement["principals"] for i in p["identifiers"]}
                if "kms:*" in statement["actions"]:
                    assert all(p.endswith(":root") for p in principals), f"{directory.name}.{name}"
                else:
                    assert "condition" in statement, f"{directory.name}.{name}: a service grant without a condition"


def test_variant_deletion_is_granted_only_when_cascade_deletes_are_on():
    (policy,) = [
        b
        for b in blocks(REPO_ROOT / "modules" / "compute")
        if b.kind == "data" and b.labels == ("aws_iam_policy_document", "permissions")
    ]
    assert not any("s3:DeleteObject" in s.get("actions", []) for s in policy.body["statement"])
    gated = [
        d["statement"] for d in policy.body["dynamic"] if "s3:DeleteObject" in d["statement"]["content"][0]["actions"]
    ]
    assert [g["for_each"] for g in gated] == ["${var.delete_variants_on_source_delete ? [1] : []}"]
    root = variables(REPO_ROOT)["delete_variants_on_source_delete"]
    assert root["default"] is False


def test_terraform_variants_default_equals_python_default():
    default = variables(REPO_ROOT)["variants"]["default"]
    assert json.loads(json.dumps(default)) == DEFAULT_VARIANTS


def test_lambda_environment_matches_the_handler_settings():
    main = (REPO_ROOT / "main.tf").read_text()
    settings = (REPO_ROOT / "lambda_src" / "image_resizer" / "pipeline" / "settings.py").read_text()
    read = set(re.findall(r'"([A-Z][A-Z_]+)"', settings)) - {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE"}
    passed = set(re.findall(r"^\s+([A-Z_]+)\s+=", main, re.MULTILINE))
    assert read == passed


def test_terraform_fmt():
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform binary not on PATH: `terraform fmt -check` not run (install Terraform >= 1.5)")
    completed = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", "-diff", str(REPO_ROOT)], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stdout


def test_module_readmes_are_generated_from_the_tf_files():
    completed = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "terraform_docs.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
