"""Where the repository is, for the dev tooling (never in the function zip)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
