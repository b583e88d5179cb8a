"""ARO101 scopes: methods, static/class methods, nested functions, lambdas, class bodies,
decorators.  A nested function or lambda is its own scope; its parent does not count it."""

import asyncio
import functools


async def work(x=None):
    return x


class Service:
    def method(self):
        asyncio.run(work(1))
        asyncio.run(work(2))  # error: ARO101

    @staticmethod
    def static():
        asyncio.run(work(1))
        asyncio.run(work(2))  # error: ARO101

    @classmethod
    def klass(cls):
        asyncio.run(work(1))
        asyncio.run(work(2))  # error: ARO101

    @property
    def single(self):
        return asyncio.run(work(1))

    def one_each(self):
        # Each nested scope runs one loop; the method itself runs none.
        def first():
            return asyncio.run(work(1))

        def second():
            return asyncio.run(work(2))

        return first, second


class Settings:
    # A class body is a synchronous scope, executed once at import.
    primary = asyncio.run(work("primary"))
    replica = asyncio.run(work("replica"))  # error: ARO101:15


def outer():
    asyncio.run(work(1))

    def inner():
        asyncio.run(work(2))
        asyncio.run(work(3))  # error: ARO101

    asyncio.run(work(4))  # error: ARO101
    return inner


def nested_single_calls():
    asyncio.run(work(1))

    def inner():
        return asyncio.run(work(2))

    return inner


def lambdas():
    fetch_one = lambda: asyncio.run(work(1))
    fetch_two = lambda: asyncio.run(work(2))
    return fetch_one, fetch_two


def lambda_with_two():
    return lambda: asyncio.run(work(1)) + asyncio.run(work(2))  # error: ARO101:43


def decorated_scopes():
    @functools.lru_cache
    def cached():
        asyncio.run(work(1))
        asyncio.run(work(2))  # error: ARO101

    return cached


# A decorator expression runs in the enclosing scope, once, when the def executes.
@functools.lru_cache(maxsize=asyncio.run(work(1)))
def decorated(x):
    return x


@functools.lru_cache(maxsize=asyncio.run(work(2)))  # error: ARO101:30
def decorated_again(x):
    return x


def defaults_run_in_the_enclosing_scope():
    asyncio.run(work(1))

    def inner(x=asyncio.run(work(2))):  # error: ARO101:17
        return x

    return inner
