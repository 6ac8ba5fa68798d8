"""The process's worker threads: Pillow releases the GIL while it resamples, decodes and encodes, so two
threads keep both of a Lambda's vCPUs (from 1,769 MB up) busy. The count is fixed, not the number of cores,
so outputs are byte-identical on every machine and memory size."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Final

WORKERS: Final = 2
_pool: ThreadPoolExecutor | None = None


def executor() -> ThreadPoolExecutor:
    global _pool  # noqa: PLW0603 - one pool per process, created on first use
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="image-resizer")
    return _pool
