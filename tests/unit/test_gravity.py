"""gravity for cover crops: fixed anchors, attention, entropy and focal points, on labelled scenes; the crop box
reported and applied exactly (compared with a LANCZOS of the full decode over that box)."""

from __future__ import annotations

import io
import math

import pytest
from image_resizer.errors import ConfigurationError, InvalidRequestError
from image_resizer.imaging.crop import anchor_for, small_rendering
from image_resizer.imaging.geometry import place
from image_resizer.imaging.render import render
from image_resizer.pipeline.overrides import Overrides, from_object, parse_focal_point, selected
from image_resizer.variants import parse_variants
from PIL import Image, ImageChops, ImageStat
from pipeline_dev import samples, scenes


def crop_for(gravity: str, scene: scenes.Scene, focal=None):
    spec = parse_variants({"sq": {"width": 256, "height": 256, "fit": "cover", "gravity": gravity}})[0]
    width, height = scene.image.size
    left, top, right, bottom = place(spec, width, height).box
    anchor = anchor_for(gravity, small_rendering(scene.image), ((right - left) / width, (bottom - top) / height), focal)
    return place(spec, width, height, anchor).box


@pytest.mark.parametrize(
    ("gravity", "expected"),
    [
        ("north", (0, 0, 800, 800)),
        ("south", (0, 400, 800, 1200)),
        ("west", (0, 200, 800, 1000)),
        ("northwest", (0, 0, 800, 800)),
        ("centre", (0, 200, 800, 1000)),
    ],
)
def test_fixed_anchors_on_a_tall_source(gravity, expected):
    spec = parse_variants({"v": {"width": 100, "height": 100, "fit": "cover", "gravity": gravity}})[0]
    box = place(spec, 800, 1200, anchor_for(gravity, Image.new("RGB", (8, 12)), (1.0, 2 / 3), None))
    assert tuple(round(v) for v in box.box) == expected
    assert not box.is_full_frame


@pytest.mark.parametrize("background", scenes.BACKGROUNDS)
@pytest.mark.parametrize("subject", scenes.SUBJECTS)
@pytest.mark.parametrize("position", [0.15, 0.85])
def test_attention_keeps_the_subject_where_the_centre_loses_it(background, subject, position):
    scene = scenes.scene(background, subject, (1600, 900), position, seed=3)
    assert scenes.kept_share(scene.subject, crop_for("attention", scene)) >= 0.9
    assert scenes.kept_share(scene.subject, crop_for("centre", scene)) < 0.9  # the case exists


def test_entropy_finds_the_detailed_region():
    scene = scenes.scene("plain", "textured", (2000, 1000), 0.8, seed=5)
    assert scenes.kept_share(scene.subject, crop_for("entropy", scene)) >= 0.9


def test_focal_point_centres_the_crop_as_far_as_the_box_allows():
    scene = scenes.scene("plain", "textured", (1600, 900), 0.5, seed=1)
    box = crop_for("focal", scene, focal=(0.4, 0.5))
    assert (box[0] + box[2]) / 2 == pytest.approx(0.4 * 1600, abs=1)
    box = crop_for("focal", scene, focal=(0.01, 0.5))  # as far as the box allows
    assert box[0] == 0
    fallback = scenes.scene("plain", "skin", (1600, 900), 0.85, seed=2)
    assert scenes.kept_share(fallback.subject, crop_for("focal", fallback, focal=None)) >= 0.9  # attention


def test_the_crop_box_is_reported_and_applied_exactly():
    scene = scenes.scene("gradient", "textured", (1601, 901), 0.8, seed=9)
    data = samples.encode(scene.image, "PNG")
    specs = parse_variants(
        {"sq": {"width": 256, "height": 256, "fit": "cover", "format": "png", "gravity": "attention"}}
    )
    (variant,) = render(data, specs).variants
    assert variant.crop is not None and variant.facts()["crop"] == list(variant.crop)
    assert scenes.kept_share(scene.subject, variant.crop) >= 0.9
    reference = scene.image.resize((256, 256), Image.Resampling.LANCZOS, box=variant.crop)
    ours = Image.open(io.BytesIO(variant.data)).convert("RGB")
    mse = sum(ImageStat.Stat(ImageChops.difference(ours, reference)).sum2) / (3 * 256 * 256)
    assert 10 * math.log10(255**2 / max(mse, 1e-9)) > 40


def test_a_corner_crop_is_not_taken_for_the_whole_frame():
    spec = parse_variants({"v": {"width": 100, "height": 100, "fit": "cover", "gravity": "northwest"}})[0]
    placement = place(spec, 800, 600, (0.0, 0.0))
    assert placement.box[:2] == (0.0, 0.0) and not placement.is_full_frame


def test_gravity_is_validated_and_hashed():
    with pytest.raises(ConfigurationError, match="gravity"):
        parse_variants({"v": {"width": 10, "height": 10, "gravity": "faces"}})
    (centre,) = parse_variants({"v": {"width": 10, "height": 10, "fit": "cover"}})
    (attention,) = parse_variants({"v": {"width": 10, "height": 10, "fit": "cover", "gravity": "attention"}})
    assert centre.gravity == "centre" and centre.settings_hash != attention.settings_hash


def test_overrides_from_metadata_and_tags():
    specs = parse_variants(
        {"a": {"width": 10, "height": 10, "key": "a/{key}"}, "b": {"width": 20, "height": 20, "key": "b/{key}"}}
    )
    overrides = from_object({"focal-point": "0.31,0.42", "variants": "b"}, {}, specs)
    assert overrides.focal == (0.31, 0.42) and [s.name for s in selected(specs, overrides)] == ["b"]
    assert from_object({}, {"focal-point": "0.5,0.5"}, specs).focal == (0.5, 0.5)
    assert from_object({"resize": "skip"}, {}, specs).skip
    assert selected(specs, Overrides()) == specs


@pytest.mark.parametrize(
    ("metadata", "field"),
    [
        ({"focal-point": "1.5,0.2"}, "focal-point"),
        ({"focal-point": "left"}, "focal-point"),
        ({"variants": "huge"}, "variants"),
        ({"variants": ""}, "variants"),
        ({"resize": "maybe"}, "resize"),
    ],
)
def test_invalid_overrides_name_the_field(metadata, field):
    specs = parse_variants({"a": {"width": 10, "height": 10}})
    with pytest.raises(InvalidRequestError, match=f"x-amz-meta-{field}"):
        from_object(metadata, {}, specs)
    if field == "focal-point":
        with pytest.raises(InvalidRequestError):
            parse_focal_point(metadata[field])


def test_attention_keeps_the_subject_on_a_fixed_sample_of_the_evaluation_sets_test_half():
    """Every fifth scene of the test half of pipeline_dev.crop_scenes (never tuned on; benchmarks/bench_crop.py
    runs both halves whole): the bar of issue 33 is 95% of scenes keeping at least 90% of their subject."""
    from pipeline_dev import crop_scenes

    sample = crop_scenes.evaluation_set(half="test", every=5)
    assert len(sample) == 24 and {s.half for s in sample} == {"test"}
    missed = []
    for labelled in sample:
        width, height = crop_scenes.CROPS[labelled.crop]
        spec = parse_variants({"v": {"width": width, "height": height, "fit": "cover", "gravity": "attention"}})[0]
        w, h = labelled.scene.image.size
        left, top, right, bottom = place(spec, w, h).box
        window = ((right - left) / w, (bottom - top) / h)
        box = place(spec, w, h, anchor_for("attention", small_rendering(labelled.scene.image), window, None)).box
        if scenes.kept_share(labelled.scene.subject, box) < 0.9:
            missed.append(labelled.scene.name)
    assert len(missed) <= len(sample) * 0.05, missed


def test_the_decision_says_why_the_crop_moved():
    from image_resizer.imaging.crop import decide

    scene = scenes.scene("busy", "skin", (1600, 900), 0.85, seed=3)
    decision = decide("attention", small_rendering(scene.image), (900 / 1600, 1.0), None)
    assert decision.score is not None and decision.centre_score is not None
    assert 0 <= decision.centre_score < decision.score <= 1  # the face is off centre: the chosen box holds more
    assert decide("centre", None, (0.5, 1.0), None).score is None


def test_the_frames_outermost_pixels_are_not_taken_for_detail():
    """Pillow's 3x3 filters leave the outermost pixels unfiltered: on a skin-toned gradient, the top row once
    outscored a face low in the frame and pulled a 16:9 crop of a square picture up, half off the face."""
    from pipeline_dev import crop_scenes

    labelled = crop_scenes.labelled(95, "dev")
    assert labelled.scene.name == "095-skin-gradient-face-1500x1500-16:9"
    spec = parse_variants({"v": {"width": 320, "height": 180, "fit": "cover", "gravity": "attention"}})[0]
    box = place(spec, 1500, 1500, anchor_for("attention", small_rendering(labelled.scene.image), (1.0, 0.5625), None))
    assert scenes.kept_share(labelled.scene.subject, box.box) >= 0.9
