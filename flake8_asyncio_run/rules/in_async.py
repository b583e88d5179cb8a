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
    """ARO103: every runner call of an ``async def`` (or of a notebook cell's top level,
    which runs in the kernel's loop, or of a class body either defines), with what it
    does there."""
    cell = scope.ref.kind == "module"
    where = f"inside async function '{scope.name}'"
    if cell:
        where = "at the top level of a notebook cell (the kernel's event loop is running)"
    elif scope.ref.kind == "class":
        where = f"in the body of class '{scope.name}' (it runs in a running event loop)"
    for record in flow.calls:
        call = scope.call(record)
        effect, advice = _IN_ASYNC[call.family]
        if call.form == "entry":
            advice = "await the coroutine it runs instead"
        elif call.form == "run_until_complete":
            effect = 'raises "RuntimeError: This event loop is already running"'
            advice = "await its argument instead"
        if cell:
            advice += " (top-level 'await' works in a cell)"
        elif scope.ref.kind == "class":
            advice = "move the call into a coroutine and await it there"
        message = f"{call.display} {where} {effect}; {advice}"
        yield Finding("ARO103", message, call.span, scope.ref, (call,))


ARO103 = Rule(
    "ARO103",
    "asyncio-run-in-async",
    "An event-loop runner is called inside an async function.",
    "asyncio.run() raises 'cannot be called from a running event loop' inside a "
    "coroutine; anyio.run() and trio.run() block the running loop. So does a call of "
    "a function that runs one, anywhere in the project. Await instead.",
    "sometimes",
    fixer="await",
    severity="critical",
    reporter=report_in_async,
)
