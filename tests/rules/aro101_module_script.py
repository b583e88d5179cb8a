"""ARO101 at module level: a script body is a synchronous scope too."""

import asyncio


async def migrate(step):
    return step


print("migrating")
asyncio.run(migrate("schema"))
asyncio.run(migrate("data"))  # error: ARO101:1
for step in ("a", "b"):
    asyncio.run(migrate(step))  # error: ARO101:5, ARO102:5
