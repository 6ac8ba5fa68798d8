"""Plan-time validation equals the function's: one table of values, run through `terraform plan` (real
Terraform, offline: variables need no provider) and through the function's own parser. Every value the
function would refuse at cold start is refused at plan, with the same message."""

from __future__ import annotations

import shutil
from collections.abc import Callable

import pytest
from image_resizer.errors import ConfigurationError
from image_resizer.limits import Limits
from image_resizer.variants import parse_variants

from tests.conftest import REPO_ROOT
from tests.terraform_cli import error_summaries, init, plan

BUCKETS = {"originals_bucket_name": "my-originals", "resized_bucket_name": "my-resized"}


def v(**fields):
    return {"width": 200, "height": 200, **fields}


VARIANT_CASES = [
    ("minimal", {"thumb": v()}),
    (
        "every field",
        {"a-b_1": v(fit="cover", format="webp", quality=100, colorspace="keep", key="{variant}/{dir}{stem}.{ext}")},
    ),
    ("two variants", {"large": v(width=1600, key="large/{key}"), "small": v(key="{key}")}),
    ("name with a space", {"my thumb": v()}),
    ("name with an accent", {"thumbé": v()}),
    ("fractional quality", {"t": v(quality=82.5)}),
    ("quality 0", {"t": v(quality=0)}),
    ("width 0", {"t": v(width=0)}),
    ("width too large", {"t": v(width=16385)}),
    ("fractional height", {"t": v(height=1.5)}),
    ("unknown fit", {"t": v(fit="diagonal")}),
    ("unknown format", {"t": v(format="gif")}),
    ("unknown colorspace", {"t": v(colorspace="p3")}),
    ("blank key", {"t": v(key="  ")}),
    ("unknown placeholder", {"t": v(key="{nope}/{key}")}),
    ("conversion in a placeholder", {"t": v(key="{key!r}")}),
    ("unclosed brace", {"t": v(key="{key")}),
    ("absolute key", {"t": v(key="/abs/{key}")}),
    ("a fixed format with the upload's extension", {"card": v(format="jpeg", key="card/{key}")}),
    ("format best with the upload's extension", {"card": v(format="best", key="{key}")}),
    ("a fixed format with its own extension", {"card": v(format="png", key="card/{key}.{ext}")}),
    ("two variants, one key", {"a": v(key="{key}"), "b": v(key="{key}")}),
    ("animation kept as gif", {"a": v(animation="keep", format="gif", key="{stem}.{ext}")}),
    ("unknown animation", {"a": v(animation="all")}),
    ("kept animation as jpeg", {"a": v(animation="keep", format="jpeg")}),
    ("gif without animation", {"a": v(format="gif")}),
    ("attention crop", {"a": v(fit="cover", gravity="attention")}),
    ("unknown gravity", {"a": v(fit="cover", gravity="faces")}),
    ("quality auto", {"t": v(quality="auto", format="jpeg")}),
    ("quality auto with a target", {"t": v(quality="auto", quality_target=85)}),
    ("format best", {"t": v(format="best", key="{stem}.{ext}")}),
    ("format best with a target", {"t": v(format="best", quality_target=75.5)}),
    ("format best with a number", {"t": v(format="best", quality=82)}),
    ("quality as a word", {"t": v(quality="high")}),
    ("quality as a numeral", {"t": v(quality="82")}),
    ("target without auto", {"t": v(quality=82, quality_target=80)}),
    ("target too low", {"t": v(quality="auto", quality_target=20)}),
    ("target too high", {"t": v(quality="auto", quality_target=99.5)}),
    ("auto for a kept animation", {"t": v(quality="auto", animation="keep")}),
    ("no variants", {}),
    ("formats", {"m": v(formats=["avif", "webp", "jpeg"])}),
    ("formats with auto quality", {"m": v(formats=["webp", "png"], quality="auto", quality_target=85)}),
    ("formats ending in webp", {"m": v(formats=["avif", "webp"])}),
    ("formats listing one twice", {"m": v(formats=["jpeg", "jpeg"])}),
    ("formats empty", {"m": v(formats=[])}),
    ("formats with gif", {"m": v(formats=["gif", "jpeg"])}),
    ("formats as a word", {"m": v(formats="jpeg")}),
    ("formats beside format", {"m": v(format="webp", formats=["webp", "jpeg"])}),
    ("formats with the upload's key", {"m": v(formats=["webp", "jpeg"], key="m/{key}")}),
    ("formats with a content hash", {"m": v(formats=["webp", "jpeg"], key="m/{hash}.{ext}")}),
    ("formats for a kept animation", {"m": v(formats=["webp", "jpeg"], animation="keep", quality=80)}),
    # Fields the type of a Terraform object would drop without a word: refused with the function's message.
    ("misspelled fields", {"t": v(fit="cover", gravty="attention", qualty=40)}),
    ("a variant that is a string", {"t": "200x200"}),
    ("a variant that is a number", {"t": 200}),
    ("a variant that is a list", {"t": [200, 200]}),
    ("no width", {"t": {"height": 200}}),
    ("width as a numeral", {"t": v(width="200")}),
    ("width as a word", {"t": v(width="wide")}),
]


@pytest.fixture(scope="module")
def root_variables(tmp_path_factory):
    directory = tmp_path_factory.mktemp("root-variables")
    shutil.copy(REPO_ROOT / "variables.tf", directory / "variables.tf")
    init(directory)
    return directory


def function_error(parse: Callable[..., object], *args: object, **kwargs: object) -> str | None:
    """The message the function would refuse these settings with at cold start; None: it accepts them."""
    try:
        parse(*args, **kwargs)
    except ConfigurationError as exc:
        return str(exc)
    return None


def assert_plan_agrees(directory, values: dict[str, object], expected: str | None) -> None:
    """`terraform plan` accepts exactly what the function accepts, and refuses the rest with its message."""
    completed = plan(directory, {**BUCKETS, **values})
    if expected is None:
        assert completed.returncode == 0, (values, completed.stderr)
    else:
        assert completed.returncode != 0, (values, expected)
        assert expected in error_summaries(completed.stderr), (values, expected, completed.stderr)


@pytest.mark.parametrize(("case", "variants"), VARIANT_CASES, ids=[c for c, _ in VARIANT_CASES])
def test_variants_are_refused_at_plan_exactly_when_the_function_refuses_them(root_variables, case, variants):
    assert_plan_agrees(root_variables, {"variants": variants}, function_error(parse_variants, variants))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("max_source_pixels", 178956970),
        ("max_source_pixels", 178956971),
        ("max_source_pixels", 0),
        ("max_source_bytes", 1),
        ("max_source_bytes", 0),
    ],
)
def test_source_limits_match_the_function(root_variables, name, value):
    assert_plan_agrees(root_variables, {name: value}, function_error(Limits, **{name: value}))


def test_fractional_limits_are_refused(root_variables):
    assert plan(root_variables, {**BUCKETS, "max_source_pixels": 1.5}).returncode != 0


def test_the_two_buckets_must_differ(tmp_path):
    shutil.copy(REPO_ROOT / "modules" / "storage" / "variables.tf", tmp_path / "variables.tf")
    init(tmp_path)
    completed = plan(tmp_path, {"originals_bucket_name": "same-name", "resized_bucket_name": "same-name"})
    assert completed.returncode != 0
    assert any("RESIZED_BUCKET equals SOURCE_BUCKET ('same-name')" in m for m in error_summaries(completed.stderr))
    assert plan(tmp_path, {"originals_bucket_name": "a-originals", "resized_bucket_name": "a-resized"}).returncode == 0


@pytest.mark.parametrize("template", ["manifests/{dir}{stem}.json", "m/{key}.json", "m/{variant}.json", "/m/{key}"])
def test_manifest_key_templates_match_the_function(root_variables, template):
    from image_resizer.pipeline.manifest import parse_manifest_key

    assert_plan_agrees(root_variables, {"manifest_key": template}, function_error(parse_manifest_key, template))


@pytest.mark.parametrize(
    "base_url",
    [
        "https://images.example.com/",
        "http://127.0.0.1:8080/resized",
        "https://d111111abcdef8.cloudfront.net",
        "/images/",
        "./resized",
        "../resized/",
        "",
        ".",
        "resized",
        "images.example.com",
        "https://",
        "https://images.example.com/a b",
        "https://images.example.com/?v=1",
        "ftp://images.example.com/",
    ],
)
def test_base_urls_match_the_function(root_variables, base_url):
    from image_resizer.pipeline.manifest import parse_base_url

    assert_plan_agrees(root_variables, {"base_url": base_url}, function_error(parse_base_url, base_url))


def test_cdn_aliases_need_a_certificate_at_plan(tmp_path):
    shutil.copy(REPO_ROOT / "modules" / "cdn" / "variables.tf", tmp_path / "variables.tf")
    init(tmp_path)
    required = {"name": "demo", "bucket_regional_domain_name": "demo-resized.s3.us-east-1.amazonaws.com"}
    completed = plan(tmp_path, {**required, "aliases": ["images.example.com"]})
    assert completed.returncode != 0
    assert "cdn_aliases need cdn_acm_certificate_arn: an ACM certificate in us-east-1 that covers them." in (
        error_summaries(completed.stderr)
    )
    certificate = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-0000-1111-2222-333344445555"
    with_certificate = {**required, "aliases": ["images.example.com"], "acm_certificate_arn": certificate}
    assert plan(tmp_path, with_certificate).returncode == 0
    assert plan(tmp_path, required).returncode == 0


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"throttling_burst_limit": -1}, "api_throttling_burst_limit must be a whole number >= 0"),
        ({"throttling_burst_limit": 2.5}, "api_throttling_burst_limit must be a whole number >= 0"),
        ({"throttling_rate_limit": -0.5}, "api_throttling_rate_limit must be >= 0 requests per second"),
        ({"throttling_burst_limit": 0, "throttling_rate_limit": 0.5}, None),
    ],
)
def test_api_throttling_is_checked_at_plan(tmp_path, values, message):
    shutil.copy(REPO_ROOT / "modules" / "api" / "variables.tf", tmp_path / "variables.tf")
    init(tmp_path)
    required = {"name": "demo", "state_machine_arn": "arn:aws:states:us-east-1:123456789012:stateMachine:demo"}
    completed = plan(tmp_path, {**required, **values})
    if message is None:
        assert completed.returncode == 0, completed.stderr
    else:
        assert any(m.startswith(message) for m in error_summaries(completed.stderr)), completed.stderr
