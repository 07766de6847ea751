"""``python -m nbplayground``: the standalone app (see :mod:`nbplayground.app`)."""

import sys

from .app import main

sys.exit(main())
