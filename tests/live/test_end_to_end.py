"""End to end on live PostgreSQL and Redis, with a real FraudLens HTTP server."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys

import pytest
from rq import Queue
from rq.job import Job, JobStatus

from reference_worker.enqueue import PERSISTENT_TASK, enqueue_analysis
from reference_worker.fraudlens_server import FraudLensServer, verdict_for
from reference_worker.samples import make_png
from reference_worker.store import LocalPhotoStore

from .conftest import REPO_ROOT, LiveDB, RqWorker, SimpleWorkerRun

pytestmark = pytest.mark.live

STAGE_LINE = re.compile(r"^\[Worker\] STAGE ([1-6])/6: [A-Z][^|]* in \d+ms( \| [a-z_0-9]+=\S.*)*$")
STAGE_4 = re.compile(
    r"^\[Worker\] STAGE 4/6: Saved analysis to DB in \d+ms"
    r" \| analysis_id=ANL-[0-9A-F]{16} \| user_tier=(pro|free)$"
)

USERS = {7001: "pro", 7002: "free"}  # 7003 is unknown, so free


def _enqueue_photos(
    queue: Queue, store: LocalPhotoStore, count: int, *, task: str | None = None
) -> dict[str, tuple[Job, bytes, int]]:
    jobs: dict[str, tuple[Job, bytes, int]] = {}
    for i in range(count):
        key = f"uploads/photo-{i}.png"
        data = make_png(i)
        store.put(key, data)
        user_id = 7001 + i % 3
        kwargs = {"task": task} if task else {}
        job = enqueue_analysis(queue, key, user_id, 9000 + i, retry=None, **kwargs)
        jobs[key] = (job, data, user_id)
    return jobs


def _assert_rows(db: LiveDB, jobs: dict[str, tuple[Job, bytes, int]]) -> None:
    """Every job finished, and its analysis, tier and outbox rows are right."""
    analyses = {row["photo_key"]: row for row in db.fetch("SELECT * FROM analyses")}
    outbox = {row["analysis_id"]: row for row in db.fetch("SELECT * FROM notifications")}
    assert set(analyses) == set(jobs)
    assert len(outbox) == len(jobs)
    for key, (job, data, user_id) in jobs.items():
        job.refresh()
        assert job.get_status() == JobStatus.FINISHED, job.latest_result()
        result = job.return_value()
        row = analyses[key]
        expected = verdict_for(data)
        tier = USERS.get(user_id, "free")
        assert row["user_id"] == user_id
        assert row["user_tier"] == tier
        assert row["verdict"] == expected["verdict"]
        assert row["score"] == pytest.approx(expected["score"])
        assert json.loads(row["reasons"]) == expected["reasons"]
        assert row["image_format"] == "png"
        assert row["size_bytes"] == len(data)
        assert row["attempts"] == 1
        assert result["analysis_id"] == row["analysis_id"]
        assert result["user_tier"] == tier
        note = outbox[row["analysis_id"]]
        assert note["chat_id"] == row["chat_id"]
        assert note["status"] == "pending"
        if tier == "pro":
            assert f"score {expected['score']:.3f}" in note["message"]
            assert all(reason in note["message"] for reason in expected["reasons"])
        else:
            assert "Upgrade to TruthSnap Pro" in note["message"]
            assert "(score" not in note["message"]


@pytest.fixture
def users(db: LiveDB) -> None:
    for user_id, tier in USERS.items():
        db.set_tier(user_id, tier)


@pytest.mark.parametrize(
    "worker_class", ["rq.worker.Worker", "reference_worker.prefork.PreloadingWorker"]
)
def test_forking_worker_subprocess(
    worker_class: str,
    db: LiveDB,
    users: None,
    queue: Queue,
    photo_store: LocalPhotoStore,
    rq_worker: RqWorker,
) -> None:
    jobs = _enqueue_photos(queue, photo_store, 6)
    proc = rq_worker("-w", worker_class)
    _assert_rows(db, jobs)
    stage_lines = [line for line in proc.stdout.splitlines() if line.startswith("[Worker]")]
    assert len(stage_lines) == 6 * len(jobs), proc.stdout
    assert all(STAGE_LINE.match(line) for line in stage_lines), stage_lines
    assert sum(bool(STAGE_4.match(line)) for line in stage_lines) == len(jobs)


def test_simple_worker_in_process(
    db: LiveDB,
    users: None,
    queue: Queue,
    photo_store: LocalPhotoStore,
    simple_worker: SimpleWorkerRun,
    caplog: pytest.LogCaptureFixture,
) -> None:
    jobs = _enqueue_photos(queue, photo_store, 6)
    with caplog.at_level(logging.INFO, logger="reference_worker.stages"):
        simple_worker(queue)
    _assert_rows(db, jobs)
    lines = [r.getMessage() for r in caplog.records if r.name == "reference_worker.stages"]
    assert len(lines) == 36
    assert all(STAGE_LINE.match(line) for line in lines), lines
    assert [int(STAGE_LINE.match(line).group(1)) for line in lines[:6]] == [1, 2, 3, 4, 5, 6]  # type: ignore[union-attr]
    assert sum(bool(STAGE_4.match(line)) for line in lines) == 6


def test_persistent_loop_worker(
    db: LiveDB, users: None, queue: Queue, photo_store: LocalPhotoStore, rq_worker: RqWorker
) -> None:
    jobs = _enqueue_photos(queue, photo_store, 8, task=PERSISTENT_TASK)
    rq_worker("-w", "reference_worker.persistent.PersistentLoopWorker")
    _assert_rows(db, jobs)
    # One pool for the whole process: every job ran with the same resources, so no job
    # reported a setup time of its own.
    for job, _, _ in jobs.values():
        assert "setup" not in job.return_value()["timings_ms"]


def test_cli_enqueue_worker_and_init_db(
    db: LiveDB,
    users: None,
    queue: Queue,
    photo_store: LocalPhotoStore,
    worker_env: dict[str, str],
    fraudlens: FraudLensServer,
) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "reference_worker", *args],
            env=worker_env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    for _ in range(2):  # idempotent
        proc = cli("init-db")
        assert proc.returncode == 0, proc.stderr
    photo_store.put("cli/one.png", make_png(42))
    proc = cli("enqueue", "cli/one.png", "--user", "7001", "--chat", "-100123")
    assert proc.returncode == 0, proc.stderr
    job_id = proc.stdout.strip()
    proc = cli("worker", "--burst", "--simple")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sum(bool(STAGE_4.match(line)) for line in proc.stdout.splitlines()) == 1, proc.stdout
    job = Job.fetch(job_id, connection=queue.connection)
    assert job.get_status() == JobStatus.FINISHED
    row = db.fetch("SELECT * FROM analyses")[0]
    assert (row["photo_key"], row["user_tier"], row["chat_id"]) == ("cli/one.png", "pro", -100123)
    assert fraudlens.stats["verified"] == 1
