"""ARO101 through every import form of asyncio.run()."""

import asyncio
import asyncio as aio
from asyncio import run
from asyncio import run as go
from asyncio import runners


async def work(x=None):
    return x


def plain_import():
    asyncio.run(work(1))
    asyncio.run(work(2))  # error: ARO101


def module_alias():
    aio.run(work(1))
    aio.run(work(2))  # error: ARO101


def from_import():
    run(work(1))
    run(work(2))  # error: ARO101


def from_import_alias():
    go(work(1))
    go(work(2))  # error: ARO101


def submodule():
    runners.run(work(1))
    runners.run(work(2))  # error: ARO101


def mixed_forms():
    asyncio.run(work(1))
    go(work(2))  # error: ARO101
    aio.run(work(3))  # error: ARO101


def local_import():
    import asyncio as loopy

    loopy.run(work(1))
    loopy.run(work(2))  # error: ARO101


def local_from_import():
    from asyncio import run as start

    start(work(1))
    start(work(2))  # error: ARO101


def assigned_alias():
    runner = asyncio.run
    runner(work(1))
    runner(work(2))  # error: ARO101


starter = asyncio.run


def module_level_alias():
    starter(work(1))
    starter(work(2))  # error: ARO101
