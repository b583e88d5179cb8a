"""A library module that never starts a loop, and that no entry point of the project
reaches: no ARO201.  (tests/fixtures/project_seed has the cross-module case.)"""

import asyncpg
import httpx

client = httpx.AsyncClient()
_pool = None


async def get_pool():
    global _pool
    if _pool is None:
        _pool = await asyncpg.create_pool("postgresql://localhost/test")
    return _pool


def sync_helper():
    return httpx.Client()
