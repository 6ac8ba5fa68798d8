import pytest
from image_resizer.errors import ConfigurationError
from image_resizer.limits import Limits
from image_resizer.pipeline.settings import DEFAULT_CACHE_CONTROL, load_settings
from image_resizer.variants import default_variants

BASE = {"SOURCE_BUCKET": "originals", "RESIZED_BUCKET": "resized"}


def test_defaults():
    settings = load_settings(BASE)
    assert settings.variants == default_variants()
    assert settings.limits == Limits(100_000_000, 50 * 1024 * 1024)
    assert settings.cache_control == DEFAULT_CACHE_CONTROL


def test_everything_from_the_environment():
    settings = load_settings(
        {
            **BASE,
            "VARIANTS": '{"s": {"width": 10, "height": 20, "format": "webp"}}',
            "MAX_SOURCE_PIXELS": "1_000_000",
            "MAX_SOURCE_BYTES": "2048",
            "CACHE_CONTROL": "no-cache",
        }
    )
    assert settings.variants[0].format == "webp"
    assert settings.limits == Limits(1_000_000, 2048)
    assert settings.cache_control == "no-cache"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RESIZED_BUCKET": "r"}, "SOURCE_BUCKET is required"),
        ({"SOURCE_BUCKET": "s"}, "RESIZED_BUCKET is required"),
        ({"SOURCE_BUCKET": "same", "RESIZED_BUCKET": "same"}, "forever"),
        ({**BASE, "MAX_SOURCE_PIXELS": "lots"}, "MAX_SOURCE_PIXELS is 'lots'"),
        ({**BASE, "MAX_SOURCE_BYTES": "-1"}, "MAX_SOURCE_BYTES is '-1'"),
        ({**BASE, "MAX_SOURCE_PIXELS": "500000000"}, "decompression-bomb guard"),
        ({**BASE, "VARIANTS": '{"v": {"width": -1, "height": 1}}'}, "'width' is -1"),
    ],
)
def test_invalid_configuration_is_refused(env, message):
    with pytest.raises(ConfigurationError, match=message):
        load_settings(env)


def test_lambda_memory_size_turns_the_memory_guard_on():
    assert load_settings(BASE).limits.memory_mb is None
    assert load_settings({**BASE, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "2048"}).limits.memory_mb == 2048


def test_the_workflow_type_that_prices_the_cost_estimate():
    base = {"SOURCE_BUCKET": "a", "RESIZED_BUCKET": "b"}
    assert load_settings(base).workflow_type == "STANDARD"
    assert load_settings({**base, "WORKFLOW_TYPE": "EXPRESS"}).workflow_type == "EXPRESS"
    with pytest.raises(ConfigurationError, match="WORKFLOW_TYPE is 'express'"):
        load_settings({**base, "WORKFLOW_TYPE": "express"})
