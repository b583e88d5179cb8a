"""The commands of ``python -m reference_worker`` (the parser is in ``__main__``).

This module imports the ``worker`` extra (rq, redis, asyncpg, httpx); ``__main__`` checks
that they are installed before it imports this module.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import secrets
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import TextIO

import asyncpg
import redis
from rq import Queue

from reference_worker import config
from reference_worker.enqueue import (
    DEFAULT_RETRY,
    PERSISTENT_TASK,
    TASK,
    enqueue_analysis,
    purge_queue,
)
from reference_worker.errors import CommandError
from reference_worker.fraudlens_server import FraudLensServer
from reference_worker.pipeline import PhotoJob
from reference_worker.repository import apply_schema, set_user_tier
from reference_worker.samples import make_png
from reference_worker.store import LocalPhotoStore

WORKER_CLASSES = {
    "fork": "reference_worker.prefork.PreloadingWorker",
    "simple": "rq.worker.SimpleWorker",
    "persistent": "reference_worker.persistent.PersistentLoopWorker",
}

_DB_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


def _redis(url: str) -> redis.Redis:
    conn = redis.Redis.from_url(url)
    try:
        conn.ping()
    except redis.RedisError as exc:
        raise CommandError(f"cannot reach Redis at {url}: {exc}") from None
    return conn


async def _connect(dsn: str) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(dsn)
    except _DB_ERRORS as exc:
        raise CommandError(f"cannot connect to DATABASE_URL: {exc}") from None


async def _init_db(dsn: str) -> None:
    conn = await _connect(dsn)
    try:
        await apply_schema(conn)
    finally:
        await conn.close()


def configure_stage_logging(stream: TextIO | None = None) -> None:
    """Print the ``[Worker] STAGE n/6`` lines, bare, on ``stream`` (stdout by default, like
    RQ's own log lines, so the two interleave in order)."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    stage_log = logging.getLogger("reference_worker.stages")
    stage_log.handlers[:] = [handler]
    stage_log.setLevel(logging.INFO)
    stage_log.propagate = False


def cmd_init_db(args: argparse.Namespace) -> int:
    asyncio.run(_init_db(config.database_url()))
    print("schema applied", file=sys.stderr)
    return 0


def cmd_enqueue(args: argparse.Namespace) -> int:
    PhotoJob.create(args.photo, args.user, args.chat)  # bad arguments: fail before any I/O
    queue = Queue(config.queue_name(), connection=_redis(config.redis_url()))
    job = enqueue_analysis(
        queue,
        args.photo,
        args.user,
        args.chat,
        task=PERSISTENT_TASK if args.persistent else TASK,
        retry=None if args.no_retry else DEFAULT_RETRY,
    )
    print(job.id)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from rq.cli import main as rq_main

    url = config.redis_url()
    # Every job reads these settings; check them once, before the worker takes any job,
    # so that a missing photo directory fails here, not in each job's traceback.
    config.Settings.from_env()
    _redis(url)
    kind = "persistent" if args.persistent else "simple" if args.simple else "fork"
    rq_args = ["worker", "--url", url, "--worker-class", WORKER_CLASSES[kind]]
    # Retry intervals need the scheduler.  A burst worker just drains the queue.
    rq_args.append("--burst" if args.burst else "--with-scheduler")
    if args.max_jobs:
        rq_args += ["--max-jobs", str(args.max_jobs)]
    rq_args.append(config.queue_name())
    configure_stage_logging()
    try:
        rq_main.main(args=rq_args, prog_name="rq", standalone_mode=False)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


DEMO_USERS = {1001: "pro", 1002: "free"}
DEMO_PHOTOS = [
    ("uploads/2026/beach.png", 1001, 5001),
    ("uploads/2026/receipt.png", 1002, 5002),
    ("uploads/2026/passport.png", 1001, 5001),
    ("uploads/2026/selfie.png", 1003, 5003),  # unknown user: free tier
]


async def _demo(env: dict[str, str], schema: str) -> int:
    """Prepare the data, run the real worker processes, print what they stored."""
    conn = await _connect(env["DATABASE_URL"])
    try:
        await conn.execute(f"CREATE SCHEMA {schema}")
        await apply_schema(conn)
        for user_id, tier in DEMO_USERS.items():
            await set_user_tier(conn, user_id, tier)

        queue = Queue(env["TRUTHSNAP_QUEUE"], connection=_redis(env["REDIS_URL"]))
        store = LocalPhotoStore(env["TRUTHSNAP_PHOTO_DIR"], max_bytes=10**6)
        batches = (("forking Worker", DEMO_PHOTOS[:2]), ("SimpleWorker", DEMO_PHOTOS[2:]))
        for mode, photos in batches:
            for key, user_id, chat_id in photos:
                store.put(key, make_png(DEMO_PHOTOS.index((key, user_id, chat_id))))
                enqueue_analysis(queue, key, user_id, chat_id, retry=None)
            print(f"\n== {len(photos)} jobs on {mode} ==", flush=True)
            cmd = [sys.executable, "-m", "reference_worker", "worker", "--burst"]
            if mode == "SimpleWorker":
                cmd.append("--simple")
            proc = await asyncio.create_subprocess_exec(*cmd, env=env)
            if await proc.wait() != 0:
                raise CommandError(f"the worker exited with status {proc.returncode}")

        print("\n== analyses ==")
        for row in await conn.fetch(
            "SELECT analysis_id, photo_key, user_id, user_tier, verdict, score "
            "FROM analyses ORDER BY created_at"
        ):
            print(json.dumps(dict(row)))
        print("\n== notifications (outbox) ==")
        for row in await conn.fetch(
            "SELECT notification_id, analysis_id, chat_id, status, message "
            "FROM notifications ORDER BY notification_id"
        ):
            print(json.dumps(dict(row)))
        failed = queue.failed_job_registry.count
        print(f"\nfailed jobs: {failed}")
        purge_queue(queue)
        return 1 if failed else 0
    finally:
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await conn.close()


def cmd_demo(args: argparse.Namespace) -> int:
    from reference_worker.services import throwaway_postgres, throwaway_redis

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="truthsnap-demo-")))
        db_url = os.environ.get("DATABASE_URL") or stack.enter_context(
            throwaway_postgres(tmp / "pg")
        )
        schema = f"truthsnap_demo_{secrets.token_hex(4)}"
        db_url = config.dsn_with_schema(db_url, schema)
        redis_url = os.environ.get("REDIS_URL") or stack.enter_context(
            throwaway_redis(tmp / "redis")
        )
        fraudlens = stack.enter_context(FraudLensServer())
        photo_dir = tmp / "photos"
        photo_dir.mkdir()
        env = {
            **os.environ,
            "DATABASE_URL": db_url,
            "REDIS_URL": redis_url,
            "FRAUDLENS_URL": fraudlens.url,
            "TRUTHSNAP_PHOTO_DIR": str(photo_dir),
            "TRUTHSNAP_QUEUE": f"truthsnap-demo-{secrets.token_hex(4)}",
        }
        print(f"PostgreSQL: {db_url}\nRedis: {redis_url}\nFraudLens: {fraudlens.url}")
        return asyncio.run(_demo(env, schema))
