"""Large resamples cut into horizontal bands, claimed in order by two lanes: the calling thread and a worker
(Pillow releases the GIL while it resamples). While the source is still being decoded, the worker's lane waits
for the end of the decode (the decoder has the other core) and the calling thread takes each band as soon as
its rows are there."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Final

from image_resizer.imaging.codecs.jpeg_rows import DecodingRows
from image_resizer.imaging.pool import executor

# The count is fixed, not the number of cores, so outputs are byte-identical on every machine and Lambda memory.
STRIPS: Final = 8
# Pillow's LANCZOS reads this many source pixels either side of an output pixel's centre, times the reduction.
LANCZOS_SUPPORT: Final = 3.0


def run_bands(
    count: int, rows_needed: Callable[[int], int], band: Callable[[int], None], rows: DecodingRows | None
) -> None:
    """Call ``band(i)`` for every i below ``count``, each once, on two lanes; a band starts once the decode has
    announced ``rows_needed(i)`` rows. Returns when every band is done and (with ``rows``) the decode has ended:
    the last band's rows may precede the end of the data, and a decoding error."""
    order = iter(range(count))
    claiming = threading.Lock()

    def lane(after_decode: bool) -> None:
        if rows is not None and after_decode:
            rows.wait_all()
        while True:
            with claiming:
                index = next(order, None)
            if index is None:
                return
            if rows is not None and not after_decode:
                rows.wait(rows_needed(index))
            band(index)

    helper = executor().submit(lane, True)
    try:
        lane(False)
    finally:
        helper.result()
    if rows is not None:
        rows.wait_all()
