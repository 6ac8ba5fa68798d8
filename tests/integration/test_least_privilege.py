"""Least privilege, measured both ways: each action of the function's rendered policy is taken out in turn, and
a scenario of the local stack (moto enforcing IAM, the function on its role's credentials) must then fail; the
table of which scenario needs which action is README.md's."""

from __future__ import annotations

import json
import re
import time
import urllib.request
import uuid
from collections.abc import Callable

import pytest
from pipeline_dev import samples
from pipeline_dev.local.stack import LocalStack, StackSettings

from tests.conftest import REPO_ROOT
from tests.integration.test_local_stack import executions_for

pytestmark = pytest.mark.slow

VARIANTS = {
    "thumbnail": {"width": 200, "height": 200, "key": "{key}"},
    # A focal crop with no focal point in the upload's metadata reads the original's tags.
    "square": {"width": 100, "height": 100, "fit": "cover", "gravity": "focal", "key": "square/{key}"},
}
PHOTO = samples.encode(samples.photo(600, 400), "JPEG", quality=85)


def _variants_of(stack: LocalStack, key: str) -> set[str]:
    listed = stack.client("s3").list_objects_v2(Bucket=stack.settings.resized_bucket)
    return {o["Key"] for o in listed.get("Contents", []) if o["Key"] in (key, f"square/{key}")}


def upload(stack: LocalStack, key: str) -> None:
    stack.client("s3").put_object(Bucket=stack.settings.originals_bucket, Key=key, Body=PHOTO)
    (execution,) = executions_for(stack, key)
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    assert _variants_of(stack, key) == {key, f"square/{key}"}


def logs(stack: LocalStack, key: str) -> None:
    group = stack.rendered.function.log_group
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        events = stack.client("logs").filter_log_events(logGroupName=group)["events"]
        if any(key in event["message"] for event in events):
            return
        time.sleep(0.2)
    raise AssertionError(f"no log line names {key}")


def start_through_the_api(stack: LocalStack, key: str) -> None:
    body = json.dumps({"bucket": stack.settings.originals_bucket, "key": key}).encode()
    request = urllib.request.Request(stack.api_url, body, {"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=30):
        pass
    execution = executions_for(stack, key, count=2)[-1]
    assert execution["status"] == "SUCCEEDED", execution.get("cause")


def redelivery(stack: LocalStack, key: str) -> None:
    """The event's input again: answered from the variants' HEADs, nothing rendered or written."""
    first = executions_for(stack, key, count=2)[0]
    sfn = stack.client("stepfunctions")
    sfn.start_execution(stateMachineArn=stack.state_machine_arn, name=f"again-{uuid.uuid4()}", input=first["input"])
    execution = executions_for(stack, key, count=3)[-1]
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    outputs = json.loads(execution["output"])["outputs"]
    assert outputs and all(o["skipped"] for o in outputs), outputs


def delete(stack: LocalStack, key: str) -> None:
    stack.client("s3").delete_object(Bucket=stack.settings.originals_bucket, Key=key)
    sfn = stack.client("stepfunctions")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        runs = sfn.list_executions(stateMachineArn=stack.cleanup_state_machine_arn)["executions"]
        described = [sfn.describe_execution(executionArn=r["executionArn"]) for r in runs]
        mine = [d for d in described if key in d["input"] and d["status"] != "RUNNING"]
        if mine:
            assert mine[0]["status"] == "SUCCEEDED", mine[0].get("cause")
            assert _variants_of(stack, key) == set()
            return
        time.sleep(0.2)
    raise AssertionError(f"no cleanup execution for {key}")


SCENARIOS: dict[str, Callable[[LocalStack, str], None]] = {
    "an upload is resized": upload,
    "its log lines reach CloudWatch": logs,
    "POST /start resizes it again": start_through_the_api,
    "a redelivered event is answered from HEADs": redelivery,
    "deleting the original deletes its variants": delete,
}


def first_failing(stack: LocalStack, key: str) -> str | None:
    for name, scenario in SCENARIOS.items():
        try:
            scenario(stack, key)
        except AssertionError:
            return name
    return None


def actions_of(statement: dict) -> list[str]:
    return statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]


def without(document: str, sid: str, action: str) -> str:
    """The policy with one action taken out of one statement (a statement left empty goes too)."""
    policy = json.loads(document)
    statements = []
    for statement in policy["Statement"]:
        kept = [a for a in actions_of(statement) if not (statement.get("Sid") == sid and a == action)]
        if kept:
            statements.append({**statement, "Action": kept})
    return json.dumps({**policy, "Statement": statements})


def readme_table() -> dict[tuple[str, str], str]:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("| statement | action | the scenario that fails without it |") :]
    rows = re.findall(r"^\| (\w+) \| `([a-z0-9]+:\w+)` \| (.+?) \|$", section, re.MULTILINE)
    return {(sid, action): scenario for sid, action, scenario in rows}


def test_every_action_of_the_functions_policy_is_needed_by_a_scenario():
    settings = StackSettings(name="least", variants=VARIANTS, delete_variants_on_source_delete=True, max_workers=2)
    with LocalStack(settings) as stack:
        role = stack.rendered.roles[stack.rendered.function.role_arn]
        (document,) = role.policies.values()
        pairs = [(s["Sid"], a) for s in json.loads(document)["Statement"] for a in actions_of(s)]
        assert first_failing(stack, "all.jpg") is None  # with the whole policy, every scenario passes
        needed_by = {}
        for index, (sid, action) in enumerate(pairs):
            stack.put_function_policy(without(document, sid, action))
            try:
                needed_by[(sid, action)] = first_failing(stack, f"without-{index}.jpg")
            finally:
                stack.put_function_policy(document)
        # The refusals this test caused on purpose (the Lambda service writing logs without the permission).
        stack.service_roles.calls.clear()
    print("\n".join(f"| {sid} | `{action}` | {scenario} |" for (sid, action), scenario in needed_by.items()))
    assert needed_by == readme_table()
    assert None not in needed_by.values(), [a for a, s in needed_by.items() if s is None]
