"""Terraform core itself plans and applies every documented configuration from an empty state, offline, with the
stand-in hashicorp/aws (pipeline_dev.standin_aws): init, validate, plan, apply, then a second plan that must find
nothing to change. Zero warnings anywhere: a deprecation is a failure."""

from __future__ import annotations

import json
import re

import pytest
from pipeline_dev.terraform_workspace import Workspace, resources, warnings

from tests.conftest import REPO_ROOT

ORIGINALS, RESIZED = "core-originals-0001", "core-resized-0001"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/0b1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d"

EVERY_FEATURE = {
    "region": "eu-west-1",
    "name": "image-resizer-all",
    "originals_bucket_name": ORIGINALS,
    "resized_bucket_name": RESIZED,
    "variants": {
        "thumbnail": {"width": 200, "height": 200, "key": "{key}"},
        "square": {
            "width": 256,
            "height": 256,
            "fit": "cover",
            "gravity": "attention",
            "format": "webp",
            "key": "square/{dir}{stem}.{ext}",
        },
        "motion": {"width": 480, "height": 480, "animation": "keep", "key": "motion/{dir}{stem}.{hash}.{ext}"},
        "negotiated": {"width": 1200, "height": 1200, "formats": ["avif", "webp", "jpeg"], "quality": "auto"},
    },
    "architecture": "arm64",
    "reserved_concurrency": 50,
    "workflow_type": "EXPRESS",
    "key_prefix": "uploads/",
    "key_suffixes": [".jpg", ".png"],
    "delete_variants_on_source_delete": True,
    "enable_cdn": True,
    "enable_events": True,
    "enable_backfill": True,
    "backfill_inventory_bucket": "example-originals-inventory",
    "enable_api": True,
    "api_authorization_type": "AWS_IAM",
    "enable_xray": True,
    "kms_key_arn": KEY_ARN,
    "alarm_email": "ops@example.com",
    "manifest_key": "manifests/{dir}{stem}.json",
    "tags": {"project": "image-resizer"},
}

CONFIGURATIONS = {
    "root-defaults": (".", {"originals_bucket_name": ORIGINALS, "resized_bucket_name": RESIZED}),
    "root-every-feature": (".", EVERY_FEATURE),
    "examples-minimal": ("examples/minimal", None),
    "examples-complete": ("examples/complete", None),
    # Inputs known only after apply: no count or for_each may hang on them.
    "caller-unknown-at-plan": ("tests/terraform/callers/unknown-at-plan", None),
}


@pytest.fixture(scope="module", params=sorted(CONFIGURATIONS))
def applied(request, tmp_path_factory):
    """(workspace, folder, [completed commands]) after init, validate, plan, apply and a second plan."""
    where, values = CONFIGURATIONS[request.param]
    workspace = Workspace.create(tmp_path_factory.mktemp(request.param))
    if values is not None:
        workspace.write_variables(where, values)
    steps = [
        workspace.terraform(where, "init"),
        workspace.terraform(where, "validate"),
        workspace.terraform(where, "plan", "-out=first.tfplan"),
        workspace.terraform(where, "apply", "first.tfplan"),
    ]
    steps.append(workspace.terraform(where, "plan", "-detailed-exitcode", check=False))
    return workspace, where, steps


def test_plans_and_applies_from_empty_state_with_no_warnings(applied):
    _, _, steps = applied
    init, validate, plan, apply, _ = steps
    assert "Terraform has been successfully initialized" in init.stdout
    assert "Success! The configuration is valid." in validate.stdout
    assert re.search(r"Plan: \d+ to add, 0 to change, 0 to destroy", plan.stdout), plan.stdout[-2000:]
    assert "Apply complete!" in apply.stdout
    for step in steps:
        assert warnings(step) == [], step.stdout + step.stderr


def test_a_second_plan_finds_nothing_to_change(applied):
    second = applied[2][-1]
    assert second.returncode == 0, second.stdout + second.stderr  # -detailed-exitcode: 2 would mean changes
    assert "No changes." in second.stdout


def test_commands_come_from_the_apply(applied):
    workspace, where, _ = applied
    names = json.loads(workspace.terraform(where, "output", "-json").stdout)
    if "commands" not in names:
        pytest.skip("this configuration does not output the commands")
    bash = workspace.output(where, "commands").splitlines()
    powershell = workspace.output(where, "commands_powershell").splitlines()
    (bucket,) = [
        r["values"]["bucket"]
        for r in resources(workspace.state(where))
        if r["type"] == "aws_s3_bucket" and r["index"] == "originals"
    ]
    assert bash[0] == f"aws s3 cp ./image.jpg s3://{bucket}/image.jpg"
    assert powershell[0] == f"aws s3 cp .\\image.jpg s3://{bucket}/image.jpg"
    state_machines = [r for r in resources(workspace.state(where)) if r["type"] == "aws_sfn_state_machine"]
    arns = {r["values"]["arn"] for r in state_machines}
    (listing,) = [line for line in bash if "list-executions" in line]
    assert listing.split("--state-machine-arn ")[1].split()[0] in arns
    curls = [line for line in bash if line.startswith("curl ")]
    for curl in curls:  # the JSON body is pasteable as it is, not {\"bucket\"...}
        body = json.loads(re.search(r"-d '([^']*)'", curl).group(1))
        assert body == {"bucket": bucket, "key": "image.jpg"}
    assert '\\"' not in "\n".join(bash + powershell)


def test_every_resource_is_in_the_state_with_arns_in_the_partition(applied):
    workspace, where, _ = applied
    everything = resources(workspace.state(where))
    assert len(everything) > 20
    region = next(r["values"]["region"] for r in everything if r["type"] == "aws_region")
    for resource in everything:
        arn = resource["values"].get("arn")
        if isinstance(arn, str):
            assert arn.startswith("arn:aws:"), (resource["address"], arn)
            service = arn.split(":")[2]
            if service not in {"s3", "iam", "cloudfront"} and ":cloudwatch::" not in arn:
                assert f":{region}:" in arn or service == "apigateway", (resource["address"], arn)


def test_terraform_test_passes(tmp_path):
    """tests/terraform/*.tftest.hcl: what a reviewer checks by eye, asserted by `terraform test` on the plan and
    the apply (least-privilege function policy, TLS-only buckets, the CDN's bucket access, the rendered workflow,
    the variants the function receives, validation rules that refuse what the function refuses)."""
    workspace = Workspace.create(tmp_path)
    workspace.terraform(".", "init", "-test-directory=tests/terraform")
    completed = workspace.terraform(".", "test", "-test-directory=tests/terraform", check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    passed = re.search(r"Success! (\d+) passed, 0 failed", completed.stdout)
    assert passed and int(passed.group(1)) >= 10, completed.stdout
    assert warnings(completed) == [], completed.stdout


def test_the_function_receives_the_variants_it_would_parse_from_the_input(applied):
    """What Terraform hands the function (VARIANTS, from the applied state) is the whole of the function's fields,
    and parses to the same settings as the variants the user wrote: Terraform's defaults are the function's."""
    from image_resizer.variants import _FIELDS, DEFAULT_VARIANTS, parse_variants

    workspace, where, _ = applied
    (function,) = [r for r in resources(workspace.state(where)) if r["type"] == "aws_lambda_function"]
    handed = json.loads(function["values"]["environment"][0]["variables"]["VARIANTS"])
    assert all(set(settings) == set(_FIELDS) for settings in handed.values())
    given = EVERY_FEATURE["variants"] if workspace.root.name.startswith("root-every") else None
    if given is not None:
        assert set(parse_variants(handed)) == set(parse_variants(given))
    elif where == ".":
        assert set(parse_variants(handed)) == set(parse_variants(DEFAULT_VARIANTS))


def test_the_deployed_workflow_is_the_template_with_the_arns_filled_in(applied):
    workspace, where, _ = applied
    everything = resources(workspace.state(where))
    (function,) = [r for r in everything if r["type"] == "aws_lambda_function"]
    (workflow,) = [r for r in everything if r["type"] == "aws_sfn_state_machine" and r["name"] == "this"]
    definition = json.loads(workflow["values"]["definition"])
    template = (REPO_ROOT / "state_machine/image_processing.json").read_text()
    assert set(definition["States"]) <= set(re.findall(r'^    "(\w+)": \{', template, re.MULTILINE))
    assert definition["StartAt"] == "ValidateInput"
    assert definition["States"]["Resize"]["Parameters"]["FunctionName"] == function["values"]["arn"]
    retry = json.loads((REPO_ROOT / "state_machine/transient_retry.json").read_text())
    assert definition["States"]["Resize"]["Retry"] == retry
    assert "${" not in workflow["values"]["definition"]
