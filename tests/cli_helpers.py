"""Running the real command line from a test: ``python -m flake8_asyncio_run``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def cli(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The command's run in ``cwd``, its output decoded as UTF-8 (two minutes at most)."""
    return subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        input=stdin,
        timeout=120,
    )
