"""ARO201 follows every kind of loop starter in a sync function: a method, a wrapper,
async_to_sync.  The message names the first sync scope that starts a loop."""

import asyncio

import httpx
from asgiref.sync import async_to_sync

client = httpx.AsyncClient()  # error: ARO201


def run_sync(coro):
    return asyncio.run(coro)


class Command:
    def handle(self):
        async_to_sync(client.get)("https://example.invalid")
