"""A purely async app: its only runner is the entry point in the module body, which
runs once per process.  Globals bound to that one loop are fine: no ARO201."""

import asyncio

import asyncpg
import httpx

client = httpx.AsyncClient()
_pool = None
lock = asyncio.Lock()


async def get_pool():
    global _pool
    if _pool is None:
        _pool = await asyncpg.create_pool("postgresql://localhost/test")
    return _pool


async def main():
    pool = await get_pool()
    async with lock:
        await pool.fetchval("select 1")
    await client.aclose()


if __name__ == "__main__":
    asyncio.run(main())
