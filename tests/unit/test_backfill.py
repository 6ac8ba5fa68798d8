import pytest
from image_resizer.aws.storage import SourceHead
from image_resizer.backfill import RateLimiter, execution_name
from image_resizer.pipeline.service import candidate_keys
from image_resizer.variants import parse_variants


def test_candidate_keys_cover_every_auto_format_for_ext_templates():
    auto, fixed, plain = parse_variants(
        {
            "a": {"width": 1, "height": 1, "key": "a/{stem}.{ext}"},
            "b": {"width": 1, "height": 1, "format": "webp", "key": "b/{stem}.{ext}"},
            "c": {"width": 1, "height": 1, "key": "{key}"},
        }
    )
    assert candidate_keys(auto, "x/p.png") == ["a/p.avif", "a/p.jpg", "a/p.png", "a/p.webp"]
    assert candidate_keys(fixed, "x/p.png") == ["b/p.webp"]
    assert candidate_keys(plain, "x/p.png") == ["x/p.png"]


def test_execution_names_are_deterministic_valid_and_change_with_content_or_settings():
    specs = parse_variants({"t": {"width": 10, "height": 10}})
    head = SourceHead("b", "k with spaces/ü.jpg", "etag1", None, 1)
    name = execution_name(head, specs)
    assert name == execution_name(head, specs)
    assert len(name) <= 80 and name.replace("-", "").isalnum()
    assert name != execution_name(SourceHead("b", head.key, "etag2", None, 1), specs)
    assert name != execution_name(head, parse_variants({"t": {"width": 11, "height": 10}}))


def test_rate_limiter_spaces_calls(monkeypatch):
    now = [100.0]
    slept = []
    monkeypatch.setattr(
        "image_resizer.backfill.time.sleep", lambda s: (slept.append(s), now.__setitem__(0, now[0] + s))
    )
    limiter = RateLimiter(4, clock=lambda: now[0])
    for _ in range(5):
        limiter.wait()
    assert slept == [0.25, 0.25, 0.25, 0.25]


def test_the_distributed_maps_input_is_checked():
    from image_resizer.backfill import DISTRIBUTED_MAP_MAX_ITEMS, distributed_map_input
    from image_resizer.errors import InvalidRequestError

    assert distributed_map_input() == {"prefix": ""}
    assert distributed_map_input("photos/", 5) == {"prefix": "photos/", "max_objects": 5}
    report = "inventory/originals/all/2026-12-01T01-00Z/manifest.json"
    assert distributed_map_input(inventory_manifest_key=report)["inventory_manifest_key"] == report
    for bad in (
        {"max_objects": 0},
        {"max_objects": DISTRIBUTED_MAP_MAX_ITEMS + 1},
        {"prefix": "p/", "inventory_manifest_key": report},
        {"inventory_manifest_key": "inventory/data/part-1.csv.gz"},
    ):
        with pytest.raises(InvalidRequestError):
            distributed_map_input(**bad)
