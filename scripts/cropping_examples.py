"""docs/cropping.md's before/after pictures, from the project's own labelled scenes (pipeline_dev.scenes):
each shows the source with the centre crop (red) and the attention crop (green), then both square crops.

    python scripts/cropping_examples.py   # writes docs/cropping/*.png
"""

from __future__ import annotations

import io
from pathlib import Path

from image_resizer.imaging.render import render
from image_resizer.variants import parse_variants
from PIL import Image, ImageDraw
from pipeline_dev import samples, scenes

OUT = Path(__file__).resolve().parent.parent / "docs" / "cropping"
EXAMPLES = [
    ("busy", "skin", (1600, 900), 0.82, 4),
    ("gradient", "textured", (1200, 800), 0.2, 7),
    ("noisy", "skin", (800, 1200), 0.8, 2),
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for background, subject, size, position, seed in EXAMPLES:
        scene = scenes.scene(background, subject, size, position, seed=seed)
        data = samples.encode(scene.image, "PNG")
        specs = parse_variants(
            {
                gravity: {
                    "width": 200,
                    "height": 200,
                    "fit": "cover",
                    "gravity": gravity,
                    "format": "png",
                    "key": f"{gravity}/{{dir}}{{stem}}.{{ext}}",
                }
                for gravity in ("centre", "attention")
            }
        )
        variants = render(data, specs).variants
        preview = scene.image.copy()
        preview.thumbnail((360, 360))
        scale = preview.width / scene.image.width
        draw = ImageDraw.Draw(preview)
        for variant, colour in zip(variants, ((220, 30, 30), (30, 200, 60)), strict=True):
            assert variant.crop is not None
            draw.rectangle([round(v * scale) for v in variant.crop], outline=colour, width=3)
        sheet = Image.new("RGB", (preview.width + 2 * 210 + 10, max(preview.height, 200)), (255, 255, 255))
        sheet.paste(preview, (0, 0))
        for index, variant in enumerate(variants):
            sheet.paste(Image.open(io.BytesIO(variant.data)).convert("RGB"), (preview.width + 10 + index * 210, 0))
        path = OUT / f"{background}-{subject}.png"
        sheet.save(path, optimize=True)
        print(path)


if __name__ == "__main__":
    main()
