"""ARO103 asyncio-run-in-async: a runner called directly in an async def body."""

import asyncio
import asyncio as aio
from asyncio import run as go

import anyio
import trio
from anyio import run as anyio_run
from asgiref.sync import async_to_sync


async def work(x=None):
    return x


async def handler():
    asyncio.run(work(1))  # error: ARO103:5


async def aliases():
    aio.run(work(1))  # error: ARO103
    go(work(2))  # error: ARO103


async def anyio_blocks():
    anyio.run(work, 1)  # error: ARO103
    anyio_run(work)  # error: ARO103


async def trio_blocks():
    trio.run(work, 1)  # error: ARO103


async def async_to_sync_raises():
    async_to_sync(work)(1)  # error: ARO103


async def many(items):
    # Every call is reported; ARO101/ARO102 do not apply in an async scope.
    asyncio.run(work(1))  # error: ARO103
    asyncio.run(work(2))  # error: ARO103
    for item in items:
        asyncio.run(work(item))  # error: ARO103:9


class View:
    async def get(self, request):
        return asyncio.run(work(request))  # error: ARO103:16


async def nested_sync_function():
    # A sync function nested in an async def is its own scope: not ARO103.
    def blocking():
        return asyncio.run(work(1))

    return await asyncio.to_thread(blocking)


async def nested_lambda():
    blocking = lambda: asyncio.run(work(1))
    return await asyncio.to_thread(blocking)


def sync_outer():
    async def inner():
        asyncio.run(work(1))  # error: ARO103

    return asyncio.run(inner())


async def awaits_are_fine():
    await work(1)
    await work(2)
    async with asyncio.timeout(1):
        await asyncio.gather(work(3), work(4))


async def class_body_runs_in_the_loop():
    # A class body runs where it is defined: here, in the running loop.
    class Settings:
        value = asyncio.run(work(1))  # error: ARO103

        def method(self):
            return asyncio.run(work(2))  # a method is its own scope: not ARO103

    return Settings


def sync_function_class_body():
    class Config:
        value = asyncio.run(work(1))  # no loop runs here: not ARO103

    return Config
