"""A helper module that patches asyncio so that its synchronous wrapper also works in a
notebook, whose event loop is already running (ARO106).

nest_asyncio.apply() makes the running loop re-entrant: asyncio.run() inside it no longer
raises, and a task can be resumed inside another task's step.
"""

import asyncio

import nest_asyncio

nest_asyncio.apply()


async def fetch_report(name: str) -> str:
    await asyncio.sleep(0)
    return name.upper()
