import pytest
from image_resizer.imaging.geometry import place, required_source_size
from image_resizer.variants import parse_variant


def spec(width, height, fit="inside"):
    return parse_variant("v", {"width": width, "height": height, "fit": fit})


@pytest.mark.parametrize(
    ("box", "source", "size"),
    [
        ((200, 200), (4000, 3000), (200, 150)),
        ((200, 200), (3000, 4000), (150, 200)),
        ((200, 200), (100, 50), (100, 50)),  # never upscale
        ((200, 200), (1, 1), (1, 1)),
        ((200, 200), (10000, 1), (200, 1)),  # never collapses to zero
        ((1600, 1600), (1601, 1), (1600, 1)),
    ],
)
def test_inside_keeps_aspect_within_the_box(box, source, size):
    placement = place(spec(*box), *source)
    assert (placement.width, placement.height) == size
    assert placement.is_full_frame


def test_cover_fills_the_box_and_crops_centred():
    placement = place(spec(200, 200, "cover"), 4000, 3000)
    assert (placement.width, placement.height) == (200, 200)
    assert placement.box == (500.0, 0.0, 3500.0, 3000.0)
    assert not placement.is_full_frame


def test_cover_of_a_small_source_crops_without_upscaling():
    placement = place(spec(200, 200, "cover"), 300, 100)
    assert (placement.width, placement.height) == (200, 100)
    assert placement.box == (50.0, 0.0, 250.0, 100.0)


def test_required_size_covers_the_largest_scale():
    placements = [place(spec(1600, 1600), 6000, 4000), place(spec(200, 200, "cover"), 6000, 4000)]
    # 1067 rows of 4000 is a slightly larger scale than 1600 of 6000: the decode must cover both axes.
    assert required_source_size(placements, 6000, 4000) == (1601, 1067)
