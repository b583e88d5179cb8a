"""The one test of whether worker processes may be forked.

Forking skips re-importing everything in each worker and lets the workers inherit what
the parent built (project indexes, bytes to summarise) instead of receiving it pickled.
It is safe in the processes that ask for workers, ``check``, ``fix`` and ``--add-noqa``,
which start no threads of their own; the language server and the flake8 plugin never
ask.  Elsewhere (macOS, Windows) the platform's default start method is kept.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext


def fork_context() -> BaseContext | None:
    """The ``fork`` start method where it is available and safe, else None."""
    import multiprocessing

    if sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None
