"""ARO201 for the other async database and service clients, held in module globals
that a task's coroutine reads."""

import asyncio

import aioboto3
import aiomysql
import aiosqlite
import databases
import elasticsearch
import psycopg
import psycopg_pool
from psycopg_pool import AsyncConnectionPool

pg_pool = psycopg_pool.AsyncConnectionPool("dbname=test", open=False)  # error: ARO201:1
imported_pool = AsyncConnectionPool("dbname=test", open=False)  # error: ARO201
database = databases.Database("postgresql://localhost/test")  # error: ARO201
search = elasticsearch.AsyncElasticsearch("http://localhost:9200")  # error: ARO201
s3 = aioboto3.Session().client("s3")  # error: ARO201
session = aioboto3.Session()
dynamo = session.resource("dynamodb")  # error: ARO201
_pg = None
_mysql = None
_sqlite = None

# Not resources: a session alone makes no connection; sync clients are fine.
elastic_sync = elasticsearch.Elasticsearch("http://localhost:9200")


async def connect_all():
    global _pg, _mysql, _sqlite
    _pg = await psycopg.AsyncConnection.connect("dbname=test")  # error: ARO201
    _mysql = await aiomysql.create_pool(host="localhost")  # error: ARO201
    _sqlite = await aiosqlite.connect(":memory:")  # error: ARO201


async def use_all():
    await connect_all()
    return (pg_pool, imported_pool, database, search, s3, session, dynamo, elastic_sync)


def task():
    asyncio.run(use_all())
