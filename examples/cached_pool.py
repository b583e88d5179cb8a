"""The bug that survives the usual fix (ARO201).

The task runs one event loop, as it should, but the pool cached in ``_pool`` belongs to
the first task's loop. The second task in the same worker process fails with
"InterfaceError: cannot perform operation: another operation is in progress".
"""

import asyncio
import os

import asyncpg
import httpx

_pool = None
http = httpx.AsyncClient(timeout=10)


async def get_pool() -> asyncpg.Pool:
    global _pool
    if _pool is None:
        _pool = await asyncpg.create_pool(os.environ["DATABASE_URL"], max_size=4)
    return _pool


async def record(photo_key: str) -> int:
    pool = await get_pool()
    response = await http.post("https://fraudlens.example.com/v1/verify", json={"key": photo_key})
    return await pool.fetchval(
        "insert into analyses (photo_key, verdict) values ($1, $2) returning id",
        photo_key,
        response.json()["verdict"],
    )


def analyze_photo_task(photo_key: str) -> int:
    return asyncio.run(record(photo_key))
