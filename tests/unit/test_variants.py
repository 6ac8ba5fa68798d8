import json

import pytest
from image_resizer import variants
from image_resizer.errors import ConfigurationError
from image_resizer.variants import DEFAULT_VARIANTS, VariantSpec, default_variants, parse_variants


def test_default_is_one_thumbnail_under_the_upload_key():
    (spec,) = default_variants()
    assert (spec.name, spec.width, spec.height, spec.fit, spec.format, spec.key) == (
        "thumbnail",
        200,
        200,
        "inside",
        "auto",
        "{key}",
    )
    assert spec.render_key("photos/cat.jpg", "jpg") == "photos/cat.jpg"


def test_json_text_and_mapping_parse_the_same():
    assert parse_variants(json.dumps(DEFAULT_VARIANTS)) == parse_variants(DEFAULT_VARIANTS)


def test_optional_fields_take_defaults():
    (spec,) = parse_variants({"small": {"width": 64, "height": 32}})
    assert spec == VariantSpec("small", 64, 32, "inside", "auto", 82, "{variant}/{dir}{stem}.{ext}")


@pytest.mark.parametrize(
    ("key", "source", "ext", "expected"),
    [
        ("{key}", "a/b/c.png", "jpg", "a/b/c.png"),
        ("{dir}{stem}-{variant}.{ext}", "a/b/c.d.png", "webp", "a/b/c.d-v.webp"),
        ("{dir}{stem}.{ext}", "top.jpg", "png", "top.png"),
        ("{variant}/{key}", "x y+z/ü.jpg", "jpg", "v/x y+z/ü.jpg"),
        ("{stem}", ".hidden", "jpg", ".hidden"),
        ("{stem}.{ext}", "noext", "avif", "noext.avif"),
    ],
)
def test_key_templates(key, source, ext, expected):
    (spec,) = parse_variants({"v": {"width": 10, "height": 10, "key": key}})
    assert spec.render_key(source, ext) == expected


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"width": 0, "height": 10}, "'width' is 0"),
        ({"width": 10}, "'height' is None"),
        ({"width": "10", "height": 10}, "'width' is '10'"),
        ({"width": True, "height": 10}, "'width' is True"),
        ({"width": 10, "height": 10, "fit": "fill"}, "'fit' is 'fill'"),
        ({"width": 10, "height": 10, "format": "gif"}, "'format' is 'gif'"),
        ({"width": 10, "height": 10, "quality": 101}, "'quality' is 101"),
        ({"width": 10, "height": 10, "key": "{name}"}, "unknown placeholder"),
        ({"width": 10, "height": 10, "key": "/abs/{key}"}, "must not start with '/'"),
        ({"width": 10, "height": 10, "key": "{key"}, "braces must enclose a placeholder"),
        ({"width": 10, "height": 10, "colour": "red"}, "unknown field(s) ['colour']"),
    ],
)
def test_validation_errors_name_field_and_value(settings, message):
    with pytest.raises(ConfigurationError, match="variant 'v'") as info:
        parse_variants({"v": settings})
    assert message in str(info.value)


@pytest.mark.parametrize("raw", ["", "[]", "{}", "not json", '{"a": 1}', '{"bad name!": {"width": 1, "height": 1}}'])
def test_malformed_variant_documents_are_rejected(raw):
    with pytest.raises(ConfigurationError):
        parse_variants(raw)


def test_two_variants_writing_the_same_key_are_rejected():
    with pytest.raises(ConfigurationError, match="same key"):
        parse_variants({"a": {"width": 1, "height": 1, "key": "{key}"}, "b": {"width": 2, "height": 2, "key": "{key}"}})


def test_settings_hash_changes_with_any_setting_and_is_stable():
    (base,) = parse_variants({"v": {"width": 100, "height": 100}})
    assert base.settings_hash == parse_variants({"v": {"width": 100, "height": 100}})[0].settings_hash
    for change in ({"width": 101}, {"quality": 50}, {"fit": "cover"}, {"format": "webp"}, {"key": "{dir}{stem}.{ext}"}):
        (other,) = parse_variants({"v": {"width": 100, "height": 100, **change}})
        assert other.settings_hash != base.settings_hash, change


def test_settings_hashes_of_fixed_quality_variants_did_not_move_when_quality_auto_arrived(monkeypatch):
    """Stored variants stay current across the upgrade: these digests were computed before the change, by
    renderer 2 (a new renderer moves every digest, by design)."""
    monkeypatch.setattr(variants, "RENDERER_VERSION", "2")
    # The default key was {variant}/{key} then (it is {variant}/{dir}{stem}.{ext} since fixed formats need {ext}).
    same = {"width": 100, "height": 100, "key": "{variant}/{key}"}
    assert parse_variants({"v": same})[0].settings_hash == "fb50b904980ee80b"
    (seed,) = parse_variants({"thumbnail": {"width": 200, "height": 200, "quality": 82, "key": "{key}"}})
    assert seed.settings_hash == "49c9cb68d1019703"


@pytest.mark.parametrize(
    ("settings", "quality", "target"),
    [
        ({"quality": "auto"}, "auto", 80.0),
        ({"quality": "auto", "quality_target": 90}, "auto", 90.0),
        ({"format": "best"}, "auto", 80.0),
        ({"format": "best", "quality": None, "quality_target": None}, "auto", 80.0),  # Terraform's nulls
        ({"quality": "82"}, 82, None),  # Terraform's string
        ({"quality": None}, 82, None),
    ],
)
def test_quality_auto_and_best(settings, quality, target):
    (spec,) = parse_variants({"v": {"width": 10, "height": 10, **settings}})
    assert (spec.quality, spec.quality_target) == (quality, target)


def test_the_target_is_part_of_the_settings_hash():
    first, second = (
        parse_variants({"v": {"width": 9, "height": 9, "quality": "auto", "quality_target": t}})[0] for t in (80, 85)
    )
    assert first.settings_hash != second.settings_hash


def test_a_new_renderer_makes_stored_variants_stale(monkeypatch):
    current = parse_variants({"v": {"width": 100, "height": 100}})[0].settings_hash
    monkeypatch.setattr(variants, "RENDERER_VERSION", "2")
    assert parse_variants({"v": {"width": 100, "height": 100}})[0].settings_hash != current


@pytest.mark.parametrize("output_format", ["jpeg", "png", "webp", "avif", "best"])
def test_a_fixed_format_with_the_uploads_extension_is_refused_with_the_template_to_use(output_format):
    with pytest.raises(ConfigurationError) as refused:
        parse_variants({"card": {"width": 100, "height": 100, "format": output_format, "key": "card/{key}"}})
    assert str(refused.value) == (
        f"variant 'card': field 'key' is 'card/{{key}}'; format '{output_format}' needs the extension it writes: "
        "use {dir}{stem}.{ext}, not {key}"
    )
    for fine in ("card/{dir}{stem}.{ext}", "card/{key}.{ext}", "card/{stem}.jpg"):
        parse_variants({"card": {"width": 100, "height": 100, "format": output_format, "key": fine}})


def test_format_auto_keeps_the_seeds_key():
    (spec,) = parse_variants({"thumbnail": {"width": 200, "height": 200, "key": "{key}"}})
    assert spec.render_key("photos/cat.jpg", "jpg", "") == "photos/cat.jpg"
