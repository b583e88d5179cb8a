"""ARO103 for a module-local wrapper inside async def."""

import asyncio


async def work(x=None):
    return x


def run_sync(coro):
    return asyncio.run(coro)


async def uses_wrapper():
    run_sync(work(1))  # error: ARO103
