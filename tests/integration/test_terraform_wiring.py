"""The local stack runs what Terraform renders, under the policies Terraform renders: a change to a copy of the
repository's Terraform or templates shows on the local stack with no Python change, as it would on AWS."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from pipeline_dev import samples
from pipeline_dev.local.rendered import RenderError
from pipeline_dev.local.stack import LocalStack, ServiceRoleError, StackSettings

from tests.conftest import REPO_ROOT
from tests.integration.test_local_stack import executions_for

pytestmark = pytest.mark.slow

PHOTO = samples.encode(samples.photo(600, 400), "JPEG", quality=85)


def repository_copy(tmp_path: Path) -> Path:
    """What Terraform reads of the repository: the root's .tf files, modules/ and state_machine/."""
    copy = tmp_path / "repository"
    copy.mkdir()
    for path in REPO_ROOT.glob("*.tf"):
        shutil.copy2(path, copy / path.name)
    for part in ("modules", "state_machine"):
        shutil.copytree(REPO_ROOT / part, copy / part)
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_template_directive_terraform_renders_reaches_the_local_stack(tmp_path):
    copy = repository_copy(tmp_path)
    edit(
        copy / "state_machine" / "image_processing.json",
        '"TimeoutSeconds": ${task_timeout_seconds},',
        '"TimeoutSeconds": %{ if true }${task_timeout_seconds}%{ endif },',
    )
    with LocalStack(StackSettings(name="directive", terraform_root=copy)) as stack:
        definition = json.loads(stack.rendered.state_machines["directive"].definition)
        assert definition["States"]["Resize"]["TimeoutSeconds"] == stack.rendered.function.timeout_seconds + 10
        stack.client("s3").put_object(Bucket=stack.settings.originals_bucket, Key="a.jpg", Body=PHOTO)
        (execution,) = executions_for(stack, "a.jpg")
        assert execution["status"] == "SUCCEEDED"


def test_without_put_object_in_the_functions_policy_an_upload_fails_named_and_writes_nothing(tmp_path):
    copy = repository_copy(tmp_path)
    compute = copy / "modules" / "compute" / "main.tf"
    text = compute.read_text(encoding="utf-8")
    statement = re.search(r'\n  statement \{\n    sid       = "WriteVariants"\n.*?\n  \}\n', text, re.DOTALL)
    assert statement is not None and '"s3:PutObject"' in statement.group(0)
    compute.write_text(text.replace(statement.group(0), "\n"), encoding="utf-8")

    with LocalStack(StackSettings(name="no-put", terraform_root=copy)) as stack:
        policy = json.dumps(list(stack.rendered.roles[stack.rendered.function.role_arn].policies.values()))
        assert "s3:PutObject" not in policy
        s3 = stack.client("s3")
        s3.put_object(Bucket=stack.settings.originals_bucket, Key="a.jpg", Body=PHOTO)
        (execution,) = executions_for(stack, "a.jpg")
        assert execution["status"] == "FAILED"
        assert execution["error"] == "ConfigurationError"  # permanent: not retried (the ASL's Retry names it not)
        assert "AccessDenied" in execution["cause"] and "s3://local-resized/a.jpg" in execution["cause"]
        assert s3.list_objects_v2(Bucket=stack.settings.resized_bucket).get("KeyCount") == 0


def test_a_service_role_without_its_action_is_refused_and_named(tmp_path):
    """EventBridge's role cannot start the workflow: the event goes to the dead-letter queue, no execution
    starts, and the stack names the role, the action and the state machine."""
    copy = repository_copy(tmp_path)
    edit(
        copy / "modules" / "orchestration" / "iam.tf",
        'actions   = ["states:StartExecution"]\n    resources = local.state_machine_arns',
        'actions   = ["states:DescribeExecution"]\n    resources = local.state_machine_arns',
    )
    stack = LocalStack(StackSettings(name="no-start", terraform_root=copy)).start()
    try:
        stack.client("s3").put_object(Bucket=stack.settings.originals_bucket, Key="a.jpg", Body=PHOTO)
        sqs = stack.client("sqs")
        messages = sqs.receive_message(QueueUrl=stack.dead_letter_queue_url, WaitTimeSeconds=5).get("Messages", [])
        assert messages and "AccessDenied" in messages[0]["Body"]
        sfn = stack.client("stepfunctions")
        assert sfn.list_executions(stateMachineArn=stack.state_machine_arn)["executions"] == []
    except BaseException:
        stack.stop()
        raise
    with pytest.raises(ServiceRoleError) as refused:
        stack.__exit__(None, None, None)
    (violation,) = refused.value.violations
    machine = "arn:aws:states:us-east-1:123456789012:stateMachine:no-start"
    assert violation.startswith(f"no-start-events: states:StartExecution on {machine} ")


def test_a_configuration_terraform_refuses_stops_the_stack_with_terraforms_message(tmp_path):
    with pytest.raises(RenderError, match="gravty"):
        LocalStack(StackSettings(name="refused", variants={"thumb": {"width": 100, "gravty": "north"}})).start()


def test_a_workflow_moto_cannot_parse_is_left_out_and_the_rest_runs(capfd):
    """moto's ASL parser refuses the Distributed Map backfill (EXPRESS children): the stack says so and runs."""
    with LocalStack(StackSettings(name="with-backfill", variables={"enable_backfill": True})) as stack:
        assert "with-backfill-backfill" in stack.rendered.state_machines
        stack.client("s3").put_object(Bucket=stack.settings.originals_bucket, Key="a.jpg", Body=PHOTO)
        (execution,) = executions_for(stack, "a.jpg")
        assert execution["status"] == "SUCCEEDED"
    assert "moto cannot run with-backfill-backfill" in capfd.readouterr().err
