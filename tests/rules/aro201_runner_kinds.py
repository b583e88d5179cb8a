"""ARO201 follows every kind of loop starter in a sync function: a method, a wrapper,
async_to_sync.  The message names the first entry point (in line order) that reaches
the global, and the chain."""

import asyncio

import httpx
from asgiref.sync import async_to_sync

client = httpx.AsyncClient()  # error: ARO201


def run_sync(coro):
    return asyncio.run(coro)


async def fetch(url):
    return await client.get(url)


def through_wrapper():
    return run_sync(fetch("https://example.invalid"))


class Command:
    def handle(self):
        async_to_sync(fetch)("https://example.invalid")
