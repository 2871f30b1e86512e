"""``python -m campaignkit`` is the ``campaignkit`` command."""

import sys

from campaignkit.cli import main

sys.exit(main())
