"""Summarising many modules at once: in forked worker processes when there are enough
of them to pay for the workers (the cold index of an async-heavy tree: hundreds), else
in this process.

The workers are forked, so they inherit the bytes to summarise and the function that
does it; only each module's facts travel back.  Where forking is not available
(macOS, Windows) or not wanted (the language server, the flake8 plugin: ``jobs`` 1),
everything runs here, and the facts are the same either way.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from flake8_asyncio_run.forking import fork_context
from flake8_asyncio_run.project.facts import ModuleFacts
from flake8_asyncio_run.project.layout import ModuleName

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

#: Fewer modules than this are summarised in this process: forking two workers and
#: sending the facts back costs about what summarising 30 modules does.
PARALLEL_SUMMARIES = 32

Summarise = Callable[[bytes, ModuleName], ModuleFacts | None]
Item = tuple[bytes, ModuleName]

#: What the forked workers inherit: the summarising function and the modules.
_inherited: tuple[Summarise, Sequence[Item]] | None = None


def summarise_all(
    items: Sequence[Item], summarise: Summarise, jobs: int | None
) -> list[ModuleFacts | None]:
    """Each module's facts (None where it does not parse), in the order given.
    ``jobs``: at most this many workers (None: one per CPU)."""
    workers = min(jobs if jobs is not None else (os.cpu_count() or 1), os.cpu_count() or 1)
    context = fork_context() if workers >= 2 and len(items) >= PARALLEL_SUMMARIES else None
    if context is None:
        return [summarise(data, name) for data, name in items]
    return _in_workers(items, summarise, workers, context)


def _in_workers(
    items: Sequence[Item], summarise: Summarise, workers: int, context: BaseContext
) -> list[ModuleFacts | None]:
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _inherited
    # Small ranges handed out as workers free up: module sizes vary a hundredfold.
    size = max(1, len(items) // (workers * 8))
    ranges = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    _inherited = (summarise, items)
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return [facts for chunk in pool.map(_summarise_range, ranges) for facts in chunk]
    except BrokenProcessPool:
        # A worker died (killed, out of memory): the same work, here, gives the answer.
        return [summarise(data, name) for data, name in items]
    finally:
        _inherited = None


def _summarise_range(bounds: tuple[int, int]) -> list[ModuleFacts | None]:
    assert _inherited is not None, "a forked worker inherits the work"
    summarise, items = _inherited
    return [summarise(data, name) for data, name in items[bounds[0] : bounds[1]]]
