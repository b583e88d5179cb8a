"""A nightly sync command that starts one event loop per user (ARO102)."""

import asyncio

import httpx


async def refresh_profile(user_id: int) -> dict:
    async with httpx.AsyncClient(base_url="https://api.example.com") as client:
        response = await client.get(f"/users/{user_id}")
        response.raise_for_status()
        return response.json()


def sync_profiles(user_ids: list[int]) -> list[dict]:
    profiles = []
    for user_id in user_ids:
        profiles.append(asyncio.run(refresh_profile(user_id)))
    return profiles


def sync_avatars(user_ids: list[int]) -> list[dict]:
    return [asyncio.run(refresh_profile(user_id)) for user_id in user_ids]
