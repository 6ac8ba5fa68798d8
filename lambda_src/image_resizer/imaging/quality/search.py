"""quality "auto" and format "best": the fewest bytes that still meet a perceptual target.

JPEG is searched with N. Robidoux's quantisation tables at 4:2:0 (a median 0.92x the bytes of the standard
tables at 4:4:4 at an equal score); where 4:2:0 cannot reach the target at all (what it throws away caps the
score of detailed colour: a grainy 240x160 picture topped out at 73 at quality 100), or only at quality 88 or
more, again with the standard tables at 4:4:4, and the smaller kept. AVIF is searched at 4:4:4, for the same
reason. WebP (VP8) has only 4:2:0: where that caps it, the search reaches the top of the range and the format
loses on bytes.

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
from dataclasses import replace
from typing import Final

from PIL import Image, ImageFilter, ImageStat, features

from image_resizer.imaging.encode import Encoding, OutputFormat, Tuning, encode, flatten
from image_resizer.variants import DEFAULT_QUALITY

MAX_ENCODES: Final = 6
_UNJUDGED_QUALITY: Final = DEFAULT_QUALITY  # for images too small for the metric
_QUALITY_RANGE: Final = (20, 100)
# The quality that meets a target of 80 on a typical photograph, and how many quality steps one point of score
# costs near there (measured on ../shared/bench and the corpus photos at 200 and 800 px).
_SEED_AT_80: Final[dict[OutputFormat, int]] = {"jpeg": 84, "webp": 86, "avif": 71}
_STEPS_PER_POINT: Final[dict[OutputFormat, float]] = {"jpeg": 2.0, "webp": 1.5, "avif": 2.0}
_MAX_STEPS_PER_POINT: Final = 10.0
# A first trial this many points short of the target goes straight to the top of the range.
_FAR_BELOW: Final = 6.0
# A tuning that needs at least this quality is straining: the next one (JPEG's 4:4:4) is searched as well and
# the smaller kept. At 4:2:0 the highest qualities buy little score; small, detailed variants land there.
_STRAINED_QUALITY: Final = 88
# Mean edge magnitude (FIND_EDGES on luma) of that typical photograph; busier images need a little more
# quality at the same score, flat ones a little less.
_TYPICAL_EDGES: Final = 20.0
_EDGE_STEPS: Final = 0.25
# An image with at most this many colours, or visible alpha, is a graphic: lossless candidates join in.
_GRAPHIC_COLOURS: Final = 256
# The encoder settings each format is searched with, in order: a later one only when the one before could not
# reach the target at any quality.
TUNINGS: Final[dict[OutputFormat, tuple[Tuning, ...]]] = {
    "jpeg": (Tuning(perceptual_tables=True), Tuning(full_chroma=True)),
    # Speed 7 rather than the fixed-quality 8: 6-10% fewer bytes at an equal score for 1.6-1.9x the encode
    # time (three photos at 800 px, measured while choosing); speed 6 saves 8-13% for 2.9-3.7x.
    "avif": (Tuning(full_chroma=True, avif_speed=7),),
    "webp": (Tuning(),),
}


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
    least ``target``; when none does, the one that scores highest. An image under 8 px on a side has no scale
    the metric can judge: it is encoded at the fixed default quality, unscored."""
    from image_resizer.imaging.quality.ssimulacra2 import (  # NumPy: only when a variant asks for "auto"
        MIN_SIDE,
        Reference,
    )

    if min(image.size) < MIN_SIDE:
        output_format = (formats or lossless)[0]
        data = encode(image, output_format, _UNJUDGED_QUALITY, icc_profile, Tuning(lossless=not formats))
        return Encoding(data, output_format, None if not formats else _UNJUDGED_QUALITY)

    references: dict[bool, Reference] = {}

    def score(data: bytes, flattened: bool) -> float:
        if flattened not in references:
            references[flattened] = Reference(flatten(image) if flattened else image)
        with Image.open(io.BytesIO(data)) as decoded:
            return references[flattened].score(decoded.convert(image.mode if not flattened else "RGB"))

    edges = _edge_density(image)
    found: list[Encoding] = []
    for output_format in lossless:
        tuning = Tuning(lossless=True)
        data = encode(image, output_format, 100, icc_profile, tuning)
        found.append(Encoding(data, output_format, None, 100.0, tuning))
    for output_format in formats:
        flattened = output_format == "jpeg" and image.mode in ("RGBA", "LA")
        for tuning in TUNINGS[output_format]:

            def trial(
                quality: int, fmt: OutputFormat = output_format, tuning: Tuning = tuning, flat: bool = flattened
            ) -> Encoding:
                data = encode(image, fmt, quality, icc_profile, tuning)
                return Encoding(data, fmt, quality, score(data, flat), tuning)

            best = _smallest_passing(found, target)
            tried = _search_one(trial, output_format, target, edges, len(best.data) if best else None)
            found.extend(tried)
            capped = all(_score_of(e) < target for e in tried) and _QUALITY_RANGE[1] in {e.quality for e in tried}
            passing = [e.quality for e in tried if _score_of(e) >= target and e.quality is not None]
            strained = bool(passing) and min(passing) >= _STRAINED_QUALITY
            if not capped and not strained:
                break  # the next tuning is for targets this one reaches only near the top of its range, or not
    chosen = _smallest_passing(found, target) or max(found, key=_score_of)
    if chosen.format == "jpeg" and chosen.quality is not None:
        # Progressive scans code the same pixels in fewer bytes (two to four times the encode time, once).
        tuning = replace(chosen.tuning, progressive=True)
        progressive = encode(image, "jpeg", chosen.quality, icc_profile, tuning)
        if len(progressive) < len(chosen.data):
            chosen = replace(chosen, data=progressive, tuning=tuning)
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
            continue
        steps = _steps_per_point(tried, output_format)
        if high is not None:  # everything passed so far: step down by the surplus
            quality = _clamp(high - max(1, math.floor((_score_of(result) - target) * steps)))
        else:  # everything failed so far: step up by the shortfall, a little past it
            assert low is not None
            shortfall = target - _score_of(result)
            # Far below: try the top at once; if even that fails, this format (or tuning) cannot get there.
            jump = _QUALITY_RANGE[1] if shortfall > _FAR_BELOW else low + max(2, math.ceil(shortfall * steps) + 1)
            quality = _clamp(jump)
    return list(tried.values())


def _steps_per_point(tried: dict[int, Encoding], output_format: OutputFormat) -> float:
    """Quality steps per point of score: measured from the two latest trials once there are two (images differ
    by a factor of four), else the format's typical value."""
    if len(tried) >= 2:
        (q0, e0), (q1, e1) = list(tried.items())[-2:]
        gained = _score_of(e1) - _score_of(e0)
        if gained * (q1 - q0) > 0:
            return min(_MAX_STEPS_PER_POINT, max(0.5, (q1 - q0) / gained))
    return _STEPS_PER_POINT[output_format]


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
