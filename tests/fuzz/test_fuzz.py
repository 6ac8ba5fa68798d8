"""The bounded, seeded fuzz campaign `make test` runs (pipeline_dev.fuzz; `make fuzz DURATION=600` runs it
longer with fresh randomness), and every reproducer a campaign ever found, replayed."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from image_resizer.errors import CorruptImageError
from pipeline_dev import fuzz

# Pillow warns about what it skips in damaged files (tags, chunks); the warnings are not findings.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
REPRODUCERS = sorted((Path(__file__).parent / "reproducers").iterdir())
# Derandomized: the same examples every run, so a failure here is reproducible by re-running the test.
BOUNDED = {"deadline": None, "database": None, "derandomize": True, "suppress_health_check": list(HealthCheck)}


@settings(max_examples=8000, **BOUNDED)
@given(st.sampled_from(sorted(fuzz.SEEDS)), fuzz.mutations)
def test_damaged_files_end_in_variants_or_a_typed_error(seed, operations):
    fuzz.check_file(seed, operations)


@settings(max_examples=3000, **BOUNDED)
@given(fuzz.event_like | fuzz.json_values)
def test_any_json_event_is_parsed_or_refused_typed(event):
    fuzz.check_event(event)


def test_there_is_a_seed_of_every_format_the_pipeline_decodes():
    formats = {name.rsplit(".", 1)[1] for name in fuzz.SEEDS}
    assert {"jpg", "png", "gif", "webp", "tif", "bmp", "avif"} <= formats


@pytest.mark.parametrize("path", REPRODUCERS, ids=lambda p: p.name)
def test_what_a_campaign_found_is_a_typed_error_now(path):
    """Each file once ended in Pillow's own exception (its name is the file's prefix), untyped."""
    with pytest.raises(CorruptImageError):
        fuzz.render(path.read_bytes(), fuzz.VARIANTS, fuzz.Limits(memory_mb=fuzz.BUDGET_MB))
