"""Cold-start import cost of the handler from the unpacked artifacts, next to `import boto3` as the anchor
(every Python Lambda that talks to AWS pays that much). Uses `python -X importtime` in fresh interpreters
that see only the artifacts plus boto3, as on Lambda. Also what the first variant with quality "auto" adds in
a container (NumPy and the metric, imported on first use after the handler).

    python benchmarks/bench_cold_start.py [--artifacts dist/x86_64] [--python /path/to/python3.12]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from pipeline_dev.lambda_runtime import unpack

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PYTHON312 = Path(os.path.expanduser("~/.pyenv/versions/3.12.1/bin/python3.12"))
_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|\s+(\S+)")


def import_ms(command: list[str], module: str, env: dict[str, str], cwd: Path) -> float:
    completed = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]], capture_output=True, text=True, env=env, cwd=cwd, check=True
    )
    for line in completed.stderr.splitlines():
        match = _LINE.search(line)
        if match and match.group(3) == module:
            return int(match.group(2)) / 1000
    raise RuntimeError(f"{module} not in importtime output:\n{completed.stderr[-2000:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artifacts", type=Path, default=ROOT / "dist" / "x86_64")
    parser.add_argument("--python", default=str(DEFAULT_PYTHON312) if DEFAULT_PYTHON312.exists() else sys.executable)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    if not (args.artifacts / "layer.zip").exists():
        print(f"skipped: no artifacts in {args.artifacts} (run make build)")
        return 0
    env = {
        "PATH": os.environ.get("PATH", ""),
        "SOURCE_BUCKET": "a",
        "RESIZED_BUCKET": "b",
        "AWS_DEFAULT_REGION": "us-east-1",
        # Lambda's /opt and /var/task are read-only: no round may reuse bytecode an earlier round wrote.
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    with tempfile.TemporaryDirectory() as tmp:
        tree = unpack(args.artifacts / "function.zip", args.artifacts / "layer.zip", Path(tmp))
        handler, anchor, auto = [], [], []
        after_handler = (
            "import image_resizer.handler; "
            "import image_resizer.imaging.quality.search, image_resizer.imaging.quality.ssimulacra2"
        )
        for _ in range(args.rounds):  # interleaved, so machine noise hits both alike
            handler.append(
                import_ms(
                    tree.command(args.python, "import image_resizer.handler"), "image_resizer.handler", env, Path(tmp)
                )
            )
            anchor.append(import_ms(tree.command(args.python, "import boto3"), "boto3", env, Path(tmp)))
            auto.append(
                import_ms(
                    tree.command(args.python, after_handler),
                    "image_resizer.imaging.quality.ssimulacra2",
                    env,
                    Path(tmp),
                )
            )
    h, a = statistics.median(handler), statistics.median(anchor)
    print(f"python: {args.python}  artifacts: {args.artifacts}")
    print(f"import image_resizer.handler: {h:6.0f} ms (median of {args.rounds}; includes boto3)")
    print(f"import boto3 (anchor):        {a:6.0f} ms")
    print(f"ratio handler / boto3:        {h / a:6.2f}")
    print(f"first quality auto variant:   {statistics.median(auto):6.0f} ms more (NumPy and the metric, once)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
