"""`python -m lite_app`: the command line."""

from __future__ import annotations

import sys

from lite_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
