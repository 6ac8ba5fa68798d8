"""The cost model's state counts against the workflow Terraform renders (tests/rendered.py runs Terraform core
with the stand-in provider, so these live with the other static checks, not the unit tests)."""

import sys

import pytest

from tests.conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import cost_model


def test_api_worst_case_counts_the_states_a_rejected_execution_enters():

    from tests.rendered import definition

    states = definition()["States"]
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

    from tests.rendered import definition

    states = definition()["States"]
    success = next(c["Next"] for c in states["CheckResult"]["Choices"] if "And" not in c)
    path = ["ValidateInput", "Resize", "CheckResult", success]
    while states[path[-1]]["Type"] != "Succeed":
        state = states[path[-1]]
        path.append(state["Default"] if state["Type"] == "Choice" else state["Next"])
    from image_resizer.aws.pricing import STANDARD_TRANSITIONS_PER_IMAGE

    assert len(path) == STANDARD_TRANSITIONS_PER_IMAGE
