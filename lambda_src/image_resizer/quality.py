"""quality "auto" and format "best": the fewest bytes that still meet a perceptual target.

JPEG and AVIF are searched at full chroma (4:4:4): what 4:2:0 throws away caps the score of detailed colour
(a grainy 240x160 picture topped out at 73 at JPEG quality 100), and at a target of 80 4:4:4 took no more
JPEG bytes on the bench photos (-15%..+7% per image, measured while choosing). WebP (VP8) has only 4:2:0: where
that caps it, the search reaches the top of the range and the format loses on bytes.

Each candidate format is searched for the lowest encoder quality whose output scores at least the target
(SSIMULACRA 2, against the variant's own pixels before encoding). The search starts from a seed (per format,
moved by the target and by the image's own edge density), steps by the measured distance to the target, then
interpolates inside the bracket; at most `MAX_ENCODES` encodes per format. With several formats, a format is
dropped as soon as one of its encodes is both below the target and no smaller than the best output so far
(a higher quality only adds bytes), so the losers cost one or two encodes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from typing import Final

from PIL import Image, ImageFilter, ImageStat, features

from image_resizer.encode import Encoding, OutputFormat, encode, flatten

MAX_ENCODES: Final = 6
_QUALITY_RANGE: Final = (20, 100)
# The quality that meets a target of 80 on a typical photograph, and how many quality steps one point of score
# costs near there (measured on ../shared/bench and the corpus photos at 200 and 800 px).
_SEED_AT_80: Final[dict[OutputFormat, int]] = {"jpeg": 84, "webp": 86, "avif": 71}
_STEPS_PER_POINT: Final[dict[OutputFormat, float]] = {"jpeg": 2.0, "webp": 1.5, "avif": 2.0}
# Mean edge magnitude (FIND_EDGES on luma) of that typical photograph; busier images need a little more
# quality at the same score, flat ones a little less.
_TYPICAL_EDGES: Final = 20.0
_EDGE_STEPS: Final = 0.25
# An image with at most this many colours, or visible alpha, is a graphic: lossless candidates join in.
_GRAPHIC_COLOURS: Final = 256


def lossy_candidates(has_alpha: bool) -> tuple[OutputFormat, ...]:
    """What format "best" may write: AVIF where this Pillow can encode it, WebP, and JPEG unless there is alpha."""
    formats: list[OutputFormat] = ["avif"] if features.check("avif") else []
    formats.append("webp")
    if not has_alpha:
        formats.append("jpeg")
    return tuple(formats)


def is_graphic(image: Image.Image, has_alpha: bool) -> bool:
    return has_alpha or image.getcolors(_GRAPHIC_COLOURS) is not None


def search(
    image: Image.Image,
    formats: Sequence[OutputFormat],
    target: float,
    icc_profile: bytes | None = None,
    lossless: Sequence[OutputFormat] = (),
) -> Encoding:
    """The smallest encoding among ``formats`` (searched for quality) and ``lossless`` (png, webp) that scores at
    least ``target``; when none does, the one that scores highest."""
    from image_resizer.ssimulacra2 import Reference  # NumPy: only when a variant asks for quality "auto"

    references: dict[bool, Reference] = {}

    def score(data: bytes, flattened: bool) -> float:
        if flattened not in references:
            references[flattened] = Reference(flatten(image) if flattened else image)
        with Image.open(io.BytesIO(data)) as decoded:
            return references[flattened].score(decoded.convert(image.mode if not flattened else "RGB"))

    edges = _edge_density(image)
    found: list[Encoding] = []
    for output_format in lossless:
        data = encode(image, output_format, 100, icc_profile, lossless=True)
        found.append(Encoding(data, output_format, None, 100.0, lossless=True))
    for output_format in formats:
        flattened = output_format == "jpeg" and image.mode in ("RGBA", "LA")

        def trial(quality: int, output_format: OutputFormat = output_format, flattened: bool = flattened) -> Encoding:
            data = encode(image, output_format, quality, icc_profile, full_chroma=True)
            return Encoding(data, output_format, quality, score(data, flattened))

        best = _smallest_passing(found, target)
        found.extend(_search_one(trial, output_format, target, edges, len(best.data) if best else None))
    chosen = _smallest_passing(found, target) or max(found, key=_score_of)
    if chosen.format == "jpeg" and not chosen.lossless and chosen.quality is not None:
        # Progressive scans code the same pixels in fewer bytes (two to four times the encode time, once).
        progressive = encode(image, "jpeg", chosen.quality, icc_profile, progressive=True, full_chroma=True)
        if len(progressive) < len(chosen.data):
            chosen = Encoding(progressive, "jpeg", chosen.quality, chosen.score)
    return chosen


def seed(output_format: OutputFormat, target: float, edges: float) -> int:
    steps = _STEPS_PER_POINT[output_format]
    guess = _SEED_AT_80[output_format] + steps * (target - 80) + _EDGE_STEPS * (edges - _TYPICAL_EDGES)
    return _clamp(round(guess))


def _search_one(
    trial: Callable[[int], Encoding], output_format: OutputFormat, target: float, edges: float, to_beat: int | None
) -> list[Encoding]:
    """Trials of one format, ending when the lowest passing quality is bracketed to one step, when the range
    ends, when the format cannot beat ``to_beat`` bytes, or after MAX_ENCODES."""
    steps = _STEPS_PER_POINT[output_format]
    tried: dict[int, Encoding] = {}
    quality = seed(output_format, target, edges)
    while len(tried) < MAX_ENCODES and quality not in tried:
        result = tried[quality] = trial(quality)
        if to_beat is not None and _score_of(result) < target and len(result.data) >= to_beat:
            break  # more quality means more bytes: this format has lost
        passing = [q for q, e in tried.items() if _score_of(e) >= target]
        failing = [q for q, e in tried.items() if _score_of(e) < target]
        high = min(passing, default=None)
        low = max(failing, default=None)
        if high is not None and low is not None:
            if high - low <= 1:
                break
            s_low, s_high = _score_of(tried[low]), _score_of(tried[high])
            fraction = (target - s_low) / (s_high - s_low) if s_high > s_low else 0.5
            quality = min(high - 1, max(low + 1, math.ceil(low + fraction * (high - low))))
        elif high is not None:  # everything passed so far: step down by the surplus
            quality = _clamp(high - max(1, math.floor((_score_of(result) - target) * steps)))
        else:  # everything failed so far: step up by the shortfall, a little past it
            assert low is not None
            quality = _clamp(low + max(2, math.ceil((target - _score_of(result)) * steps) + 1))
    return list(tried.values())


def _score_of(encoding: Encoding) -> float:
    assert encoding.score is not None  # every encoding of the search is scored
    return encoding.score


def _smallest_passing(found: Sequence[Encoding], target: float) -> Encoding | None:
    passing = [e for e in found if _score_of(e) >= target]
    return min(passing, key=lambda e: len(e.data)) if passing else None


def _edge_density(image: Image.Image) -> float:
    return float(ImageStat.Stat(image.convert("L").filter(ImageFilter.FIND_EDGES)).mean[0])


def _clamp(quality: int) -> int:
    low, high = _QUALITY_RANGE
    return min(high, max(low, quality))
