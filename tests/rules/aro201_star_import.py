"""ARO201 through star imports of a factory's module."""

from asyncio import *
from redis.asyncio import *

lock = Lock()  # error: ARO201:1
cache = from_url("redis://localhost")  # error: ARO201
unrelated = Future


async def use():
    async with lock:
        return await cache.get("key"), unrelated


def task():
    run(use())
