"""The state machines as Terraform renders them (tests/rendered.py): they pass asl-validator, keep their
Retry/Catch lists in sync with the handler's error classes, and follow the configuration's variables."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from image_resizer import errors

from tests.conftest import REPO_ROOT
from tests.rendered import FUNCTION_ARN, event_pattern
from tests.rendered import definition as rendered_definition

STATE_MACHINE = REPO_ROOT / "state_machine"
VALIDATOR = REPO_ROOT / "tools" / "asl-validator" / "node_modules" / ".bin" / "asl-validator"
LAMBDA_TRANSIENT = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "Lambda.ClientExecutionTimeoutException",
}


def asl_validator(tmp_path, definition) -> subprocess.CompletedProcess:
    if not VALIDATOR.exists():
        reason = "Node.js/npm not found" if shutil.which("npm") is None else "run `make test` (npm ci) first"
        pytest.skip(f"asl-validator not installed: {reason}")
    path = tmp_path / "definition.json"
    path.write_text(json.dumps(definition))
    return subprocess.run([str(VALIDATOR), "--json-path", str(path)], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def definition():
    return rendered_definition()


def test_terraform_renders_the_function_and_the_task_timeout(definition):
    task = definition["States"]["Resize"]
    assert task["Parameters"]["FunctionName"] == FUNCTION_ARN
    assert task["TimeoutSeconds"] == 70
    assert "${" not in json.dumps(definition)


def test_asl_validator_accepts_the_rendered_definition(tmp_path, definition):
    completed = asl_validator(tmp_path, definition)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_asl_validator_can_fail(tmp_path, definition):
    broken = json.loads(json.dumps(definition))
    broken["States"]["Resize"]["Next"] = "NoSuchState"
    assert asl_validator(tmp_path, broken).returncode != 0


def test_retry_only_transient_faults(definition):
    retried = {name for rule in definition["States"]["Resize"]["Retry"] for name in rule["ErrorEquals"]}
    assert retried == LAMBDA_TRANSIENT | {cls.__name__ for cls in errors.RETRYABLE_ERRORS}
    assert not retried & {cls.__name__ for cls in errors.PERMANENT_ERRORS}
    assert "States.ALL" not in retried and "States.Timeout" not in retried


def test_every_error_class_is_known_to_the_asl():
    """A new error class must be classified: transient (retried) or permanent (caught into Fail)."""
    declared = {cls.__name__ for cls in errors.ImageResizerError.__subclasses__()} - {"PermanentError"}
    declared |= {cls.__name__ for cls in errors.PermanentError.__subclasses__()}
    assert declared == {c.__name__ for c in errors.PERMANENT_ERRORS} | {c.__name__ for c in errors.RETRYABLE_ERRORS}


def reachable(states, start):
    """Every state reachable from ``start`` (through Next, Choices and Default)."""
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        state = states[name]
        todo += [state[k] for k in ("Next", "Default") if k in state]
        todo += [choice["Next"] for choice in state.get("Choices", [])]
    return seen


def assert_failures_end_typed_with_the_message(states, task):
    catches = states[task]["Catch"]
    assert catches[-1]["ErrorEquals"] == ["States.ALL"]
    assert all(c["ResultPath"] == "$.error" for c in catches)
    for catch in catches:
        # Choice, Pass and the event-publishing Tasks pass on; where a path ends is a Fail state.
        ends = [
            states[n] for n in reachable(states, catch["Next"]) if states[n]["Type"] not in ("Choice", "Pass", "Task")
        ]
        assert ends and all(e["Type"] == "Fail" and (e.get("Error") or e.get("ErrorPath")) for e in ends)
    ends = reachable(states, catches[-1]["Next"])
    # The function's errors end with the error type and only its message (not Lambda's error JSON) ...
    assert {"ErrorPath": "$.failure.Error", "CausePath": "$.failure.Cause.errorMessage"}.items() <= next(
        states[n] for n in ends if states[n].get("CausePath") == "$.failure.Cause.errorMessage"
    ).items()
    # ... parsed with States.StringToJson, and faults whose Cause is not JSON keep it as it is.
    assert any("States.StringToJson($.error.Cause)" in json.dumps(states[n]) for n in ends)
    assert any(states[n].get("CausePath") == "$.error.Cause" for n in ends)


def test_permanent_errors_reach_a_fail_state_with_error_and_cause(definition):
    assert_failures_end_typed_with_the_message(definition["States"], "Resize")


def test_input_is_validated_before_the_task(definition):
    assert definition["StartAt"] == "ValidateInput"
    validate = definition["States"]["ValidateInput"]
    assert validate["Default"] == "InvalidInput"
    assert definition["States"]["InvalidInput"] == {
        "Type": "Fail",
        "Error": "InvalidInput",
        "Cause": definition["States"]["InvalidInput"]["Cause"],
    }
    checked = {c["Variable"] for c in validate["Choices"][0]["And"]}
    assert checked == {"$.bucket", "$.key"}


def test_choice_covers_every_handler_status(definition):
    choice = definition["States"]["CheckResult"]
    statuses = {c.get("StringEquals") for c in choice["Choices"]} | {
        a.get("StringEquals") for c in choice["Choices"] for a in c.get("And", [])
    }
    assert statuses - {None} == {"SUCCEEDED"}  # the handler's only status; failures raise
    assert definition["States"][choice["Default"]]["Type"] == "Fail"
    states = definition["States"]
    for success in choice["Choices"]:  # straight to Succeed, or through the optional event publishing
        ends = {states[n]["Type"] for n in reachable(states, success["Next"])} - {"Choice", "Task"}
        assert ends == {"Succeed"}


@pytest.mark.parametrize("publish", [False, True])
def test_events_are_published_only_when_enabled_and_never_fail_a_run(publish):
    states = rendered_definition(enable_events=publish)["States"]
    publishers = {
        name: state for name, state in states.items() if state.get("Resource", "").endswith(":events:putEvents")
    }
    assert set(publishers) == {"PublishReady", "PublishFailed", "PublishFailedWithCause", "PublishTimedOut"}
    for name, state in publishers.items():
        (entry,) = state["Parameters"]["Entries"]
        assert entry["Source"] == "image-resizer" and entry["EventBusName"] == "default"
        assert entry["DetailType"] == ("Image Variants Ready" if name == "PublishReady" else "Image Variants Failed")
        # A failed publish goes where the run was going anyway.
        assert [c["Next"] for c in state["Catch"]] == [state["Next"]] and state["ResultPath"] is None
    gates = [
        s for s in states.values() if s["Type"] == "Choice" and any(c.get("Next") in publishers for c in s["Choices"])
    ]
    assert len(gates) == 4 and all(c["IsPresent"] is publish for g in gates for c in g["Choices"])


def test_every_state_is_reachable_and_every_next_exists(definition):
    states = definition["States"]
    targets = {definition["StartAt"]}
    for state in states.values():
        targets |= {state.get("Next"), state.get("Default")} - {None}
        targets |= {c["Next"] for c in state.get("Choices", []) + state.get("Catch", [])}
    assert targets == set(states)


@pytest.fixture(scope="module")
def cleanup():
    return rendered_definition("image-resizer-cleanup", delete_variants_on_source_delete=True)


def test_cleanup_template_passes_asl_validator_and_retries_only_transient(tmp_path, cleanup):
    retried = {name for rule in cleanup["States"]["DeleteVariants"]["Retry"] for name in rule["ErrorEquals"]}
    assert retried == LAMBDA_TRANSIENT | {cls.__name__ for cls in errors.RETRYABLE_ERRORS}
    assert_failures_end_typed_with_the_message(cleanup["States"], "DeleteVariants")
    completed = asl_validator(tmp_path, cleanup)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_deleted_pattern_matches_object_deleted_only():
    pattern = event_pattern("image-resizer-object-deleted", delete_variants_on_source_delete=True)
    assert pattern["detail-type"] == ["Object Deleted"] and pattern["detail"]["bucket"]["name"] == ["originals"]


@pytest.mark.parametrize(
    ("prefix", "suffixes", "expected"),
    [
        ("", (), [{"prefix": ""}]),
        ("uploads/", (), [{"prefix": "uploads/"}]),
        ("", (".jpg", ".png"), [{"suffix": ".jpg"}, {"suffix": ".png"}]),
        ("up/", (".jpg",), [{"wildcard": "up/*.jpg"}]),
    ],
)
def test_event_pattern_renders(prefix, suffixes, expected):
    pattern = event_pattern(key_prefix=prefix, key_suffixes=list(suffixes))
    assert pattern["source"] == ["aws.s3"] and pattern["detail-type"] == ["Object Created"]
    assert pattern["detail"]["bucket"]["name"] == ["originals"]
    assert pattern["detail"]["object"]["key"] == expected


@pytest.fixture(scope="module")
def backfill():
    return rendered_definition(
        "image-resizer-backfill",
        enable_backfill=True,
        backfill_max_concurrency=20,
        backfill_tolerated_failure_percentage=5,
    )


@pytest.fixture(scope="module")
def inventory_backfill():
    return rendered_definition(
        "image-resizer-backfill", enable_backfill=True, backfill_inventory_bucket="originals-inventory"
    )


def test_backfill_is_a_distributed_map_over_the_listing_capped_by_max_objects(backfill):
    each = backfill["States"]["ResizeEach"]
    assert each["Type"] == "Map" and each["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    assert each["ItemReader"]["Resource"] == "arn:aws:states:::s3:listObjectsV2"
    assert each["ItemReader"]["Parameters"] == {"Bucket": "originals", "Prefix.$": "$.prefix"}
    assert each["ItemReader"]["ReaderConfig"] == {"MaxItemsPath": "$.max_objects"}
    assert (each["MaxConcurrency"], each["ToleratedFailurePercentage"]) == (20, 5)
    assert each["ResultPath"] is None  # millions of results must not become the execution's output
    defaults = backfill["States"]["Defaults"]["Parameters"]["config.$"]
    assert '"prefix": ""' in defaults and '"max_objects": 100000000' in defaults  # the Map's own ceiling
    # Without an inventory bucket, an input naming a report is refused rather than listed.
    assert "ResizeFromInventory" not in backfill["States"]
    assert [c["Next"] for c in backfill["States"]["ReadsInventory"]["Choices"]] == ["ResizeEach"]


def test_with_an_inventory_bucket_the_backfill_reads_the_reports_manifest(tmp_path, inventory_backfill):
    states = inventory_backfill["States"]
    reader = states["ResizeFromInventory"]["ItemReader"]
    assert reader["Resource"] == "arn:aws:states:::s3:getObject"
    assert reader["ReaderConfig"] == {"InputType": "MANIFEST", "MaxItemsPath": "$.max_objects"}
    assert reader["Parameters"] == {"Bucket": "originals-inventory", "Key.$": "$.inventory_manifest_key"}
    assert states["ResizeFromInventory"]["ItemSelector"]["keyEncoding"] == "url"
    inventoried = states["ResizeFromInventory"]["ItemProcessor"]["States"]["ResizeInventoried"]
    assert inventoried == states["ResizeEach"]["ItemProcessor"]["States"]["Resize"]
    completed = asl_validator(tmp_path, inventory_backfill)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_backfill_retries_only_transient_faults(backfill):
    task = backfill["States"]["ResizeEach"]["ItemProcessor"]["States"]["Resize"]
    retried = {name for rule in task["Retry"] for name in rule["ErrorEquals"]}
    assert retried == LAMBDA_TRANSIENT | {cls.__name__ for cls in errors.RETRYABLE_ERRORS}
    assert task["Parameters"]["FunctionName"] == FUNCTION_ARN


def test_backfill_passes_asl_validator(tmp_path, backfill):
    completed = asl_validator(tmp_path, backfill)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_the_retry_policy_is_written_once_and_used_by_every_workflow():
    shared = json.loads((STATE_MACHINE / "transient_retry.json").read_text())
    for template in ("image_processing.json", "variant_cleanup.json", "backfill_item_processor.json"):
        text = (STATE_MACHINE / template).read_text()
        assert '"Retry": ${transient_retry}' in text and "IntervalSeconds" not in text, template
    assert rendered_definition()["States"]["Resize"]["Retry"] == shared


@pytest.mark.parametrize(("region", "partition"), [("us-gov-west-1", "aws-us-gov"), ("cn-north-1", "aws-cn")])
def test_service_integrations_follow_the_partition(region, partition):
    features = {"delete_variants_on_source_delete": True, "enable_backfill": True, "region": region}
    for machine in ("image-resizer", "image-resizer-cleanup", "image-resizer-backfill"):
        text = json.dumps(rendered_definition(machine, **features))
        resources = re.findall(r'"Resource": "([^"]+)"', text)
        assert resources and all(r.startswith(f"arn:{partition}:states:::") for r in resources), machine


def test_the_backfills_input_bounds_are_the_clis(backfill):
    """backfill.distributed_map_input (the CLI's check) and the definition's ValidateInput agree."""
    from image_resizer.backfill import DISTRIBUTED_MAP_MAX_ITEMS

    bounds = {c.get("NumericLessThanEquals") for c in backfill["States"]["ValidateInput"]["Choices"][0]["And"]}
    assert DISTRIBUTED_MAP_MAX_ITEMS in bounds
    assert f'"max_objects": {DISTRIBUTED_MAP_MAX_ITEMS}' in backfill["States"]["Defaults"]["Parameters"]["config.$"]
