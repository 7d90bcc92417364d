"""``python -m omnicanal``: the ``omnicanal`` command, safe from a project's own bot.py."""

import sys

from omnicanal import main

sys.exit(main())
