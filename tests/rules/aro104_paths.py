"""ARO104 is path-sensitive: a hand-managed loop call is reported only when one
execution path also makes a managed runner call, before or after it."""

import asyncio

import trio


async def work(x=None):
    return x


# "Use the running loop, else asyncio.run()": the branches are exclusive.  Clean.
def run_get_running(coro):
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    return loop.run_until_complete(coro)


def run_get_event_loop(coro):
    try:
        loop = asyncio.get_event_loop()
    except RuntimeError:
        return asyncio.run(coro)
    return loop.run_until_complete(coro)


def if_else(flag, coro):
    if flag:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(coro)
    else:
        return asyncio.run(coro)


def return_before_run(flag):
    if flag:
        return asyncio.get_event_loop().run_until_complete(work(1))
    asyncio.run(work(2))


def match_cases(mode):
    match mode:
        case "legacy":
            asyncio.new_event_loop().run_until_complete(work(1))
        case _:
            asyncio.run(work(2))


def conditional_expression(flag):
    return asyncio.run(work(1)) if flag else asyncio.get_event_loop()


def trio_alone_on_the_path():
    trio.run(work)
    asyncio.get_event_loop()


# One path makes both: reported, in either order.
def run_after_probe_in_try(coro):
    try:
        loop = asyncio.get_event_loop()  # error: ARO104:16
        loop.run_until_complete(coro)
    except RuntimeError:
        return asyncio.run(coro)


def probe_with_is_running(coro):
    loop = asyncio.get_event_loop()  # error: ARO104:12
    if loop.is_running():
        return loop.create_task(coro)
    else:
        return asyncio.run(coro)


def direct_is_running(coro):
    if asyncio.get_event_loop().is_running():  # error: ARO104:8
        return None
    return asyncio.run(coro)


def get_after_run_on_one_branch(flag):
    asyncio.run(work(1))
    if flag:
        asyncio.get_event_loop()  # error: ARO104:9


def set_before_run_on_one_branch(flag):
    if flag:
        asyncio.set_event_loop(asyncio.new_event_loop())  # error: ARO104:9
    asyncio.run(work(1))


def in_finally(coro):
    try:
        asyncio.run(coro)
    finally:
        asyncio.set_event_loop(None)  # error: ARO104:9


def in_a_loop(items):
    for item in items:
        loop = asyncio.new_event_loop()  # error: ARO104
        loop.run_until_complete(work(item))
        loop.close()
        asyncio.run(work(item))  # error: ARO102


def run_in_the_test(flag):
    if flag and asyncio.run(work(1)):
        asyncio.get_event_loop()  # error: ARO104


def exclusive_then_joined(flag):
    if flag:
        asyncio.run(work(1))
    else:
        asyncio.new_event_loop()
    asyncio.get_event_loop()  # error: ARO104
