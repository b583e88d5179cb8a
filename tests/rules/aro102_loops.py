"""ARO102 event-loop-in-loop: a runner call repeated by a loop of the same scope."""

import asyncio


async def work(x=None):
    return x


def for_loop(items):
    for item in items:
        asyncio.run(work(item))  # error: ARO102:9


def while_loop(queue):
    while queue:
        asyncio.run(work(queue.pop()))  # error: ARO102


def while_test(queue):
    while asyncio.run(work(queue)):  # error: ARO102:11
        queue.pop()


def nested_loops(rows):
    for row in rows:
        for cell in row:
            asyncio.run(work(cell))  # error: ARO102


def two_calls_in_a_body(items):
    for item in items:
        asyncio.run(work(item))  # error: ARO102
        asyncio.run(work(item))  # error: ARO101, ARO102


def list_comprehension(items):
    return [asyncio.run(work(item)) for item in items]  # error: ARO102:13


def set_and_dict_comprehensions(items):
    keys = {asyncio.run(work(item)) for item in items}  # error: ARO102
    return {key: asyncio.run(work(key)) for key in keys}  # error: ARO101:18, ARO102:18


def generator_expression(items):
    return sum(asyncio.run(work(item)) for item in items)  # error: ARO102:16


def comprehension_condition(items):
    return [item for item in items if asyncio.run(work(item))]  # error: ARO102:39


# The loop's iterable is evaluated once.
def iterable_runs_once():
    for item in asyncio.run(work([1, 2])):
        print(item)


def first_comprehension_iterable_runs_once():
    return [item for item in asyncio.run(work([1, 2]))]


# A call that a return or break always follows runs at most once.
def find_first(items):
    for item in items:
        if item:
            return asyncio.run(work(item))
    return None


def break_after_call(items):
    for item in items:
        if item:
            asyncio.run(work(item))
            break


def poll_until_done():
    while True:
        if asyncio.run(work()):  # error: ARO102
            break


def retry_until_success(attempts):
    for attempt in range(attempts):
        try:
            return asyncio.run(work(attempt))  # error: ARO102
        except ConnectionError:
            continue
    raise RuntimeError("gave up")


def break_in_inner_loop_only(rows):
    for row in rows:
        for cell in row:
            asyncio.run(work(cell))  # error: ARO102
            break


# Loops of a nested function are that function's business.
def loop_around_a_def(items):
    for item in items:

        def handler(value=item):
            return asyncio.run(work(value))

        yield handler


def loop_around_a_lambda(items):
    return [lambda: asyncio.run(work(item)) for item in items]


# The hand-managed loop in a loop is fine: one loop, reused.
def hand_managed(items):
    loop = asyncio.new_event_loop()
    try:
        for item in items:
            loop.run_until_complete(work(item))
    finally:
        loop.close()


# The right way: one coroutine runs the whole loop.
def one_loop(items):
    async def all_items():
        return [await work(item) for item in items]

    return asyncio.run(all_items())
