"""How long `make up` takes to be ready: from launch to the line saying the stack is up, warm (Terraform's render
cached under .cache/local-stack) and cold (the render made anew: `terraform init` and `apply` with the stand-in).

    python benchmarks/bench_local_startup.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "local-stack"
READY = "# the local stack is up"


def time_to_ready() -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline_dev.local", "up"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(READY):
                return time.perf_counter() - started
        raise SystemExit(f"make up exited {process.wait()} before it was ready")
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    time_to_ready()  # artifacts built, render cached, bytecode written: what a warm clone has
    warm = [time_to_ready() for _ in range(args.rounds)]
    cold = []
    for _ in range(args.rounds):
        shutil.rmtree(CACHE, ignore_errors=True)
        cold.append(time_to_ready())
    print(
        f"make up, ready in: warm {statistics.median(warm):.1f} s, with a fresh Terraform render "
        f"{statistics.median(cold):.1f} s (median of {args.rounds})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
