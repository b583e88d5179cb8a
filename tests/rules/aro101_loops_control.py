"""ARO101 with while/else, for/else, break and continue (calls outside loop bodies, so
that ARO102 does not apply)."""

import asyncio


async def work(x=None):
    return x


def for_else_runs_after_exhaustion(items):
    for item in items:
        print(item)
    else:
        asyncio.run(work(1))
    asyncio.run(work(2))  # error: ARO101


def while_else(queue):
    while queue:
        queue.pop()
    else:
        asyncio.run(work(1))
    asyncio.run(work(2))  # error: ARO101


def for_else_exclusive_with_break(items):
    found = None
    for item in items:
        if item:
            found = item
            break
    else:
        return asyncio.run(work(1))
    return asyncio.run(work(found))


def while_true_break(queue):
    while True:
        if queue:
            break
    asyncio.run(work(1))


def while_true_return(queue):
    while True:
        if queue:
            return asyncio.run(work(queue))


def continue_skips(items):
    for item in items:
        if item:
            continue
        print(item)
    asyncio.run(work(1))
