"""The right way: one event loop per synchronous entry, resources owned by that loop.

``flake8-asyncio-run check examples/clean.py`` reports nothing.
"""

import asyncio
import os

import asyncpg
import httpx


async def analyze(photo_key: str, user_id: int) -> dict:
    # Created inside the coroutine, closed before the loop ends.
    async with (
        asyncpg.create_pool(os.environ["DATABASE_URL"], max_size=2) as pool,
        httpx.AsyncClient(base_url="https://fraudlens.example.com", timeout=10) as http,
    ):
        response = await http.post("/v1/verify", json={"key": photo_key})
        verdict = response.json()["verdict"]
        analysis_id = await pool.fetchval(
            "insert into analyses (photo_key, verdict) values ($1, $2) returning id",
            photo_key,
            verdict,
        )
        tier = await pool.fetchval("select tier from users where id = $1", user_id)
    return {"analysis_id": analysis_id, "verdict": verdict, "tier": tier or "free"}


def analyze_photo_task(photo_key: str, user_id: int) -> dict:
    # One loop for the whole task.
    return asyncio.run(analyze(photo_key, user_id))


def sync_profiles(user_ids: list[int]) -> list[dict]:
    async def fetch_all() -> list[dict]:
        async with httpx.AsyncClient(base_url="https://api.example.com") as client:
            responses = await asyncio.gather(*(client.get(f"/users/{u}") for u in user_ids))
        return [response.json() for response in responses]

    # One loop for the whole batch, the requests concurrent.
    return asyncio.run(fetch_all())


def legacy_refresh(keys: list[str]) -> None:
    # Before Python 3.11: one hand-managed loop, created and closed once.
    loop = asyncio.new_event_loop()
    try:
        for key in keys:
            loop.run_until_complete(asyncio.sleep(0, key))
    finally:
        loop.close()


if __name__ == "__main__":
    print(analyze_photo_task("photos/1.png", 1))
