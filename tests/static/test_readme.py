"""README stays true: quick start first, generated tables current, numbers from the scripts that make them."""

import re
import subprocess
import sys

from image_resizer.variants import DEFAULT_KEY_TEMPLATE, DEFAULT_QUALITY

from tests.conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text()


def test_quick_start_is_the_first_code_block_with_exactly_two_commands():
    first = re.search(r"```sh\n(.*?)```", README, re.DOTALL).group(1)
    commands = [line.split("#")[0].strip() for line in first.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    assert README.index("make demo") < README.index("## Architecture")


def test_every_make_target_mentioned_exists():
    makefile = (REPO_ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z-]+):", makefile, re.MULTILINE))
    mentioned = set(re.findall(r"`make ([a-z-]+)", README))
    assert mentioned and mentioned <= targets


def test_cost_tables_are_what_the_cost_model_prints():
    for args in (["--durations", str(REPO_ROOT / "benchmarks" / "results" / "bench_resize.json")],):
        table = subprocess.run(
            [sys.executable, str(REPO_ROOT / "scripts" / "cost_model.py"), *args],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert table in README


def test_variant_defaults_match_the_code():
    assert f"| {DEFAULT_QUALITY} |" in README and f"`{DEFAULT_KEY_TEMPLATE}` |" in README


def test_documented_provider_version_is_the_validated_one():
    from pipeline_dev.provider_schema import PROVIDER_VERSION

    assert f"hashicorp/aws **{PROVIDER_VERSION}** provider schema" in README


def test_every_error_type_is_documented():
    from image_resizer import errors

    for cls in (*errors.PERMANENT_ERRORS, *errors.RETRYABLE_ERRORS):
        assert f"`{cls.__name__}`" in README, cls.__name__
