"""RQ's forking ``Worker``, started warm.

The forking ``Worker`` runs every job in a new child process (the "work horse"), forked
from the worker.  Plain ``rq worker`` imports the job's module in each child, so every job
pays for importing asyncpg and httpx, building the TLS context and loading httpx's
transport modules again: hundreds of milliseconds per job.

:class:`PreloadingWorker` does that work once, in the parent, before any fork.  It creates
nothing bound to an event loop (no pool, no client, no loop): only modules and the
``SSLContext``, which children may share.  Every job still opens and closes its own
resources inside its own ``asyncio.run()``.

    rq worker -w reference_worker.prefork.PreloadingWorker truthsnap
"""

from __future__ import annotations

import contextlib
import importlib
from typing import Any

from rq import Worker

#: Modules that httpx and asyncpg import lazily on first use.
LAZY_MODULES = ("anyio._backends._asyncio", "httpcore._async", "h11", "asyncpg.pool")


def preload() -> None:
    """Import the job's code and build the TLS context; create nothing loop-bound."""
    from reference_worker import tasks
    from reference_worker.fraudlens import tls_context

    tls_context()
    for name in LAZY_MODULES:
        # Internal module names of other packages may change; a miss only costs speed.
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    del tasks


class PreloadingWorker(Worker):
    """A forking ``Worker`` whose work horses start with the job's modules loaded."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        preload()
