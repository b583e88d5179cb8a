"""The canonical entry point is clean: one asyncio.run() per process."""

import asyncio

import httpx


async def main():
    async with httpx.AsyncClient() as client:
        await client.get("https://example.invalid")
    await asyncio.sleep(0)


def cli():
    asyncio.run(main())


if __name__ == "__main__":
    asyncio.run(main())
