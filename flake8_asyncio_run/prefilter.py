"""A cheap text test that lets files without any event-loop runner skip parsing.

It keys on the names of the modules runners come from (``asyncio``, ``anyio``, ``trio``,
``asgiref`` and the roots of configured runners), never on the word ``run``: a file that
never mentions such a module cannot import a runner, so it cannot start a loop and none
of our rules can fire in it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.resolution import RUNNER_MODULES


def runner_modules(options: AnalysisOptions) -> tuple[str, ...]:
    roots = {name.split(".")[0] for name in options.runners if name}
    return tuple(sorted(set(RUNNER_MODULES) | roots))


@lru_cache(maxsize=32)
def _text_pattern(modules: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(m) for m in modules))


@lru_cache(maxsize=32)
def _bytes_pattern(modules: tuple[str, ...]) -> re.Pattern[bytes]:
    return re.compile(b"|".join(re.escape(m.encode()) for m in modules))


def might_run_event_loops(source: str, options: AnalysisOptions) -> bool:
    return _text_pattern(runner_modules(options)).search(source) is not None


def might_run_event_loops_bytes(data: bytes, options: AnalysisOptions) -> bool:
    """The same test on undecoded bytes (module names are ASCII in every encoding we read)."""
    return _bytes_pattern(runner_modules(options)).search(data) is not None
