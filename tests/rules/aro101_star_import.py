"""ARO101 through ``from asyncio import *``."""

from asyncio import *


async def work(x=None):
    return x


def task():
    run(work(1))
    run(work(2))  # error: ARO101
    loop = get_event_loop()  # error: ARO104:12
