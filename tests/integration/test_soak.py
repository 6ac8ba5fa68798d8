"""The fault-injection soak (pipeline_dev.soak) with a smaller count than docs/operations.md's 500-upload figures:
the invariants are the same, the count only makes the suite slower."""

from __future__ import annotations

import pytest
from pipeline_dev import soak

pytestmark = pytest.mark.slow


def test_soak_under_s3_throttling_and_function_faults_loses_nothing():
    report = soak.run(uploads=150, s3_fault_rate=0.05, function_fault_rate=0.05, seed=11)
    assert report.violations == []
    assert report.executions == report.uploads
    assert report.s3_faults_injected > 0 and sum(report.function_faults_injected.values()) > 0
    assert report.superseded > 0  # the keys uploaded twice in a row raced, and the older run stood down
    failed = sum(count for outcome, count in report.outcomes.items() if outcome.startswith("FAILED"))
    assert failed >= report.keys - report.valid_keys  # every invalid upload failed, typed
