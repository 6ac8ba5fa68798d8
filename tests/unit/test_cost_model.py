import sys

import pytest

from tests.conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import cost_model
from cost_model import PRICES, per_million


def test_lambda_compute_is_gb_seconds_times_price():
    cost = per_million(1000, 1024, "x86_64", "STANDARD")
    assert cost.lambda_compute == pytest.approx(1_000_000 * 1.0 * PRICES["lambda_gb_second"]["x86_64"])
    assert cost.lambda_requests == pytest.approx(0.20)


def test_arm64_is_cheaper_per_gb_second():
    assert per_million(300, 2048, "arm64", "STANDARD").total < per_million(300, 2048, "x86_64", "STANDARD").total


def test_standard_counts_its_transitions_and_express_requests_plus_duration():
    # Five transitions per image at $25 per million transitions.
    assert per_million(100, 2048, "arm64", "STANDARD").workflow == pytest.approx(125.0)
    express = per_million(1000, 2048, "arm64", "EXPRESS").workflow
    assert express == pytest.approx(1.0 + 1.1 * 0.0625 * 0.00001667 * 1_000_000)


def test_s3_requests_scale_with_variants():
    one = per_million(100, 2048, "arm64", "EXPRESS", variants=1).s3_requests
    three = per_million(100, 2048, "arm64", "EXPRESS", variants=3).s3_requests
    assert one == pytest.approx(5.0 + 3 * 0.4) and three == pytest.approx(15.0 + 5 * 0.4)


def test_api_worst_case_counts_the_states_a_rejected_execution_enters():
    import json

    from pipeline_dev.templates import render_state_machine

    states = json.loads(render_state_machine("arn:aws:lambda:us-east-1:1:function:f", 70))["States"]
    path = ["ValidateInput", "Resize", states["Resize"]["Catch"][-1]["Next"]]
    while states[path[-1]]["Type"] != "Fail":
        state = states[path[-1]]
        if state["Type"] == "Choice":  # the event gates are closed by default (IsPresent: false)
            rule = state["Choices"][0]
            path.append(state["Default"] if rule.get("IsPresent") is False else rule["Next"])
        else:
            path.append(state["Next"])
    assert len(path) == cost_model.REJECTED_TRANSITIONS
    hour = cost_model.api_worst_case_per_hour(5)
    transitions = 5 * 3600 * cost_model.REJECTED_TRANSITIONS * cost_model.PRICES["sfn_standard_transition"]
    assert transitions < hour < transitions * 1.1  # the workflow dominates; Lambda, S3 and logs add little
    assert cost_model.api_worst_case_per_hour(20) == pytest.approx(4 * hour)


def test_standard_transitions_count_the_states_a_successful_execution_enters():
    import json

    from pipeline_dev.templates import render_state_machine

    states = json.loads(render_state_machine("arn:aws:lambda:us-east-1:1:function:f", 70))["States"]
    success = next(c["Next"] for c in states["CheckResult"]["Choices"] if "And" not in c)
    path = ["ValidateInput", "Resize", "CheckResult", success]
    while states[path[-1]]["Type"] != "Succeed":
        state = states[path[-1]]
        path.append(state["Default"] if state["Type"] == "Choice" else state["Next"])
    assert len(path) == cost_model.STANDARD_TRANSITIONS_PER_IMAGE
