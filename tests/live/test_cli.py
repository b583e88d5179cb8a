"""The command line: clear one-line configuration errors, and the demo end to end."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import REPO_ROOT

pytestmark = pytest.mark.live

CONFIG_NAMES = ("DATABASE_URL", "REDIS_URL", "FRAUDLENS_URL", "TRUTHSNAP_PHOTO_DIR")


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in CONFIG_NAMES}
    return subprocess.run(
        [sys.executable, "-m", "reference_worker", *args],
        env={**base, "PYTHONPATH": str(REPO_ROOT), **env},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["init-db"], {}, "error: DATABASE_URL is not set (example: DATABASE_URL=postgresql://"),
        (
            ["init-db"],
            {"DATABASE_URL": "mysql://root@localhost/db"},
            "error: DATABASE_URL must start with one of postgresql://, postgres://",
        ),
        (
            ["init-db"],
            {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
            "error: cannot connect to DATABASE_URL: ",
        ),
        (["worker", "--burst"], {}, "error: REDIS_URL is not set"),
        (
            ["enqueue", "a.png", "--user", "1", "--chat", "2"],
            {"REDIS_URL": "redis://127.0.0.1:1/0"},
            "error: cannot reach Redis at redis://127.0.0.1:1/0: ",
        ),
        (
            ["enqueue", "../a.png", "--user", "1", "--chat", "2"],
            {"REDIS_URL": "redis://127.0.0.1:1/0"},
            "error: photo key has an empty, '.' or '..' part",  # checked before any I/O
        ),
    ],
)
def test_configuration_errors_are_one_line(
    args: list[str], env: dict[str, str], message: str
) -> None:
    proc = _cli(*args, **env)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(message), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr


def test_enqueue_rejects_bad_arguments_in_one_line(redis_url: str) -> None:
    proc = _cli("enqueue", "../etc/passwd", "--user", "1", "--chat", "2", REDIS_URL=redis_url)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "error: photo key has an empty, '.' or '..' part: '../etc/passwd'"
    )
    proc = _cli("enqueue", "a.png", "--user", "0", "--chat", "2", REDIS_URL=redis_url)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: user_id must be a positive 64-bit int, got 0"


def test_task_reports_missing_settings_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    from reference_worker.errors import ConfigError
    from reference_worker.tasks import analyze_photo_task

    for name in CONFIG_NAMES:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match=r"^TRUTHSNAP_PHOTO_DIR is not set \(example: "):
        analyze_photo_task("a.png", 1, 2)


def test_demo_runs_end_to_end(database_url: str, redis_url: str) -> None:
    proc = _cli("demo", DATABASE_URL=database_url, REDIS_URL=redis_url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("[Worker] STAGE 4/6: Saved analysis to DB in ") == 4
    assert "failed jobs: 0" in proc.stdout
    assert proc.stdout.count('"status": "pending"') == 4
