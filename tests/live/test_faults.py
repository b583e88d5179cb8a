"""Faults: FraudLens errors and timeouts, a killed PostgreSQL connection, missing photos and
bad arguments.  Failures must be clear, retried by RQ, and leave no partial or duplicate
rows."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from rq import Queue, Retry
from rq.job import Job, JobStatus
from rq.results import Result

from reference_worker.enqueue import PERSISTENT_TASK, TASK, enqueue_analysis
from reference_worker.errors import InvalidJobArguments
from reference_worker.fraudlens_server import FraudLensServer
from reference_worker.samples import make_png
from reference_worker.store import LocalPhotoStore
from reference_worker.tasks import analyze_photo_task

from .conftest import REPO_ROOT, LiveDB, SimpleWorkerRun

pytestmark = pytest.mark.live


def _final_error(job: Job) -> str:
    """The error text of the job's last (failed) attempt."""
    result = job.latest_result()
    assert result is not None
    assert result.type == Result.Type.FAILED
    return result.exc_string or ""


def _logged_errors(log_text: str, exc_type: str) -> list[str]:
    """The ``module.Type: message`` lines that RQ logged for failed attempts."""
    return [line for line in log_text.splitlines() if line.startswith(f"{exc_type}: ")]


def _one_photo(store: LocalPhotoStore, key: str = "faults/photo.png") -> str:
    store.put(key, make_png(3))
    return key


@pytest.mark.parametrize(
    ("fault", "expected"),
    [("error", "FraudLensError: FraudLens returned HTTP 500"), ("timeout", "timed out after")],
)
def test_fraudlens_fault_is_retried_without_partial_or_duplicate_rows(
    fault: str,
    expected: str,
    db: LiveDB,
    queue: Queue,
    photo_store: LocalPhotoStore,
    fraudlens: FraudLensServer,
    simple_worker: SimpleWorkerRun,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("FRAUDLENS_TIMEOUT", "0.5")
    fraudlens.inject(fault, count=2, delay=5)  # type: ignore[arg-type]
    key = _one_photo(photo_store)
    job = enqueue_analysis(queue, key, 11, 22, retry=Retry(max=3))
    simple_worker(queue)

    job.refresh()
    assert job.get_status() == JobStatus.FINISHED
    assert job.retries_left == 1  # two attempts failed, the third succeeded
    failures = _logged_errors(caplog.text, "reference_worker.errors.FraudLensError")
    assert len(failures) == 2, caplog.text
    assert all(expected in line for line in failures), failures
    assert fraudlens.stats["requests"] == 3
    rows = db.fetch("SELECT * FROM analyses")
    assert len(rows) == 1
    assert rows[0]["attempts"] == 1  # the failed attempts wrote nothing
    assert db.count("notifications") == 1


def test_fraudlens_fault_exhausting_retries_fails_cleanly(
    db: LiveDB,
    queue: Queue,
    photo_store: LocalPhotoStore,
    fraudlens: FraudLensServer,
    simple_worker: SimpleWorkerRun,
) -> None:
    fraudlens.inject("error", count=3)
    job = enqueue_analysis(queue, _one_photo(photo_store), 11, 22, retry=Retry(max=2))
    simple_worker(queue)

    job.refresh()
    assert job.get_status() == JobStatus.FAILED
    assert job.id in queue.failed_job_registry
    assert job.retries_left == 0
    assert fraudlens.stats["requests"] == 3
    assert "FraudLens returned HTTP 500 (POST http://127.0.0.1:" in _final_error(job)
    assert "/v1/verify): " in _final_error(job)
    assert db.count("analyses") == 0
    assert db.count("notifications") == 0


SLOW_INSERT = """
CREATE FUNCTION {schema}.slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_sleep(1.5);
    RETURN NEW;
END $$;
CREATE TRIGGER slow_insert BEFORE INSERT ON {schema}.analyses
    FOR EACH ROW EXECUTE FUNCTION {schema}.slow_insert();
"""


@pytest.mark.parametrize(
    ("worker_class", "task"),
    [
        ("rq.worker.Worker", TASK),
        ("reference_worker.persistent.PersistentLoopWorker", PERSISTENT_TASK),
    ],
)
def test_postgres_connection_killed_mid_job_then_retry_succeeds(
    worker_class: str,
    task: str,
    db: LiveDB,
    queue: Queue,
    photo_store: LocalPhotoStore,
    worker_env: dict[str, str],
) -> None:
    # Every insert into analyses now takes 1.5s, long enough to kill its backend.
    db.execute(SLOW_INSERT.format(schema=db.schema))
    job = enqueue_analysis(queue, _one_photo(photo_store), 11, 22, retry=Retry(max=2), task=task)

    killed: list[int] = []

    def kill_first_insert() -> None:
        deadline = time.monotonic() + 60
        while not killed and time.monotonic() < deadline:
            pids = db.fetch(
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'truthsnap-worker'"
                " AND state = 'active' AND query LIKE '%INSERT INTO analyses%'"
            )
            for row in pids:
                if db.fetchval("SELECT pg_terminate_backend($1)", row["pid"]):
                    killed.append(row["pid"])
            time.sleep(0.05)

    killer = threading.Thread(target=kill_first_insert)
    killer.start()
    worker = subprocess.run(
        [
            sys.executable,
            "-m",
            "rq.cli",
            "worker",
            "--burst",
            "-u",
            worker_env["REDIS_URL"],
            queue.name,
        ],
        env=worker_env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    killer.join()
    assert worker.returncode == 0, worker.stdout + worker.stderr
    assert killed, "no worker connection was seen inserting"

    job.refresh()
    assert job.get_status() == JobStatus.FINISHED
    assert job.retries_left == 1
    # Two attempts started; only the retry got past stage 4.
    lines = worker.stdout.splitlines()
    assert sum(line.startswith("[Worker] STAGE 1/6") for line in lines) == 2, worker.stdout
    assert sum(line.startswith("[Worker] STAGE 4/6") for line in lines) == 1, worker.stdout
    rows = db.fetch("SELECT * FROM analyses")
    assert len(rows) == 1
    assert rows[0]["attempts"] == 1  # the killed transaction was rolled back
    assert db.count("notifications") == 1


def test_missing_photo_fails_clearly_and_writes_nothing(
    db: LiveDB,
    queue: Queue,
    fraudlens: FraudLensServer,
    simple_worker: SimpleWorkerRun,
) -> None:
    job = enqueue_analysis(queue, "nowhere/missing.png", 11, 22, retry=None)
    simple_worker(queue)

    job.refresh()
    assert job.get_status() == JobStatus.FAILED
    assert "PhotoNotFound: no photo under key 'nowhere/missing.png'" in _final_error(job)
    assert fraudlens.stats["requests"] == 0
    assert db.count("analyses") == 0
    assert db.count("notifications") == 0


@pytest.mark.parametrize("user_id", [0, -5, "12", 12.0, True, None, 2**63])
def test_invalid_user_id_rejected_before_any_io(
    user_id: object,
    queue: Queue,
    fraudlens: FraudLensServer,
    photo_store: LocalPhotoStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = _one_photo(photo_store)
    # Nothing is reachable: any I/O attempt would fail with a different error.
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nothing")
    monkeypatch.setenv("FRAUDLENS_URL", fraudlens.url)
    monkeypatch.setenv("TRUTHSNAP_PHOTO_DIR", str(photo_store.root))
    opened: list[str] = []
    monkeypatch.setattr(LocalPhotoStore, "read", lambda self, k: opened.append(k) or b"")

    with pytest.raises(InvalidJobArguments, match="user_id must be"):
        analyze_photo_task(key, user_id, 22)  # type: ignore[arg-type]
    with pytest.raises(InvalidJobArguments, match="user_id must be"):
        enqueue_analysis(queue, key, user_id, 22)  # type: ignore[arg-type]
    assert queue.count == 0
    assert fraudlens.stats["requests"] == 0
    assert opened == []


def test_invalid_user_id_on_the_queue_fails_the_job_without_io(
    db: LiveDB,
    queue: Queue,
    photo_store: LocalPhotoStore,
    fraudlens: FraudLensServer,
    simple_worker: SimpleWorkerRun,
) -> None:
    # Enqueued by something that skipped our checks.
    job = queue.enqueue(TASK, _one_photo(photo_store), "not-a-number", 22)
    simple_worker(queue)

    job.refresh()
    assert job.get_status() == JobStatus.FAILED
    assert "InvalidJobArguments: user_id must be an int, not str" in _final_error(job)
    assert fraudlens.stats["requests"] == 0
    assert db.count("analyses") == 0
