"""`image-resizer logs --since` takes what `aws logs tail --since` takes: s, m, h, d, w, or an ISO 8601 time."""

from __future__ import annotations

import argparse
import datetime

import pytest
from image_resizer.cli.parser import build_parser, since

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("text", "seconds_back"),
    [("30s", 30), ("10m", 600), ("10", 600), ("1h", 3600), ("2d", 172800), ("1w", 604800), ("1.5h", 5400), ("0m", 0)],
)
def test_relative_times(text, seconds_back):
    assert since(text, now=NOW) == NOW - seconds_back


def test_iso_times_with_and_without_a_zone():
    assert since("2026-12-05T10:00:00Z", now=NOW) == datetime.datetime(2026, 12, 5, 10, tzinfo=datetime.UTC).timestamp()
    assert since("2026-12-05T10:00:00", now=NOW) == since("2026-12-05T10:00:00+00:00", now=NOW)
    assert since("2026-12-05T11:00:00+01:00", now=NOW) == since("2026-12-05T10:00:00Z", now=NOW)


@pytest.mark.parametrize("text", ["-5m", "yesterday", "5y", "", "nanm"])
def test_anything_else_is_one_line_saying_what_is_accepted(text):
    with pytest.raises(argparse.ArgumentTypeError, match="--since"):
        since(text, now=NOW)


def test_the_parser_takes_hours():
    args = build_parser().parse_args(["logs", "--since", "1h"])
    assert abs(args.since - (datetime.datetime.now(datetime.UTC).timestamp() - 3600)) < 60
