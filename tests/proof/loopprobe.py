"""Instrumentation that the programs under proof import.

The programs' fake async functions call :func:`record`, which logs the event (their
observable side effect) and, separately, which event loop ran it.  Loops are told apart
by identity while a strong reference keeps every one alive, so a closed loop's ``id``
can never be reused by the next one.  :class:`CountingPolicy` counts the loops that
asyncio (and anyio's asyncio backend) create per task call.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import sniffio

#: The side effects the programs make, in order: what equivalence compares.
events: list[Any] = []
#: (task call index, loop serial) for every record() made inside a running loop.
loops_used: list[tuple[int, int]] = []
#: The task call index at the creation of every asyncio event loop.
loops_created: list[int] = []
#: Set by the driver before each task call (0 is the module body).
current_call = 0
_known_loops: list[object] = []


def reset() -> None:
    global current_call
    events.clear()
    loops_used.clear()
    loops_created.clear()
    _known_loops.clear()
    current_call = 0


def canonical(value: Any, depth: int = 0) -> Any:
    """A JSON-able form of a value with no memory addresses in it."""
    if depth > 20:
        return "<deep>"
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, bytes):
        return {"bytes": value.hex()}
    if isinstance(value, (list, tuple)):
        return {type(value).__name__: [canonical(v, depth + 1) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"set": sorted(repr(canonical(v, depth + 1)) for v in value)}
    if isinstance(value, dict):
        items = [[canonical(k, depth + 1), canonical(v, depth + 1)] for k, v in value.items()]
        return {"dict": items}
    if hasattr(value, "__dict__") and not callable(value):
        attrs = canonical(dict(vars(value)), depth + 1)
        return {"object": type(value).__qualname__, "attrs": attrs}
    return {"opaque": type(value).__qualname__}


def _current_loop() -> object | None:
    try:
        library = sniffio.current_async_library()
    except sniffio.AsyncLibraryNotFoundError:
        return None
    if library == "trio":
        import trio

        return trio.lowlevel.current_trio_token()
    return asyncio.get_running_loop()


def loop_serial() -> int | None:
    """A small number naming the running loop (None outside any loop)."""
    loop = _current_loop()
    if loop is None:
        return None
    for serial, known in enumerate(_known_loops):
        if known is loop:
            return serial
    _known_loops.append(loop)
    return len(_known_loops) - 1


def record(name: str, *args: Any) -> None:
    """Log a side effect; note the loop it ran on apart from it."""
    events.append([name, *(canonical(a) for a in args)])
    serial = loop_serial()
    if serial is not None:
        loops_used.append((current_call, serial))


def store(table: str, row: Any) -> None:
    """A side effect on disk: one JSON line appended to ``<table>.jsonl`` in the cwd."""
    record("store", table, row)
    with open(os.path.join(os.getcwd(), f"{table}.jsonl"), "a", encoding="utf-8") as handle:
        handle.write(json.dumps(canonical(row), sort_keys=True) + "\n")


async def checkpoint() -> None:
    """Really suspend, in whichever library runs the coroutine."""
    if sniffio.current_async_library() == "trio":
        import trio

        await trio.lowlevel.checkpoint()
    else:
        await asyncio.sleep(0)


class CountingPolicy(asyncio.DefaultEventLoopPolicy):
    """Counts the event loops created, per task call."""

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        loops_created.append(current_call)
        return super().new_event_loop()


class LoopBoundPool:
    """Behaves like an asyncpg pool: bound to the first loop that uses it."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self.queries = 0

    async def fetch(self, query: str) -> str:
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif self._loop is not loop:
            raise RuntimeError("pool is attached to a different loop (Event loop is closed)")
        await asyncio.sleep(0)
        self.queries += 1
        return f"{query}:{self.queries}"
