"""Module-local wrappers: a module-level function or lambda that runs an event loop on
every path counts as a runner where it is called by name in the same module."""

import asyncio
import functools

import anyio
from asgiref.sync import async_to_sync


async def work(x=None):
    return x


def run_sync(coro):
    return asyncio.run(coro)


run_lambda = lambda coro: asyncio.run(coro)


def run_twice_removed(coro):
    """A wrapper of a wrapper."""
    return run_sync(coro)


def run_with_logging(coro):
    print("starting a loop")
    result = asyncio.run(coro)
    print("loop closed")
    return result


def run_anyio(fn, *args):
    return anyio.run(fn, *args)


def run_a2s(fn, *args):
    return async_to_sync(fn)(*args)


def run_debug(coro, debug=False):
    return asyncio.run(coro, debug=debug)


def keyword_wrapper():
    run_debug(work(1))
    run_debug(work(2), debug=True)  # error: ARO101


def task():
    run_sync(work(1))
    run_sync(work(2))  # error: ARO101


def through_lambda():
    run_lambda(work(1))
    run_lambda(work(2))  # error: ARO101


def through_wrapper_of_wrapper():
    run_twice_removed(work(1))
    run_with_logging(work(2))  # error: ARO101


def wrapper_mixed_with_runner():
    run_sync(work(1))
    asyncio.run(work(2))  # error: ARO101


def wrapper_in_loop(items):
    for item in items:
        run_sync(work(item))  # error: ARO102


def anyio_wrapper():
    run_anyio(work, 1)
    run_anyio(work, 2)  # error: ARO101


def async_to_sync_wrapper():
    run_a2s(work, 1)
    run_a2s(work, 2)  # error: ARO105


async def wrapper_in_async():
    run_sync(work(1))  # error: ARO103
    run_anyio(work)  # error: ARO103


# Not wrappers: a loop on only some paths, recursion, or a nested def.
def sometimes(coro, flag):
    if flag:
        return asyncio.run(coro)
    return None


def recursive(coro, depth):
    if depth:
        return recursive(coro, depth - 1)
    return recursive(coro, depth)


def retrying(coro, attempts):
    # Recursion stops: the recursive path is not known to run a loop, so this is not a
    # wrapper (and the analysis terminates).
    if attempts:
        return retrying(coro, attempts - 1)
    return asyncio.run(coro)


def mutual_a(coro):
    return mutual_b(coro)


def mutual_b(coro):
    return mutual_a(coro)


def uses_non_wrappers():
    sometimes(work(1), True)
    sometimes(work(2), True)
    recursive(work(1), 3)
    recursive(work(2), 3)
    mutual_a(work(1))
    mutual_b(work(2))
    retrying(work(1), 2)
    retrying(work(2), 2)


def outer_scope():
    def nested_runner(coro):
        return asyncio.run(coro)

    # Only module-level functions are wrappers; this one counts once, inside itself.
    nested_runner(work(1))
    nested_runner(work(2))


def shadowed_wrapper(run_sync):
    run_sync(work(1))
    run_sync(work(2))


class Jobs:
    def run_sync(self, coro):
        return asyncio.run(coro)

    def go(self):
        self.run_sync(work(1))
        self.run_sync(work(2))


def single_wrapper_call():
    return run_sync(work(1))


def decorated_wrapper_is_still_called_by_name():
    cached_run(work(1))
    cached_run(work(2))  # error: ARO101


@functools.wraps(run_sync)
def cached_run(coro):
    return asyncio.run(coro)


def wrapper_redefined_later():
    twice_defined(work(1))
    twice_defined(work(2))


def twice_defined(coro):
    return asyncio.run(coro)


def twice_defined(coro):  # a second binding: no longer known to run a loop
    return coro


if __name__ == "__main__":
    run_sync(work())
