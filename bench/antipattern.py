"""The anti-pattern under measurement, on purpose: four event loops per job.

Kept apart from ``bench/worker.py`` so that this file alone is exempt from linting (the
line below is honoured by flake8, flake8-asyncio-run and ruff).  Do not copy it.
"""

# flake8: noqa

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


def four_loops(step: Callable[[], Awaitable[None]]) -> None:
    """What the post-mortem's task did: one asyncio.run() per step."""
    asyncio.run(step())
    asyncio.run(step())
    asyncio.run(step())
    asyncio.run(step())
