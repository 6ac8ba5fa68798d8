"""Per-upload control through the handler, against moto's S3: focal points from metadata or tags, a subset of
variants, opting out; the crop box in the result and the variant's metadata."""

from __future__ import annotations

import json

import pytest
from image_resizer import handler
from image_resizer.aws.storage import ObjectStore
from image_resizer.cli import main
from image_resizer.errors import InvalidRequestError
from pipeline_dev import samples, scenes

from tests.functional.conftest import RESIZED, SOURCE

VARIANTS = {
    "square": {"width": 200, "height": 200, "fit": "cover", "gravity": "focal", "key": "square/{key}"},
    "thumb": {"width": 200, "height": 200, "key": "thumb/{key}"},
}
PHOTO = samples.encode(scenes.scene("busy", "skin", (1600, 900), 0.8, seed=4).image, "JPEG")


@pytest.fixture
def focal_variants(s3, monkeypatch):
    monkeypatch.setenv("VARIANTS", json.dumps(VARIANTS))
    handler.reset(ObjectStore(s3))


def test_a_focal_point_in_metadata_places_the_crop(s3, invoke, focal_variants):
    s3.put_object(Bucket=SOURCE, Key="p.jpg", Body=PHOTO, Metadata={"focal-point": "0.4,0.5"})
    result = invoke({"bucket": SOURCE, "key": "p.jpg"})
    square = next(o for o in result["outputs"] if o["variant"] == "square")
    assert square["crop"] == [190, 0, 1090, 900]  # centred on x = 640 of 1600
    assert s3.head_object(Bucket=RESIZED, Key="square/p.jpg")["Metadata"]["crop"] == "190,0,1090,900"


def test_a_focal_point_tag_works_too_and_a_new_one_rerenders(s3, invoke, focal_variants):
    s3.put_object(Bucket=SOURCE, Key="t.jpg", Body=PHOTO, Tagging="focal-point=0.45%200.5")  # no commas in tags
    first = invoke({"bucket": SOURCE, "key": "t.jpg"})
    assert next(o for o in first["outputs"] if o["variant"] == "square")["crop"] == [270, 0, 1170, 900]
    s3.put_object_tagging(Bucket=SOURCE, Key="t.jpg", Tagging={"TagSet": [{"Key": "focal-point", "Value": "0.6:0.5"}]})
    second = invoke({"bucket": SOURCE, "key": "t.jpg"})  # same bytes, same ETag: the focal point still counts
    assert second["skipped"] is False
    assert next(o for o in second["outputs"] if o["variant"] == "square")["crop"] == [510, 0, 1410, 900]


def test_without_a_focal_point_focal_falls_back_to_attention(s3, invoke, focal_variants):
    s3.put_object(Bucket=SOURCE, Key="a.jpg", Body=PHOTO)
    result = invoke({"bucket": SOURCE, "key": "a.jpg"})
    crop = next(o for o in result["outputs"] if o["variant"] == "square")["crop"]
    subject = scenes.scene("busy", "skin", (1600, 900), 0.8, seed=4).subject
    assert scenes.kept_share(subject, crop) >= 0.9


def test_an_upload_may_name_its_variants_or_opt_out(s3, invoke, focal_variants):
    s3.put_object(Bucket=SOURCE, Key="only.jpg", Body=PHOTO, Metadata={"variants": "thumb"})
    result = invoke({"bucket": SOURCE, "key": "only.jpg"})
    assert [o["variant"] for o in result["outputs"]] == ["thumb"]
    s3.put_object(Bucket=SOURCE, Key="skip.jpg", Body=PHOTO, Metadata={"resize": "skip"})
    skipped = invoke({"bucket": SOURCE, "key": "skip.jpg"})
    assert skipped["skipped"] is True and skipped["reason"] == "x-amz-meta-resize: skip" and skipped["outputs"] == []
    assert "Contents" not in s3.list_objects_v2(Bucket=RESIZED, Prefix="thumb/skip")


@pytest.mark.parametrize("metadata", [{"variants": "thumb,huge"}, {"focal-point": "2,2"}, {"resize": "later"}])
def test_invalid_controls_are_invalid_requests_naming_the_field(s3, invoke, focal_variants, metadata):
    s3.put_object(Bucket=SOURCE, Key="bad.jpg", Body=PHOTO, Metadata=metadata)
    with pytest.raises(InvalidRequestError, match=f"x-amz-meta-{next(iter(metadata))}"):
        invoke({"bucket": SOURCE, "key": "bad.jpg"})


def test_the_cli_takes_the_same_controls(tmp_path, capsys):
    source = tmp_path / "p.jpg"
    source.write_bytes(PHOTO)
    variants = json.dumps(VARIANTS)
    out = tmp_path / "out"
    assert (
        main(
            [
                "resize",
                "--out",
                str(out),
                "--variants",
                variants,
                "--focal-point",
                "0.4,0.5",
                "--only",
                "square",
                str(source),
            ]
        )
        == 0
    )
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(o["variant"], o["crop"]) for o in line["outputs"]] == [("square", [190, 0, 1090, 900])]
    assert main(["resize", "--out", str(out), "--variants", variants, "--only", "huge", str(source)]) == 2
    assert "--only" in capsys.readouterr().err
    assert main(["resize", "--out", str(out), "--focal-point", "left", str(source)]) == 2
