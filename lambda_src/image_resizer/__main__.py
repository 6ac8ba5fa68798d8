import sys

from image_resizer.cli import main

sys.exit(main())
