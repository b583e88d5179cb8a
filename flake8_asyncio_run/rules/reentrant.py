"""ARO106: a patch that lets a running event loop re-enter itself (nest_asyncio)."""

from __future__ import annotations

from collections.abc import Iterator

from flake8_asyncio_run.findings import Finding
from flake8_asyncio_run.rules.base import ModuleView, Rule, in_module

#: The calls that patch asyncio to be re-entrant: the original package and its fork.
_NEST_ASYNCIO_APPLY = ("nest_asyncio.apply", "nest_asyncio2.apply")


@in_module
def report_nest_asyncio(module: ModuleView) -> Iterator[Finding]:
    """ARO106: every call of ``nest_asyncio.apply()`` (or its fork's), in any scope,
    whatever the import form."""
    for call in module.calls_to(_NEST_ASYNCIO_APPLY):
        yield Finding(
            "ARO106",
            f"{call.qualname}() patches asyncio so that a running event loop can re-enter "
            "itself (asyncio.run() or run_until_complete() inside it); the original "
            "nest_asyncio is archived (unmaintained since 2024), re-entrancy breaks what "
            "asyncio code relies on (a task can resume inside another task's step, so "
            "ordering, cancellation and context assumptions fail) and CPython will not "
            "support it (cpython issue 66435); use top-level await in notebooks, one event "
            "loop per synchronous entry elsewhere",
            call.span,
            call.scope,
        )


ARO106 = Rule(
    "ARO106",
    "nest-asyncio-patch",
    "nest_asyncio.apply() patches asyncio so that a running event loop can re-enter itself.",
    "nest_asyncio.apply() (and nest_asyncio2.apply()) let asyncio.run() and "
    "run_until_complete() work inside a running loop by making the loop re-entrant. A "
    "task can then be resumed inside another task's step, which breaks the ordering, "
    "cancellation and context guarantees asyncio code relies on. The original package "
    "is archived, and CPython will not support re-entrant loops. Await instead: "
    "top-level await in notebooks, one event loop per synchronous entry elsewhere.",
    "never",
    manual_fix=(
        "replace the nested asyncio.run()/run_until_complete() calls first (await them, or "
        "run one loop per synchronous entry), then remove the patch: removing it alone "
        "changes behaviour, since code that re-enters the running loop would then raise"
    ),
    severity="minor",
    reporter=report_nest_asyncio,
    needs_runner=False,
    triggers=_NEST_ASYNCIO_APPLY,
)
