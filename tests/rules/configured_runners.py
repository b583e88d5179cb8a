# options: asyncio-runners=myproj.utils.run_sync,myproj.loops.block_on
"""Runners from other modules, configured by dotted name (``asyncio-runners``)."""

import myproj.loops
import myproj.utils
import myproj.utils as u
from myproj import utils
from myproj.utils import run_sync
from myproj.utils import run_sync as rs
from myproj.loops import block_on


async def work(x=None):
    return x


def from_import():
    run_sync(work(1))
    run_sync(work(2))  # error: ARO101


def from_import_alias():
    rs(work(1))
    rs(work(2))  # error: ARO101


def module_alias():
    u.run_sync(work(1))
    u.run_sync(work(2))  # error: ARO101


def dotted_import():
    myproj.utils.run_sync(work(1))
    myproj.loops.block_on(work(2))  # error: ARO101


def submodule_from_package():
    utils.run_sync(work(1))
    block_on(work(2))  # error: ARO101


def configured_in_loop(items):
    for item in items:
        run_sync(work(item))  # error: ARO102


async def configured_in_async():
    run_sync(work(1))  # error: ARO103


def other_names_in_the_module():
    u.run_async(work(1))
    u.run_async(work(2))
    myproj.utils.helper()
    myproj.utils.helper()


def single():
    return u.run_sync(work(1))
