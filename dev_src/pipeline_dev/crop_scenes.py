"""The smart-crop evaluation set (issue 33): 240 labelled scenes of our own design, split once into a
development half (tune on it) and a test half (report on it; never tune on it).

A scene is a subject of known box on a background, and a crop shape. Subjects: a face (skin oval with eyes and a
mouth), a textured patch, a saturated striped patch, a flower, a neutral product with strong outlines; 8 to 25%
of the short side. Backgrounds: plain, gradient, noisy, busy neutral blocks, busy stripes over the whole frame,
a smooth skin-toned gradient, and photographs' textures (foliage, sky with clouds, sand). Positions anywhere,
edges and corners included; aspect ratios from 3:1 to 1:3; crops square, 16:9 and 9:16. The half of a scene is
decided by the order of a digest of its index (120 each), so neither half leans on one background or subject.
Deterministic.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from typing import Final

from PIL import Image, ImageDraw, ImageFilter

from pipeline_dev.scenes import Scene

BACKGROUNDS: Final = ("plain", "gradient", "noisy", "busy", "stripes", "skin-gradient", "foliage", "sky", "sand")
SUBJECTS: Final = ("face", "textured", "striped", "flower", "product")
ASPECTS: Final = ((3, 1), (2, 1), (16, 9), (3, 2), (1, 1), (2, 3), (9, 16), (1, 2), (1, 3))
CROPS: Final = {"square": (256, 256), "16:9": (320, 180), "9:16": (180, 320)}
LONG_SIDE: Final = 1500
POSITIONS: Final = (0.06, 0.2, 0.35, 0.5, 0.65, 0.8, 0.94)
SKIN: Final = (224, 172, 140)


@dataclass(frozen=True)
class LabelledScene:
    scene: Scene
    crop: str  # a key of CROPS
    half: str  # "dev" or "test"

    @property
    def crop_size(self) -> tuple[int, int]:
        return CROPS[self.crop]


def _noise(size: tuple[int, int], rng: random.Random, scale: int, sigma: float = 60.0) -> Image.Image:
    """Smooth noise: random values on a coarse grid, enlarged smoothly (a texture at ``scale`` pixels)."""
    coarse = (max(2, size[0] // scale), max(2, size[1] // scale))
    return Image.frombytes("L", coarse, rng.randbytes(coarse[0] * coarse[1])).resize(size, Image.Resampling.BICUBIC)


def _tinted(grey: Image.Image, dark: tuple[int, int, int], light: tuple[int, int, int]) -> Image.Image:
    bands = [grey.point(lambda v, a=a, b=b: a + (b - a) * v // 255) for a, b in zip(dark, light, strict=True)]
    return Image.merge("RGB", bands)


def background(kind: str, size: tuple[int, int], rng: random.Random) -> Image.Image:
    width, height = size
    if kind == "plain":
        tone = rng.randrange(150, 235)
        return Image.new("RGB", size, (tone, tone + rng.randrange(-8, 8), tone + rng.randrange(-8, 8)))
    if kind == "gradient":
        ramp = Image.linear_gradient("L").rotate(rng.choice((0, 90, 180, 270))).resize(size)
        return _tinted(ramp, (60, 90, 140), (200, 215, 230))
    if kind == "skin-gradient":
        ramp = Image.linear_gradient("L").rotate(rng.choice((0, 90, 180, 270))).resize(size)
        return _tinted(ramp, (170, 120, 95), (240, 200, 175))
    if kind == "noisy":
        fine = Image.effect_noise(size, 24).point(lambda v: 90 + v // 3)
        return Image.merge("RGB", (fine, fine, fine))
    if kind == "stripes":
        image = Image.new("RGB", size, (240, 240, 235))
        draw = ImageDraw.Draw(image)
        period = rng.randrange(12, 40)
        colour = rng.choice(((30, 30, 30), (200, 40, 40), (30, 60, 170)))
        vertical = rng.random() < 0.5
        for offset in range(0, width if vertical else height, period):
            box = (offset, 0, offset + period // 2, height) if vertical else (0, offset, width, offset + period // 2)
            draw.rectangle(box, fill=colour)
        return image
    if kind == "foliage":
        texture = Image.blend(_noise(size, rng, 6), _noise(size, rng, 40), 0.4)
        return _tinted(texture, (20, 50, 15), (120, 170, 70))
    if kind == "sky":
        ramp = Image.linear_gradient("L").resize(size)
        clouds = _noise(size, rng, 120).filter(ImageFilter.GaussianBlur(20)).point(lambda v: max(0, v - 120) * 2)
        sky = _tinted(ramp, (70, 130, 210), (170, 205, 240))
        return Image.composite(Image.new("RGB", size, (245, 245, 250)), sky, clouds)
    if kind == "sand":
        texture = Image.blend(Image.effect_noise(size, 40).point(lambda v: v), _noise(size, rng, 80), 0.6)
        return _tinted(texture, (170, 140, 100), (230, 205, 160))
    image = Image.new("RGB", size, (120, 130, 125))  # busy: neutral blocks of many sizes
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(min(size) // 20, min(size) // 5)
        tone = rng.randrange(60, 200)
        draw.rectangle((x - r, y - r, x + r, y + r // 2), fill=(tone, tone + 4, tone - 4), outline=(20, 20, 20))
    return image


def subject(kind: str, size: tuple[int, int], rng: random.Random) -> tuple[Image.Image, Image.Image]:
    """The subject's pixels and its mask (what of its box it covers)."""
    width, height = size
    image = Image.new("RGB", size, (0, 0, 0))
    mask = Image.new("L", size, 0)
    draw, outline = ImageDraw.Draw(image), ImageDraw.Draw(mask)
    if kind == "face":
        outline.ellipse((0, 0, width - 1, height - 1), fill=255)
        draw.ellipse((0, 0, width - 1, height - 1), fill=SKIN)
        for fx in (0.33, 0.67):
            draw.ellipse(
                (fx * width - width * 0.08, height * 0.33, fx * width + width * 0.08, height * 0.45), fill=(50, 35, 25)
            )
        draw.arc(
            (width * 0.3, height * 0.55, width * 0.7, height * 0.8),
            20,
            160,
            fill=(150, 50, 50),
            width=max(2, width // 20),
        )
        draw.rectangle((width * 0.1, 0, width * 0.9, height * 0.12), fill=(60, 40, 25))  # hair
    elif kind == "textured":
        mask.paste(255, (0, 0, width, height))
        tile = Image.frombytes("RGB", (12, 12), rng.randbytes(12 * 12 * 3))
        image.paste(tile.resize(size, Image.Resampling.NEAREST))
    elif kind == "striped":
        mask.paste(255, (0, 0, width, height))
        colours = [(230, 30, 40), (250, 210, 20), (20, 150, 60), (30, 80, 220)]
        band = max(2, width // 8)
        for i, x in enumerate(range(0, width, band)):
            draw.rectangle((x, 0, x + band, height), fill=colours[i % len(colours)])
    elif kind == "flower":
        petals = rng.choice(((230, 40, 90), (250, 200, 30), (160, 60, 200)))
        for angle in range(0, 360, 45):
            cx = width / 2 + math.cos(math.radians(angle)) * width * 0.28
            cy = height / 2 + math.sin(math.radians(angle)) * height * 0.28
            box = (cx - width * 0.2, cy - height * 0.2, cx + width * 0.2, cy + height * 0.2)
            draw.ellipse(box, fill=petals)
            outline.ellipse(box, fill=255)
        centre = (width * 0.35, height * 0.35, width * 0.65, height * 0.65)
        draw.ellipse(centre, fill=(120, 70, 20))
        outline.ellipse(centre, fill=255)
    else:  # product: a light object with dark outlines and a label
        body = (width * 0.15, height * 0.1, width * 0.85, height * 0.95)
        draw.rounded_rectangle(
            body, radius=width // 10, fill=(235, 235, 230), outline=(25, 25, 25), width=max(2, width // 25)
        )
        outline.rounded_rectangle(body, radius=width // 10, fill=255)
        for row in range(3):
            y = height * (0.4 + row * 0.12)
            draw.line((width * 0.3, y, width * 0.7, y), fill=(30, 30, 30), width=max(1, height // 40))
    return image, mask


COUNT: Final = 240


def halves(count: int = COUNT) -> dict[int, str]:
    """Each index's half: equal halves, by the order of a digest of each index, so that no background or
    subject leans one way."""
    order = sorted(range(count), key=lambda i: hashlib.sha256(f"half-{i}".encode()).digest())
    return {i: "dev" if rank < count // 2 else "test" for rank, i in enumerate(order)}


def labelled(index: int, half: str) -> LabelledScene:
    rng = random.Random(f"crop-scene-{index}")  # noqa: S311 - reproducible test pictures
    kind = BACKGROUNDS[index % len(BACKGROUNDS)]
    subject_kind = SUBJECTS[(index // len(BACKGROUNDS)) % len(SUBJECTS)]
    aspect = ASPECTS[rng.randrange(len(ASPECTS))]
    crop = rng.choice(sorted(CROPS))
    scale = LONG_SIDE / max(aspect)
    size = (round(aspect[0] * scale), round(aspect[1] * scale))
    image = background(kind, size, rng)
    side = round(min(size) * rng.uniform(0.08, 0.25))
    box_size = (side, round(side * 1.2)) if subject_kind in ("face", "product") else (side, side)
    box_size = (box_size[0], min(box_size[1], size[1] - 2))
    px, py = rng.choice(POSITIONS), rng.choice(POSITIONS)
    left = min(max(round(px * size[0] - box_size[0] / 2), 0), size[0] - box_size[0])
    top = min(max(round(py * size[1] - box_size[1] / 2), 0), size[1] - box_size[1])
    pixels, mask = subject(subject_kind, box_size, rng)
    image.paste(pixels, (left, top), mask)
    name = f"{index:03d}-{kind}-{subject_kind}-{size[0]}x{size[1]}-{crop}"
    box = (left, top, left + box_size[0], top + box_size[1])
    return LabelledScene(Scene(image, box, name), crop, half)


def evaluation_set(count: int = COUNT, half: str | None = None, every: int = 1) -> list[LabelledScene]:
    """The scenes (of one half, when given; every ``every``-th of them)."""
    chosen = [i for i, h in sorted(halves(count).items()) if half in (None, h)][::every]
    split = halves(count)
    return [labelled(i, split[i]) for i in chosen]
