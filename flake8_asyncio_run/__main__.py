"""``python -m flake8_asyncio_run`` is the ``flake8-asyncio-run`` command."""

from __future__ import annotations

import sys

from flake8_asyncio_run.cli import main

if __name__ == "__main__":
    sys.exit(main())
