"""A cache warmer that mixes asyncio.run() with a hand-managed loop (ARO104).

After asyncio.run() returns, get_event_loop() raises "There is no current event loop"
(or hands back a different loop, depending on the Python version and thread).
"""

import asyncio

from myapp.cache import fetch_all, warm_up


def refresh_cache() -> dict:
    asyncio.run(warm_up())
    loop = asyncio.get_event_loop()
    return loop.run_until_complete(fetch_all())
