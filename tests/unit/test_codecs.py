"""The fallbacks of imaging/codecs that other test files do not already cover: where Pillow's private layout is
not what jpeg_scale expects, it declines 3/8 and Pillow's public draft() decides, with Pillow's own pixels."""

from __future__ import annotations

import io

from image_resizer.imaging.codecs import jpeg_scale
from PIL import Image, ImageChops, ImageFile


def _jpeg(size: tuple[int, int]) -> bytes:
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def test_a_single_jpeg_tile_is_decoded_at_three_eighths():
    with Image.open(io.BytesIO(_jpeg((1600, 1200)))) as image:
        assert jpeg_scale.draft(image, (500, 400)) == 3 / 8
        assert image.size == (600, 450)
        image.load()


def test_a_tile_layout_it_does_not_know_is_left_to_pillow_which_then_decodes_in_full():
    data = _jpeg((1600, 1200))
    with Image.open(io.BytesIO(data)) as expected:
        expected.load()
    with Image.open(io.BytesIO(data)) as image:
        assert isinstance(image, ImageFile.ImageFile)
        tile = image.tile
        image.tile = [*tile, *tile]  # as a future Pillow might split it: not the layout 3/8 rewrites
        assert jpeg_scale.draft(image, (500, 400)) == 1.0  # Pillow's own draft() declines it too
        image.tile = tile
        image.load()
        assert image.size == (1600, 1200)
        assert ImageChops.difference(image, expected).getbbox() is None
