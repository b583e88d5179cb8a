"""``python -m reference_worker`` before it needs any server: ``--help`` names the
environment it reads, a missing photo directory stops the worker at start-up, and a
missing ``worker`` extra is one line that names the extra (exit status 2)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = (
    "DATABASE_URL",
    "REDIS_URL",
    "FRAUDLENS_URL",
    "TRUTHSNAP_PHOTO_DIR",
    "TRUTHSNAP_QUEUE",
    "TRUTHSNAP_MAX_PHOTO_BYTES",
    "FRAUDLENS_TIMEOUT",
)
#: Nothing listens on port 1: a command that reached for Redis would say so.
NO_REDIS = "redis://127.0.0.1:1/0"

#: Runs ``python -m reference_worker`` with the named modules made unimportable.
_BLOCKED = """
import importlib.abc, runpy, sys
blocked = set(sys.argv[1].split(","))

class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Blocker())
sys.argv = ["reference_worker", *sys.argv[2:]]
runpy.run_module("reference_worker", run_name="__main__", alter_sys=True)
"""


def _env(**settings: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    return {**base, "PYTHONPATH": str(ROOT), **settings}


def _cli(*args: str, blocked: str = "", **settings: str) -> subprocess.CompletedProcess[str]:
    prefix = ["-c", _BLOCKED, blocked] if blocked else ["-m", "reference_worker"]
    return subprocess.run(
        [sys.executable, *prefix, *args],
        env=_env(**settings),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_names_every_setting() -> None:
    proc = _cli("--help")
    assert proc.returncode == 0, proc.stderr
    for name in SETTINGS:
        assert name in proc.stdout
    assert "pip install -e '.[worker]'" in proc.stdout


@pytest.mark.parametrize(
    ("command", "names"),
    [
        ("init-db", ("DATABASE_URL",)),
        ("enqueue", ("REDIS_URL", "TRUTHSNAP_QUEUE")),
        ("worker", SETTINGS),
        ("demo", ("DATABASE_URL", "REDIS_URL")),
    ],
)
def test_command_help_names_its_settings(command: str, names: tuple[str, ...]) -> None:
    proc = _cli(command, "--help")
    assert proc.returncode == 0, proc.stderr
    for name in names:
        assert name in proc.stdout, f"{command} --help does not name {name}"


def _worker_settings(photo_dir: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/truthsnap",
        "REDIS_URL": NO_REDIS,
        "FRAUDLENS_URL": "http://127.0.0.1:8081",
        "TRUTHSNAP_PHOTO_DIR": str(photo_dir),
    }


def test_worker_refuses_a_missing_photo_directory_at_start_up(tmp_path: Path) -> None:
    missing = tmp_path / "photos"
    proc = _cli("worker", "--burst", **_worker_settings(missing))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr == (
        f"error: TRUTHSNAP_PHOTO_DIR does not exist: {str(missing)!r} "
        f"(create it: mkdir -p {shlex.quote(str(missing))})\n"
    )
    assert proc.stdout == ""  # checked before Redis is reached or rq starts


def test_worker_refuses_a_photo_path_that_is_a_file(tmp_path: Path) -> None:
    afile = tmp_path / "photos"
    afile.write_text("", "utf-8")
    proc = _cli("worker", "--burst", **_worker_settings(afile))
    assert proc.returncode == 2
    assert proc.stderr == f"error: TRUTHSNAP_PHOTO_DIR is not a directory: {str(afile)!r}\n"


def test_worker_checks_every_setting_before_it_starts(tmp_path: Path) -> None:
    settings = _worker_settings(tmp_path)
    del settings["FRAUDLENS_URL"]
    proc = _cli("worker", "--burst", **settings)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: FRAUDLENS_URL is not set (example: ")
    # With every setting good, the next problem is the (absent) Redis, not a setting.
    proc = _cli("worker", "--burst", **_worker_settings(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: cannot reach Redis at {NO_REDIS}: ")


def test_the_extra_named_is_the_extra_in_pyproject() -> None:
    from reference_worker.__main__ import INSTALL_HINT, WORKER_EXTRA

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"][
        "optional-dependencies"
    ]
    assert INSTALL_HINT == "pip install -e '.[worker]'"
    requirements = " ".join(extras["worker"])
    for module in WORKER_EXTRA:
        assert module in requirements


@pytest.mark.parametrize("blocked", ["rq", "asyncpg", "redis,httpx", "rq,redis,asyncpg,httpx"])
@pytest.mark.parametrize(
    "args", [["worker", "--burst"], ["init-db"], ["enqueue", "a.png", "--user", "1", "--chat", "2"]]
)
def test_without_the_worker_extra_one_line_names_it(
    blocked: str, args: list[str], tmp_path: Path
) -> None:
    proc = _cli(*args, blocked=blocked, **_worker_settings(tmp_path))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith("error: the reference worker needs the 'worker' extra (")
    for name in blocked.split(","):
        assert name in proc.stderr.split("(", 1)[1].split(")", 1)[0]
    assert proc.stderr.rstrip().endswith("pip install -e '.[worker]'")


def test_the_blocker_blocks() -> None:
    """Without the blocker the same command gets past the import check (to Redis)."""
    proc = _cli("enqueue", "a.png", "--user", "1", "--chat", "2", REDIS_URL=NO_REDIS)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: cannot reach Redis at {NO_REDIS}: ")


def test_help_works_without_the_worker_extra() -> None:
    proc = _cli("worker", "--help", blocked="rq,redis,asyncpg,httpx")
    assert proc.returncode == 0, proc.stderr
    assert "TRUTHSNAP_PHOTO_DIR" in proc.stdout


def test_demo_without_the_test_extra_names_it() -> None:
    """With no DATABASE_URL, the demo needs pgserver (the ``test`` extra)."""
    proc = _cli("demo", blocked="pgserver")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == (
        "error: DATABASE_URL is not set and pgserver is not installed "
        "(from the repository root: pip install -e '.[test]', or set DATABASE_URL)\n"
    )
