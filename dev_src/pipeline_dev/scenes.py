"""Labelled scenes for the smart-crop tests and benchmark: a subject of known box on a background.

Backgrounds: plain, gradient, noisy (fine noise) and busy (many large shapes); subjects: textured (fine
detail, saturated) or skin-coloured (a face-like oval with features). Deterministic for a seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

from PIL import Image, ImageDraw

BACKGROUNDS: Final = ("plain", "gradient", "noisy", "busy")
SUBJECTS: Final = ("textured", "skin")
SKIN: Final = (224, 172, 140)


@dataclass(frozen=True)
class Scene:
    image: Image.Image
    subject: tuple[int, int, int, int]  # left, top, right, bottom
    name: str


def _background(kind: str, size: tuple[int, int], rng: random.Random) -> Image.Image:
    width, height = size
    if kind == "plain":
        return Image.new("RGB", size, (205, 210, 215))
    if kind == "gradient":
        strip = Image.linear_gradient("L").resize((1, 256)).resize(size)
        return Image.merge("RGB", (strip, strip.point(lambda v: 80 + v // 2), Image.new("L", size, 190)))
    if kind == "noisy":
        noise = Image.effect_noise(size, 18).point(lambda v: 100 + v // 4)
        return Image.merge("RGB", (noise, noise, noise))
    image = Image.new("RGB", size, (120, 130, 125))
    draw = ImageDraw.Draw(image)
    for _ in range(30):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(min(size) // 10, min(size) // 4)
        tone = rng.randrange(90, 170)
        draw.rectangle((x - r, y - r, x + r, y + r), fill=(tone, tone + 5, tone - 5))
    return image


def _subject(kind: str, size: tuple[int, int], rng: random.Random) -> Image.Image:
    width, height = size
    if kind == "skin":
        face = Image.new("RGB", size, (0, 0, 0))
        draw = ImageDraw.Draw(face)
        draw.ellipse((0, 0, width - 1, height - 1), fill=SKIN)
        for fx in (0.33, 0.67):  # eyes
            draw.ellipse(
                (fx * width - width * 0.07, height * 0.35, fx * width + width * 0.07, height * 0.45), fill=(60, 40, 30)
            )
        draw.arc(
            (width * 0.3, height * 0.55, width * 0.7, height * 0.8),
            20,
            160,
            fill=(150, 60, 60),
            width=max(1, width // 30),
        )
        return face
    tile = Image.frombytes("RGB", (16, 16), rng.randbytes(16 * 16 * 3))
    textured = tile.resize(size, Image.Resampling.NEAREST)
    draw = ImageDraw.Draw(textured)
    for _ in range(12):
        x = rng.randrange(width)
        draw.line((x, 0, width - x, height), fill=(rng.randrange(256), 30, 200), width=2)
    return textured


def scene(background: str, subject: str, size: tuple[int, int], position: float, seed: int = 0) -> Scene:
    """A subject a third of the short side high-ish, its centre at ``position`` (0..1) along the long axis."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test pictures
    image = _background(background, size, rng)
    width, height = size
    side = int(min(size) * 0.45)
    box_w, box_h = (side, int(side * 1.2)) if subject == "skin" else (side, side)
    box_h = min(box_h, height - 2)
    if width >= height:
        cx, cy = int(position * width), height // 2
    else:
        cx, cy = width // 2, int(position * height)
    left = min(max(cx - box_w // 2, 0), width - box_w)
    top = min(max(cy - box_h // 2, 0), height - box_h)
    patch = _subject(subject, (box_w, box_h), rng)
    mask = Image.new("L", (box_w, box_h), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, box_w - 1, box_h - 1), fill=255) if subject == "skin" else mask.paste(
        255, (0, 0, box_w, box_h)
    )
    image.paste(patch, (left, top), mask)
    return Scene(
        image, (left, top, left + box_w, top + box_h), f"{background}-{subject}-{size[0]}x{size[1]}-{position:.2f}"
    )


def labelled_set(count: int = 48) -> list[Scene]:
    """Every background x subject, at positions toward the edges and aspect ratios wide and tall."""
    sizes = [(1200, 800), (1600, 900), (800, 1200), (2000, 1000)]
    positions = [0.18, 0.3, 0.72, 0.85]
    scenes: list[Scene] = []
    index = 0
    while len(scenes) < count:
        background = BACKGROUNDS[index % len(BACKGROUNDS)]
        subject = SUBJECTS[(index // len(BACKGROUNDS)) % len(SUBJECTS)]
        size = sizes[(index // 8) % len(sizes)]
        position = positions[(index * 3 + index // 4) % len(positions)]
        scenes.append(scene(background, subject, size, position, seed=index))
        index += 1
    return scenes


def kept_share(subject: tuple[int, int, int, int], crop: tuple[float, float, float, float]) -> float:
    """The share of the subject's box inside the crop."""
    left, top = max(subject[0], crop[0]), max(subject[1], crop[1])
    right, bottom = min(subject[2], crop[2]), min(subject[3], crop[3])
    inside = max(0.0, right - left) * max(0.0, bottom - top)
    return inside / ((subject[2] - subject[0]) * (subject[3] - subject[1]))
