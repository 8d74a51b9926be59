"""``python -m empathy_score`` is the ``empathy-score`` command."""

import sys

from .cli import main

sys.exit(main())
