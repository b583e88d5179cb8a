"""ARO201 loop-bound-global: every known factory family, cached in a module global that
a coroutine run by a synchronous function (a new event loop per call) reaches."""

import asyncio
from asyncio import Lock as AsyncLock
from typing import Optional

import aio_pika
import aiohttp
import asyncpg
import httpx
import motor.motor_asyncio
import redis.asyncio
import redis.asyncio as aioredis
from aiohttp import ClientSession, TCPConnector
from asyncpg import create_pool
from motor.motor_asyncio import AsyncIOMotorClient
from redis.asyncio import ConnectionPool, StrictRedis
from sqlalchemy.ext.asyncio import create_async_engine

# Module-level assignments.
client = httpx.AsyncClient()  # error: ARO201:1
session = aiohttp.ClientSession()  # error: ARO201
other_session = ClientSession()  # error: ARO201
connector = TCPConnector(limit=10)  # error: ARO201
cache = redis.asyncio.Redis()  # error: ARO201
cache_from_url = aioredis.from_url("redis://localhost")  # error: ARO201
cache_pool = ConnectionPool.from_url("redis://localhost")  # error: ARO201
redis_pool = ConnectionPool(max_connections=10)  # error: ARO201
strict = StrictRedis()  # error: ARO201
redis_cls_from_url = aioredis.Redis.from_url("redis://localhost")  # error: ARO201
engine = create_async_engine("postgresql+asyncpg://localhost/test")  # error: ARO201
mongo = motor.motor_asyncio.AsyncIOMotorClient()  # error: ARO201
mongo_too = AsyncIOMotorClient("mongodb://localhost")  # error: ARO201
queue = asyncio.Queue()  # error: ARO201
lock = asyncio.Lock()  # error: ARO201
aliased_lock = AsyncLock()  # error: ARO201
event = asyncio.Event()  # error: ARO201
semaphore = asyncio.Semaphore(5)  # error: ARO201
condition = asyncio.Condition()  # error: ARO201

# Annotated assignments.
typed_client: httpx.AsyncClient = httpx.AsyncClient(timeout=10)  # error: ARO201
optional_lock: Optional[asyncio.Lock] = asyncio.Lock()  # error: ARO201:1

# Tuple targets: one report, at the assignment.
first_queue, second_queue = asyncio.Queue(), asyncio.Queue()  # error: ARO201

# Not resources: plain values and unassigned annotations.
_pool = None
_rabbit: Optional[aio_pika.abc.AbstractRobustConnection] = None
settings = {"dsn": "postgresql://localhost/test"}
timeout = httpx.Timeout(10)


# Globals assigned inside functions, sync or async.
async def get_pool():
    global _pool
    if _pool is None:
        _pool = await asyncpg.create_pool("postgresql://localhost/test")  # error: ARO201:9
    return _pool


async def get_pool_from_import():
    global _pool
    _pool = await create_pool("postgresql://localhost/test")  # error: ARO201:5
    return _pool


async def get_connection():
    global _conn
    _conn = await asyncpg.connect("postgresql://localhost/test")  # error: ARO201
    return _conn


async def get_rabbit():
    global _rabbit
    if _rabbit is None:
        _rabbit = await aio_pika.connect_robust("amqp://localhost")  # error: ARO201
    return _rabbit


async def get_plain_rabbit():
    global _plain_rabbit
    _plain_rabbit: aio_pika.Connection
    _plain_rabbit = await aio_pika.connect("amqp://localhost")  # error: ARO201


def set_client():
    global client
    client = httpx.AsyncClient()  # error: ARO201


# Negatives in the same module: locals, closed resources, non-global names.
async def local_pool():
    pool = await asyncpg.create_pool("postgresql://localhost/test")
    try:
        return await pool.fetchval("select 1")
    finally:
        await pool.close()


async def created_and_closed():
    async with httpx.AsyncClient() as http:
        return await http.get("https://example.invalid")


def sync_local_pool():
    local_queue = asyncio.Queue()
    return local_queue


def global_declared_but_other_name():
    global settings
    fresh = asyncio.Lock()
    settings = {"lock": id(fresh)}


class Holder:
    # A class attribute is not a module global.
    lock = asyncio.Lock()


# What the task's coroutine reaches: each global above is read here, or by a function
# it awaits.  ``settings``, ``timeout`` and ``Holder.lock`` are read too, and are fine.
async def use_everything():
    await get_pool()
    await get_pool_from_import()
    await get_connection()
    await get_rabbit()
    await get_plain_rabbit()
    set_client()
    return (
        client, session, other_session, connector, cache, cache_from_url, cache_pool,
        redis_pool, strict, redis_cls_from_url, engine, mongo, mongo_too, queue, lock,
        aliased_lock, event, semaphore, condition, typed_client, optional_lock,
        first_queue, second_queue, settings, timeout, Holder.lock,
    )  # fmt: skip


# The synchronous function that starts a new loop per call, making all of the above
# live on the first loop only.
def task(job_id):
    return asyncio.run(use_everything())
