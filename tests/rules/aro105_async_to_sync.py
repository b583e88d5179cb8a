"""ARO105 repeated-async-to-sync: a path whose repeated runner calls are all
async_to_sync gets its own code; mixed with other runners it is ARO101."""

import asyncio

import asgiref.sync
from asgiref import sync
from asgiref.sync import async_to_sync
from asgiref.sync import async_to_sync as a2s


async def work(x=None):
    return x


def celery_task(user_id):
    user = async_to_sync(work)(user_id)
    async_to_sync(work)(user)  # error: ARO105:5


def alias_forms():
    a2s(work)(1)
    sync.async_to_sync(work)(2)  # error: ARO105
    asgiref.sync.async_to_sync(work)(3)  # error: ARO105


def mixed_with_asyncio():
    async_to_sync(work)(1)
    asyncio.run(work(2))  # error: ARO101


def asyncio_then_async_to_sync():
    asyncio.run(work(1))
    async_to_sync(work)(2)  # error: ARO101


def pure_path_then_mixed(flag):
    async_to_sync(work)(1)
    if flag:
        async_to_sync(work)(2)  # error: ARO105:9
    else:
        asyncio.run(work(3))  # error: ARO101


def in_a_loop(items):
    for item in items:
        async_to_sync(work)(item)  # error: ARO102


def single_call():
    return async_to_sync(work)(1)


def wrapped_once_not_called():
    # async_to_sync(f) builds a callable; only calling it runs a loop.
    fetch = async_to_sync(work)
    return fetch


# A function wrapped once and called many times: each call runs a loop.
send = async_to_sync(work)


def module_level_wrapper():
    send(1)
    send(2)  # error: ARO105:5


def local_wrapper():
    fetch = a2s(work)
    fetch(1)
    fetch(2)  # error: ARO105:5


def wrapper_then_asyncio():
    send(1)
    asyncio.run(work(2))  # error: ARO101


def wrapper_in_a_loop(items):
    for item in items:
        send(item)  # error: ARO102


def wrapper_once():
    return send(1)


def rebound_wrapper(flag):
    # Bound twice: not followed.
    fetch = async_to_sync(work)
    if flag:
        fetch = print
    fetch(1)
    fetch(2)


@async_to_sync
async def notify(x):
    return x


def decorated_twice():
    notify(1)
    notify(2)  # error: ARO105:5


def decorated_on_exclusive_branches(flag):
    if flag:
        notify(1)
    else:
        notify(2)


def decorated_and_wrapped():
    notify(1)
    send(2)  # error: ARO105


def decorated_in_a_comprehension(items):
    return [notify(item) for item in items]  # error: ARO102


@sync.async_to_sync
async def notify_attribute(x):
    return x


def decorated_attribute_form():
    notify_attribute(1)
    notify_attribute(2)  # error: ARO105


async def wrapper_in_async():
    send(1)  # error: ARO103
    notify(2)  # error: ARO103
    await work(3)


def plain_sync_def_decorated():
    # A decorator on a synchronous def is not async_to_sync's documented form.
    @async_to_sync
    def helper():
        return None

    helper()
    helper()


class Consumer:
    def receive(self, text):
        async_to_sync(self.channel_layer.group_send)("chat", {"text": text})
        async_to_sync(self.channel_layer.group_send)("log", {"text": text})  # error: ARO105:9

    def connect(self):
        async_to_sync(self.channel_layer.group_add)("chat", self.channel_name)
