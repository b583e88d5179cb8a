# options: loop-bound-factories=myproj.db.make_pool,databases.Database
"""``loop-bound-factories`` adds factories, resolved through imports like runners."""

import asyncio

import databases
import myproj.db as db
from myproj.db import make_pool, make_config

pool = make_pool()  # error: ARO201:1
other_pool = db.make_pool(size=2)  # error: ARO201
database = databases.Database("postgresql://localhost/test")  # error: ARO201
config = make_config()
helper = db.other()


async def use():
    return pool, other_pool, database, config, helper


def task():
    asyncio.run(use())
