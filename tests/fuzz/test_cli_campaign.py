"""The issue's campaign, independently seeded and of the same size: 1,512 mutated files (every seed format,
mutations drawn by a seeded generator, not by Hypothesis) through the `image-resizer` CLI at a 512 MB budget.
Every file gets its JSON line, each `ok` or a typed error; no traceback, no signal, no missing line."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from image_resizer.errors import PERMANENT_ERRORS, RETRYABLE_ERRORS
from pipeline_dev import fuzz

pytestmark = pytest.mark.slow
FILES = 1512
TYPED = {cls.__name__ for cls in (*PERMANENT_ERRORS, *RETRYABLE_ERRORS)}


def test_every_mutated_file_gets_one_line_ok_or_typed(tmp_path):
    generator = random.Random(20261205)
    names = sorted(fuzz.SEEDS)
    folder = tmp_path / "inputs"
    folder.mkdir()
    for index in range(FILES):
        seed = names[index % len(names)]
        operations = [
            (generator.choice(fuzz.MUTATIONS), generator.random(), generator.randrange(256), generator.randrange(1, 65))
            for _ in range(generator.randrange(1, 5))
        ]
        (folder / f"{index:04d}-{seed}").write_bytes(fuzz.mutate(fuzz.SEEDS[seed], operations))
    variants = json.dumps({"thumb": {"width": 64, "height": 64, "key": "{key}"}})
    completed = subprocess.run(
        [str(Path(sys.executable).with_name("image-resizer")), "resize", "--out", str(tmp_path / "out"),
         "--memory-mb", "512", "--variants", variants, "--manifest-key", "null", str(folder)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )  # fmt: skip
    assert completed.returncode in (0, 1), completed.stderr[-2000:]  # not a signal, not a usage error
    assert "Traceback" not in completed.stderr
    lines = [json.loads(line) for line in completed.stdout.splitlines()]
    assert len(lines) == FILES
    outcomes = {("ok" if line["ok"] else line["error"]["type"]) for line in lines}
    assert outcomes <= {"ok"} | TYPED, outcomes
