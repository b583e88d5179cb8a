"""Standard input under ``--force-exclude``: ``check`` and ``fix`` decide by one rule,
the one for explicit paths (the file or a directory on the way to it matches).  An
excluded input is reported by neither: ``check`` and ``fix --diff`` print nothing,
``fix`` passes the input through unchanged, and all exit 0.

``fix`` used to match only the full ``--stdin-filename``, so ``--extend-exclude legacy``
let it rewrite ``legacy/old.py`` that ``check`` had left out."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TWO_LOOPS = textwrap.dedent(
    """\
    import asyncio


    def task(key):
        raw = asyncio.run(fetch(key))
        data = asyncio.run(parse(raw))
        return data
    """
).encode()

#: Excludes that match ``legacy/old.py``: a directory on the way (what pre-commit users
#: write), the file's path, its name, and an anchored path.
EXCLUDES = ["legacy", "legacy/old.py", "old.py", "./legacy", "leg*"]


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", *args, "-"],
        cwd=cwd,
        input=TWO_LOOPS,
        capture_output=True,
        check=False,
    )


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "old.py").write_bytes(TWO_LOOPS)
    return tmp_path


COMMANDS = {
    "check": ("check",),
    "fix --diff": ("fix", "--diff"),
    "fix": ("fix",),
}


@pytest.mark.parametrize("exclude", EXCLUDES)
@pytest.mark.parametrize("command", COMMANDS)
def test_force_excluded_stdin_is_left_alone(scratch: Path, command: str, exclude: str) -> None:
    result = run(
        scratch,
        *COMMANDS[command],
        "--isolated",
        "--extend-exclude",
        exclude,
        "--force-exclude",
        "--stdin-filename",
        "legacy/old.py",
    )
    expected = TWO_LOOPS if command == "fix" else b""
    assert (result.returncode, result.stdout, result.stderr) == (0, expected, b"")


@pytest.mark.parametrize("command", COMMANDS)
def test_without_force_exclude_the_same_input_is_reported(scratch: Path, command: str) -> None:
    """The control: the name alone does not exclude, so the test above is not vacuous."""
    result = run(
        scratch,
        *COMMANDS[command],
        "--isolated",
        "--extend-exclude",
        "legacy",
        "--stdin-filename",
        "legacy/old.py",
    )
    assert result.stdout != TWO_LOOPS
    if command == "check":
        assert (result.returncode, result.stdout[:26]) == (1, b"legacy/old.py:6:12: ARO101")
    elif command == "fix --diff":
        assert result.returncode == 1
        assert result.stdout.startswith(b"--- legacy/old.py\n+++ legacy/old.py\n")
    else:
        assert result.returncode == 0
        assert b"async def _task_async():" in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unmatched_name_is_not_excluded(scratch: Path, command: str) -> None:
    result = run(
        scratch,
        *COMMANDS[command],
        "--isolated",
        "--extend-exclude",
        "legacy",
        "--force-exclude",
        "--stdin-filename",
        "app/old.py",
    )
    assert result.stdout not in (b"", TWO_LOOPS)
