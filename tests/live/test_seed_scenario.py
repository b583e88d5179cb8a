"""The seed scenario of the post-mortem, reproduced against live PostgreSQL.

1. Our linter flags the broken task (ARO101, ARO201) and nothing in ``reference_worker/``.
2. The broken task raises the real asyncpg/asyncio errors.
3. ``flake8-asyncio-run fix`` makes the first job in a process pass, but the second still
   fails because of the pool cached in a module global: the bug ARO201 exists for.
4. The reference worker runs 20 jobs in one SimpleWorker process with no failure.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rq import Queue
from rq.job import JobStatus

from reference_worker.enqueue import enqueue_analysis
from reference_worker.samples import make_png
from reference_worker.store import LocalPhotoStore

from .conftest import REPO_ROOT, LiveDB, RqWorker

pytestmark = pytest.mark.live

BROKEN = REPO_ROOT / "tests" / "fixtures" / "seed_broken" / "broken_tasks.py"
RUNNER = Path(__file__).with_name("seed_runner.py")
FINDING = re.compile(r"^(?P<path>.+):(?P<line>\d+):(?P<col>\d+): (?P<code>ARO\d{3}) (?P<msg>.+)$")
LOOP_ERRORS = (
    "InterfaceError: cannot perform operation: another operation is in progress",
    "RuntimeError: Event loop is closed",
)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _findings(stdout: str) -> list[re.Match[str]]:
    matches = [FINDING.match(line) for line in stdout.splitlines() if line.strip()]
    assert all(matches), f"not all stdout lines are findings:\n{stdout}"
    return matches  # type: ignore[return-value]


def _run_jobs(module: Path, env: dict[str, str], jobs: list[list[Any]]) -> list[dict[str, Any]]:
    proc = subprocess.run(
        [sys.executable, str(RUNNER), str(module), json.dumps(jobs)],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    outcomes: list[dict[str, Any]] = json.loads(proc.stdout.strip().splitlines()[-1])
    return outcomes


def _is_loop_error(outcome: dict[str, Any]) -> bool:
    return not outcome["ok"] and any(e in outcome["error"] for e in LOOP_ERRORS)


def test_linter_flags_the_broken_task() -> None:
    proc = _cli("check", str(BROKEN))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    findings = _findings(proc.stdout)
    codes = [m["code"] for m in findings]
    assert codes.count("ARO101") == 3  # the 2nd, 3rd and 4th asyncio.run()
    assert codes.count("ARO201") == 1  # the pool cached in '_pool'
    assert all((REPO_ROOT / m["path"]).resolve() == BROKEN for m in findings)
    (aro201,) = (m for m in findings if m["code"] == "ARO201")
    assert "'_pool'" in aro201["msg"]


def test_linter_is_clean_on_the_reference_worker() -> None:
    proc = _cli("check", str(REPO_ROOT / "reference_worker"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


@pytest.fixture
def seed_photos(db: LiveDB, photo_store: LocalPhotoStore) -> list[list[Any]]:
    db.set_tier(501, "pro")
    jobs: list[list[Any]] = []
    for i in range(2):
        key = f"seed/photo-{i}.png"
        photo_store.put(key, make_png(100 + i))
        jobs.append([key, 501, 601])
    return jobs


def test_broken_task_raises_the_real_errors(
    db: LiveDB, seed_photos: list[list[Any]], worker_env: dict[str, str]
) -> None:
    (outcome,) = _run_jobs(BROKEN, worker_env, seed_photos[:1])
    assert _is_loop_error(outcome), outcome
    # As in the post-mortem: the analysis was saved, then the task crashed (no tier,
    # no message for the user).
    assert db.count("analyses") == 1


def test_fix_makes_the_first_job_pass_but_the_second_still_fails(
    db: LiveDB, seed_photos: list[list[Any]], worker_env: dict[str, str], tmp_path: Path
) -> None:
    fixed = tmp_path / "broken_tasks.py"
    shutil.copyfile(BROKEN, fixed)
    proc = _cli("fix", str(fixed))
    if fixed.read_text() == BROKEN.read_text():
        proc = _cli("fix", "--unsafe-fixes", str(fixed))
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    source = fixed.read_text()
    changed = source != BROKEN.read_text()
    assert changed, f"fix changed nothing (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}"
    compile(source, str(fixed), "exec")

    # The runner calls are combined; the cached global pool is still there.
    after = _findings(_cli("check", str(fixed)).stdout)
    assert [m["code"] for m in after] == ["ARO201"]

    first, second = _run_jobs(fixed, worker_env, seed_photos)
    assert first["ok"], first
    assert first["result"]["user_tier"] == "pro"
    assert first["result"]["analysis_id"].startswith("ANL-")
    assert _is_loop_error(second), second


def test_reference_worker_runs_20_jobs_in_one_simple_worker(
    db: LiveDB,
    queue: Queue,
    photo_store: LocalPhotoStore,
    rq_worker: RqWorker,
) -> None:
    db.set_tier(501, "pro")
    jobs = []
    for i in range(20):
        key = f"seed/many-{i}.png"
        photo_store.put(key, make_png(200 + i))
        jobs.append(enqueue_analysis(queue, key, 501 + i % 2, 601, retry=None))
    rq_worker("-w", "rq.worker.SimpleWorker")

    workers = set()
    for job in jobs:
        job.refresh()
        assert job.get_status() == JobStatus.FINISHED, job.latest_result()
        workers.add(job.worker_name)
    assert len(workers) == 1  # one SimpleWorker process ran all 20
    assert db.count("analyses") == 20
    assert db.count("notifications") == 20
    tiers = db.fetch("SELECT user_tier, count(*) AS n FROM analyses GROUP BY 1 ORDER BY 1")
    assert tiers == [{"user_tier": "free", "n": 10}, {"user_tier": "pro", "n": 10}]
