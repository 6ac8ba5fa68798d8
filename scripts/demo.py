"""Entry point of `make demo`."""

import sys

from pipeline_dev.demo import main

sys.exit(main(sys.argv[1:]))
