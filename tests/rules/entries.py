"""Entries: functions that run an event loop over their own coroutine (a task, a CLI
command, a sync facade).  One loop per entry is the design, so calling entries one
after another is clean; calling one inside ``async def`` is ARO103."""

import asyncio
import sys

import anyio


async def fetch(item):
    await asyncio.sleep(0)
    return item


async def _combined(user_id):
    return await fetch(user_id), await fetch(user_id + 1)


def notify_task(user_id):
    return asyncio.run(_combined(user_id))


def export_task(path):
    """An entry through anyio: it runs its own async function."""
    return anyio.run(fetch, path)


def nightly():
    """Calls entries on every path: an entry too."""
    notify_task(1)
    export_task("out.csv")


# Clean: a CLI command, a loop over tasks and a test each run one loop per entry call.
def cli_main(argv):
    for user in argv:
        notify_task(int(user))
    export_task(argv[0])
    nightly()


def test_notify_twice():
    assert notify_task(1) == (1, 2)
    assert notify_task(2) == (2, 3)


# Inside a running loop, an entry's loop raises or blocks.
async def hook(user_id):
    notify_task(user_id)  # error: ARO103:5
    export_task("x")  # error: ARO103
    nightly()  # error: ARO103


async def hook_in_comprehension(users):
    return [notify_task(u) for u in users]  # error: ARO103


async def hook_with_a_deferred_call(users):
    # A lambda is a synchronous scope of its own: not a call inside the coroutine.
    return sorted(users, key=lambda u: notify_task(u))


if __name__ == "__main__":
    notify_task(int(sys.argv[1]))
    notify_task(int(sys.argv[2]))
    nightly()
