"""anyio.run and trio.run, ``(callable, *args)``, through every import form."""

import anyio
import anyio as aio
import trio
import trio as t
from anyio import run
from trio import run as trio_run


async def work(x=None):
    return x


def anyio_plain():
    anyio.run(work, 1)
    anyio.run(work, 2)  # error: ARO101


def anyio_alias():
    aio.run(work)
    aio.run(work, backend="trio")  # error: ARO101


def anyio_from_import():
    run(work, 1)
    run(work, 2)  # error: ARO101


def trio_plain():
    trio.run(work, 1)
    trio.run(work, 2)  # error: ARO101


def trio_aliases():
    t.run(work)
    trio_run(work)  # error: ARO101


def mixed_libraries():
    anyio.run(work)
    trio.run(work)  # error: ARO101


def anyio_in_loop(items):
    for item in items:
        anyio.run(work, item)  # error: ARO102


def single_calls_are_clean():
    return anyio.run(work, 1)


def trio_single():
    return trio.run(work)


def lookalikes(nursery, portal):
    portal.run(work)
    portal.run(work)
    nursery.start_soon(work)
    anyio.from_thread.run(work)
    anyio.from_thread.run(work)
    trio.from_thread.run(work)
    trio.from_thread.run(work)
