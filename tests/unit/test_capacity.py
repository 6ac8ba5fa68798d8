"""scripts/capacity.py: the simulation against closed-form answers, and the defaults it models against the
Terraform and the workflow they come from."""

from __future__ import annotations

import json
import sys

import pytest
from pipeline_dev.terraform import variables

from tests.conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import capacity

FAST = dict(capacity.QUOTAS, lambda_account_concurrency=100_000, lambda_scaling_per_10s=100_000)


def test_a_steady_rate_under_every_quota_waits_nowhere():
    result = capacity.simulate(capacity.Scenario(arrivals_per_second=10, duration_seconds=60))
    assert result.bottleneck is None
    assert (result.max_delay_seconds, result.dlq_events, result.failed_executions) == (0, 0, 0)
    assert result.drain_seconds == pytest.approx(59.9, abs=0.11)


def test_a_burst_drains_as_the_start_bucket_refills(monkeypatch):
    monkeypatch.setattr(capacity, "EVENTBRIDGE_MAX_RETRIES", 10**9)  # retried every step: only the buckets pace it
    n = 10_000
    scenario = capacity.Scenario(
        burst=(n, 0.1), reserved_concurrency=None, eventbridge_backoff=False, quotas=dict(FAST)
    )
    result = capacity.simulate(scenario)
    # At once: the smaller of the start bucket (1,300) and the transition bucket's 5,000 / 4 per execution;
    # then the start bucket's refill, 300 a second (transitions refill 5,000 / 4 = 1,250 a second).
    q = capacity.QUOTAS
    initial = min(q["sfn_start_bucket"], q["sfn_transition_bucket"] / capacity.TRANSITIONS_PER_EXECUTION)
    expected = (n - initial) / q["sfn_start_refill"]
    assert result.drain_seconds == pytest.approx(expected, abs=0.2)
    assert result.bottleneck == "sfn_start_execution" and result.dlq_events == 0


def test_concurrency_is_rate_times_duration():
    scenario = capacity.Scenario(
        arrivals_per_second=50, duration_seconds=30, duration_ms=400, reserved_concurrency=None
    )
    assert capacity.simulate(scenario).peak_concurrency == pytest.approx(50 * 0.4, abs=1)


def test_a_retry_budget_too_small_for_the_burst_sends_events_to_the_dlq(monkeypatch):
    monkeypatch.setattr(capacity, "EVENTBRIDGE_MAX_RETRIES", 10)  # the former default
    result = capacity.simulate(capacity.Scenario(burst=(100_000, 60)))
    assert result.dlq_events > 0


def test_the_default_configuration_holds_a_million_a_day_and_the_100k_burst():
    day = capacity.simulate(capacity.Scenario(arrivals_per_second=1_000_000 / 86400 * 3, duration_seconds=300))
    assert day.bottleneck is None and day.max_delay_seconds == 0
    burst = capacity.simulate(capacity.Scenario(burst=(100_000, 60)))
    assert (burst.dlq_events, burst.failed_executions) == (0, 0)
    assert burst.bottleneck == "sfn_start_execution"
    assert burst.drain_seconds > (100_000 - 1300) / 300  # the refill sets the pace


def test_model_defaults_are_the_deployed_ones():
    orchestration = variables(REPO_ROOT / "modules" / "orchestration")
    assert orchestration["event_max_age_seconds"]["default"] == capacity.EVENTBRIDGE_MAX_AGE
    assert orchestration["event_max_retries"]["default"] == capacity.EVENTBRIDGE_MAX_RETRIES
    assert variables(REPO_ROOT)["reserved_concurrency"]["default"] == capacity.Scenario().reserved_concurrency
    rules = json.loads((REPO_ROOT / "state_machine" / "transient_retry.json").read_text())
    throttle = next(r for r in rules if "Lambda.TooManyRequestsException" in r["ErrorEquals"])
    assert len(capacity.LAMBDA_RETRY_DELAYS) == throttle["MaxAttempts"]


def test_json_output_has_the_documented_fields(capsys):
    assert capacity.main(["--burst", "1000/10", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"bottleneck", "drain_seconds", "max_delay_seconds", "dlq_events", "cost_per_million_usd", "stages"} <= set(
        report
    )
    assert all({"name", "load_per_second", "quota_per_second"} <= set(stage) for stage in report["stages"])


def test_backfill_is_limited_by_the_smaller_of_map_and_function_concurrency():
    plan = capacity.backfill(1_000_000, 500, capacity.Scenario(reserved_concurrency=100))
    assert plan["throttled"] is True and plan["images_per_second"] == pytest.approx(100 / 0.2)


def test_bad_arguments_are_usage_errors(capsys):
    with pytest.raises(SystemExit) as exited:
        capacity.main(["--burst", "lots"])
    assert exited.value.code == 2
