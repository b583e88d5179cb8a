"""ARO201: a loop-bound resource in a module global."""

from __future__ import annotations

from collections.abc import Iterator

from flake8_asyncio_run.findings import Finding
from flake8_asyncio_run.rules.base import ModuleView, Rule, in_module


@in_module
def report_loop_bound(module: ModuleView) -> Iterator[Finding]:
    """ARO201: every module global caching a loop-bound resource that a coroutine run
    on a fresh event loop reaches: from a synchronous function that starts loops, or
    an RQ job, anywhere in the project.  Module-level runs are no entry point: a
    script runs them once, on one loop."""
    for cached in module.cached_globals():
        for name in cached.names:
            reach = module.reach(name)
            if reach is None:
                continue
            how = (
                "runs as an RQ job on its own event loop"
                if reach.job
                else ("starts a new event loop per call")
            )
            yield Finding(
                "ARO201",
                f"{cached.resource} cached in module global '{name}' is bound to the first "
                f"event loop that uses it, but '{reach.entry}' (line {reach.line}) {how} "
                f"and reaches it ({' → '.join(reach.chain)}); create it inside the "
                "coroutine (async with) or keep one loop per worker",
                cached.span,
                cached.scope,
            )


ARO201 = Rule(
    "ARO201",
    "loop-bound-global",
    "A loop-bound resource cached in a module global is reached from code that starts "
    "new event loops.",
    "Pools and clients bind to the first event loop that uses them. A second task "
    "in the same process runs a new loop and fails with 'another operation is in "
    "progress', 'Event loop is closed' or 'attached to a different loop'. The "
    "task may be in another module than the global.",
    "never",
    manual_fix="create the resource inside the coroutine",
    severity="major",
    reporter=report_loop_bound,
    needs_runner=False,
    factory_triggered=True,
)
