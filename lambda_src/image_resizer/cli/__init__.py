"""``image-resizer``: the same core on local files.

``image-resizer resize --out DIR [--variants JSON] [--max-source-pixels N] FILE|FOLDER...`` prints one JSON
line per input. A folder is walked (hidden files skipped) and its files keep their paths relative to it, so
``photos/2024/a.jpg`` given as ``photos`` is written as ``2024/a.jpg`` under each variant's key template.

Exit status, for every command: 0 when everything succeeded; 1 when an input was rejected (a typed error in
its JSON line) or a backfill start failed; 2 for usage errors (bad flags, variants, ``--out`` a file, two
inputs that would write the same output); 3 when AWS cannot be used (endpoint unreachable, bucket missing,
access denied); 130 when interrupted.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from image_resizer.cli.parser import EXIT_AWS, EXIT_INTERRUPTED, EXIT_OK, EXIT_REJECTED, EXIT_USAGE, build_parser

__all__ = ["EXIT_AWS", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_REJECTED", "EXIT_USAGE", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """The console script ``image-resizer``: each command's module is imported only when it runs."""
    args = build_parser().parse_args(argv)
    if args.command == "backfill":
        from image_resizer.cli import backfill

        return backfill.run(args)
    if args.command == "logs":
        from image_resizer.cli import logs

        return logs.run(args)
    from image_resizer.cli import resize

    return resize.run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
