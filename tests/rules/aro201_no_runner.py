"""A library module that never starts a loop itself: no ARO201 (cross-module detection
is planned, not part of this rule yet)."""

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
