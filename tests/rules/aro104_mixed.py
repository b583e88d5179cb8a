"""ARO104 mixed-loop-management: asyncio.run() (or a wrapper) and a hand-managed loop in
one synchronous scope."""

import asyncio
import asyncio as aio
from asyncio import get_event_loop, new_event_loop, set_event_loop


async def work(x=None):
    return x


def get_after_run():
    asyncio.run(work(1))
    loop = asyncio.get_event_loop()  # error: ARO104:12
    return loop.run_until_complete(work(2))


def new_before_run():
    loop = asyncio.new_event_loop()  # error: ARO104
    asyncio.set_event_loop(loop)  # error: ARO104:5
    loop.run_until_complete(work(1))
    asyncio.run(work(2))


def from_imports():
    set_event_loop(new_event_loop())  # error: ARO104
    aio.run(work(1))
    get_event_loop().run_until_complete(work(2))  # error: ARO104


def exclusive_branches(flag):
    # No path runs both styles (more cases in aro104_paths.py): clean.
    if flag:
        asyncio.run(work(1))
    else:
        asyncio.get_event_loop().run_until_complete(work(2))


def run_sync(coro):
    return asyncio.run(coro)


def through_a_wrapper():
    run_sync(work(1))
    asyncio.get_event_loop()  # error: ARO104


# The supported pre-3.11 pattern: one hand-managed loop, reused.  Clean.
def hand_managed():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(work(1))
        loop.run_until_complete(work(2))
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def get_event_loop_alone():
    return asyncio.get_event_loop().run_until_complete(work(1))


# The managed pattern alone: clean.
def runner_alone():
    with asyncio.Runner() as runner:
        runner.run(work(1))
        runner.run(work(2))


# A nested function's hand-managed loop is its own scope.
def separate_scopes():
    asyncio.run(work(1))

    def legacy():
        return asyncio.new_event_loop()

    return legacy


async def in_async_code():
    loop = asyncio.get_event_loop()
    await loop.run_in_executor(None, print)


def running_loop_helpers():
    asyncio.run(work(1))
    asyncio.get_running_loop
    asyncio.new_event_loop
