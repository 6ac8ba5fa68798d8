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
    # PUT each variant and the manifest; HEAD the source twice and each variant once; GET the source.
    assert one == pytest.approx(2 * 5.0 + 4 * 0.4) and three == pytest.approx(4 * 5.0 + 6 * 0.4)


def test_the_function_and_the_script_price_an_invocation_alike():
    from image_resizer.aws.pricing import invocation_cost

    one = invocation_cost(350, 2048, "arm64", "STANDARD", {"HeadObject": 3, "GetObject": 1, "PutObject": 2})
    assert per_million(350, 2048, "arm64", "STANDARD", variants=1).total == pytest.approx(
        1_000_000 * one.total + cost_model.per_million(350, 2048, "arm64", "STANDARD").logs
    )


def test_s3_requests_are_priced_by_class():
    from image_resizer.aws.pricing import s3_request_cost

    assert s3_request_cost({"PutObject": 2, "HeadObject": 5, "DeleteObject": 7}) == pytest.approx(
        2 * PRICES["s3_write"] + 5 * PRICES["s3_read"]
    )


def test_measured_durations_are_priced_at_their_median_and_slowest(tmp_path, capsys):
    import json

    measured = tmp_path / "durations.json"
    measured.write_text(
        json.dumps({"command": "bench", "machine": "m", "variants": 3, "durations_ms": {"a": 100, "b": 300, "c": 900}})
    )
    assert cost_model.main(["--durations", str(measured), "--memory-mb", "2048"]) == 0
    out = capsys.readouterr().out
    assert "Median of 3 inputs: 300 ms" in out and "Slowest input (c): 900 ms" in out
    assert f"${per_million(300, 2048, 'arm64', 'STANDARD', 3).total:,.2f}" in out


@pytest.mark.parametrize("content", ["not json", '{"durations_ms": {}}', '{"other": 1}'])
def test_unreadable_durations_exit_2_with_one_line(tmp_path, capsys, content):
    measured = tmp_path / "durations.json"
    measured.write_text(content)
    assert cost_model.main(["--durations", str(measured)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
