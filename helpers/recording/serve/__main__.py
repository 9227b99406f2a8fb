"""``python -m helpers.recording.serve``: the same as ``python -m helpers serve``."""

import sys

from .command import main

sys.exit(main())
