"""ARO103: a runner called inside an async def."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flake8_asyncio_run.findings import Family, Finding
from flake8_asyncio_run.flow import ScopeFlow
from flake8_asyncio_run.rules.base import Rule, ScopeView, in_scopes

#: The runner's library -> what its call does inside a running loop, and what to do.
_IN_ASYNC: dict[Family, tuple[str, str]] = {
    "asyncio": (
        'raises "RuntimeError: asyncio.run() cannot be called from a running event loop"',
        "await the coroutine instead",
    ),
    "trio": (
        "blocks the running event loop until it finishes",
        "await the async function directly",
    ),
    # On the trio backend it blocks; on asyncio it fails before starting.
    "anyio": (
        "blocks the running event loop until it finishes, or fails at once under asyncio "
        '("Already running asyncio in this thread")',
        "await the async function directly",
    ),
    "custom": (
        "starts a nested event loop, which raises or blocks the running one",
        "await the coroutine instead",
    ),
    "asgiref": (
        'raises "RuntimeError: You cannot use AsyncToSync in the same thread as an async '
        'event loop"',
        "await the async function directly",
    ),
}


@in_scopes("async")
def report_in_async(scope: ScopeView, flow: ScopeFlow[Any]) -> Iterator[Finding]:
    """ARO103: every runner call of an ``async def``, with what it does there."""
    for record in flow.calls:
        call = scope.call(record)
        effect, advice = _IN_ASYNC[call.family]
        if call.form == "entry":
            advice = "await the coroutine it runs instead"
        yield Finding(
            "ARO103",
            f"{call.display} inside async function '{scope.name}' {effect}; {advice}",
            call.span,
            scope.ref,
            (call,),
        )


ARO103 = Rule(
    "ARO103",
    "asyncio-run-in-async",
    "An event-loop runner is called inside an async function.",
    "asyncio.run() raises 'cannot be called from a running event loop' inside a "
    "coroutine; anyio.run() and trio.run() block the running loop. So does a call of "
    "a function that runs one, anywhere in the project. Await instead.",
    "sometimes",
    fixer="await",
    reporter=report_in_async,
)
