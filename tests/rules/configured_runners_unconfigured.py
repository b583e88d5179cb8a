"""The same calls without the ``asyncio-runners`` option: nothing is a runner."""

import myproj.utils as u
from myproj.utils import run_sync


async def work(x=None):
    return x


def from_import():
    run_sync(work(1))
    run_sync(work(2))


def module_alias():
    u.run_sync(work(1))
    u.run_sync(work(2))
