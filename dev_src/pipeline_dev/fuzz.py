"""A fuzzing campaign over the pipeline's input side, with Hypothesis: seeds of every input format the pipeline
accepts (made here with Pillow), mutated the way damaged and hostile files are (flipped bytes, truncations,
inserted and duplicated runs, zeroed lengths, huge declared sizes), driven through ``open -> check limits ->
render`` at a 512 MB budget; and JSON of any shape through the event parser. Anything but success or one of the
pipeline's typed errors is a finding: saved under ``.cache/fuzz/findings/`` to become a regression test
(tests/fuzz/reproducers/).

    python -m pipeline_dev.fuzz --duration 600        # what `make fuzz DURATION=600` runs
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import sys
import time
from pathlib import Path
from typing import Any, Final

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from image_resizer.errors import ImageResizerError
from image_resizer.imaging.render import render
from image_resizer.limits import Limits
from image_resizer.variants import parse_variants

from pipeline_dev import samples
from pipeline_dev.paths import REPO_ROOT

FINDINGS: Final = REPO_ROOT / ".cache" / "fuzz" / "findings"
CORPUS: Final = REPO_ROOT.parent / "shared" / "corpus"
BUDGET_MB: Final = 512
# A thumbnail, a cover crop with attention and a lossless output: the decoders, the crop and two encoders.
VARIANTS: Final = parse_variants(
    {
        "thumb": {"width": 64, "height": 64, "key": "{key}"},
        "square": {"width": 32, "height": 32, "fit": "cover", "gravity": "attention", "key": "s/{key}"},
        "png": {"width": 48, "height": 48, "format": "png", "key": "p/{dir}{stem}.{ext}"},
    }
)
MUTATIONS: Final = ("flip", "truncate", "insert", "duplicate", "zero", "huge")
# A seed renders in milliseconds; a mutated one that takes this long is stuck in a loop, not working.
TIME_BUDGET_S: Final = 10.0


class OverTimeBudget(Exception):
    """A render that took longer than TIME_BUDGET_S: a finding, like an untyped exception."""


def _multipage_tiff() -> bytes:
    pages = [samples.photo(64, 48, seed=s) for s in (1, 2, 3)]
    out = io.BytesIO()
    pages[0].save(out, "TIFF", save_all=True, append_images=pages[1:], compression="tiff_lzw")
    return out.getvalue()


def _animated(fmt: str) -> bytes:
    frames = [samples.photo(48, 36, seed=s) for s in (1, 2, 3)]
    out = io.BytesIO()
    frames[0].save(out, fmt, save_all=True, append_images=frames[1:], duration=80, loop=0)
    return out.getvalue()


def seeds() -> dict[str, bytes]:
    """One small file per input format and layout the pipeline accepts."""
    photo = samples.photo(96, 64)
    made = {
        "baseline.jpg": samples.encode(photo, "JPEG", quality=80),
        "progressive.jpg": samples.encode(photo, "JPEG", quality=80, progressive=True),
        "rotated.jpg": samples.oriented_jpeg(6, photo),
        "cmyk.jpg": samples.cmyk_jpeg(64, 48),
        "gain-map.jpg": samples.gain_map_jpeg(photo),
        "rgb.png": samples.encode(photo, "PNG"),
        "alpha-interlaced.png": samples.encode(photo.convert("RGBA"), "PNG", interlace=1),
        "gray16.png": samples.gray16_png(64, 32),
        "palette.png": samples.encode(photo.convert("P"), "PNG"),
        "late-exif.png": samples.png_with_late_exif(photo, 6),
        "animated.gif": samples.animated_gif(3, 48, 36),
        "still.webp": samples.encode(photo, "WEBP", quality=80),
        "animated.webp": _animated("WEBP"),
        "animated.png": _animated("PNG"),
        "multipage.tif": _multipage_tiff(),
        "photo.bmp": samples.encode(photo, "BMP"),
        "photo.avif": samples.encode(photo, "AVIF", quality=60),
    }
    # pi-heif decodes but ships no HEIF encoder: the corpus's smallest HEIC stands in when it is here.
    heics = sorted(CORPUS.glob("*.heic"), key=lambda p: p.stat().st_size) if CORPUS.is_dir() else []
    if heics:
        made["corpus.heic"] = heics[0].read_bytes()
    return made


SEEDS: Final = seeds()


def mutate(data: bytes, operations: list[tuple[str, float, int, int]]) -> bytes:
    buffer = bytearray(data)
    for kind, where, value, length in operations:
        at = min(len(buffer) - 1, int(where * len(buffer))) if buffer else 0
        if kind == "flip" and buffer:
            buffer[at] ^= value or 1
        elif kind == "truncate":
            del buffer[max(1, at) :]
        elif kind == "insert":
            buffer[at:at] = bytes([value]) * length
        elif kind == "duplicate":
            buffer[at:at] = buffer[at : at + length]
        elif kind == "zero":
            buffer[at : at + length] = bytes(len(buffer[at : at + length]))
        elif kind == "huge":  # a length or size field turned enormous
            buffer[at : at + 4] = b"\x7f\xff\xff\xff"[: len(buffer[at : at + 4])]
    return bytes(buffer)


mutations = st.lists(
    st.tuples(
        st.sampled_from(MUTATIONS),
        st.floats(0, 1, allow_nan=False),
        st.integers(0, 255),
        st.integers(1, 64),
    ),
    min_size=1,
    max_size=4,
)


def save_finding(data: bytes, name: str, error: BaseException) -> Path:
    FINDINGS.mkdir(parents=True, exist_ok=True)
    path = FINDINGS / f"{hashlib.sha256(data).hexdigest()[:16]}-{Path(name).name}"
    path.write_bytes(data)
    path.with_suffix(path.suffix + ".txt").write_text(f"{type(error).__name__}: {error}\n", encoding="utf-8")
    return path


def render_or_typed_error(data: bytes, name: str = "input") -> str:
    """``ok`` or the typed error's name; anything else is saved as a finding and raised."""
    started = time.monotonic()
    try:
        render(data, VARIANTS, Limits(memory_mb=BUDGET_MB))
        outcome = "ok"
    except ImageResizerError as exc:
        outcome = exc.error_type
    except BaseException as exc:
        save_finding(data, name, exc)
        raise
    elapsed = time.monotonic() - started
    if elapsed > TIME_BUDGET_S:
        late = OverTimeBudget(f"{name} took {elapsed:.1f} s ({outcome}); the budget is {TIME_BUDGET_S} s")
        save_finding(data, name, late)
        raise late
    return outcome


def check_file(seed: str, operations: list[tuple[str, float, int, int]]) -> str:
    return render_or_typed_error(mutate(SEEDS[seed], operations), seed)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20,
)
event_like = st.fixed_dictionaries(
    {"bucket": json_values | st.text(), "key": json_values | st.text()},
    optional={
        "versionId": json_values,
        "etag": json_values,
        "keyEncoding": st.sampled_from(["url", "raw"]) | json_values,
    },
)


def check_event(event: Any) -> None:
    from image_resizer.aws.events import parse_event

    with contextlib.suppress(ImageResizerError):
        parse_event(event)


def campaign(duration: float, rounds_of: int = 200) -> dict[str, Any]:
    """Hypothesis over files and events until ``duration`` seconds pass; a new random seed each round."""
    outcomes: dict[str, int] = {}
    executions = 0
    started = time.monotonic()
    findings_before = len(list(FINDINGS.glob("*"))) if FINDINGS.exists() else 0
    failures: list[str] = []

    def one_file(seed: str, operations: list[tuple[str, float, int, int]]) -> None:
        nonlocal executions
        executions += 1
        outcome = check_file(seed, operations)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    def one_event(event: Any) -> None:
        nonlocal executions
        executions += 1
        check_event(event)

    quiet = settings(deadline=None, database=None, suppress_health_check=list(HealthCheck), max_examples=rounds_of)
    files = settings(quiet, phases=(Phase.generate, Phase.shrink))(
        given(st.sampled_from(sorted(SEEDS)), mutations)(one_file)
    )
    events = quiet(given(event_like | json_values)(one_event))
    while time.monotonic() - started < duration:
        for test in (files, events):
            try:
                test()
            except Exception as exc:
                failures.append(f"{type(exc).__name__}: {exc}"[:300])
    elapsed = time.monotonic() - started
    findings = (len(list(FINDINGS.glob("*"))) if FINDINGS.exists() else 0) - findings_before
    return {
        "seconds": round(elapsed, 1),
        "seed_files": len(SEEDS),
        "executions": executions,
        "executions_per_second": round(executions / elapsed, 1),
        "outcomes": dict(sorted(outcomes.items())),
        "findings": findings // 2,  # each finding is the file and its .txt
        "failures": failures[:10],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=600, help="seconds to run (default 600)")
    args = parser.parse_args(argv)
    if not args.duration > 0:
        print("fuzz: --duration must be a positive number of seconds", file=sys.stderr)
        return 2
    import warnings

    warnings.simplefilter("ignore")  # Pillow's notes on what it skips in damaged files: not findings
    report = campaign(args.duration)
    print(json.dumps(report, indent=2))
    return 1 if report["findings"] or report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
