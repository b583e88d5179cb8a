"""Calls of what async_to_sync() made elsewhere (``send = async_to_sync(f)``, an
``@async_to_sync`` async def) are runner calls, but the fixer rewrites only
``async_to_sync(f)(...)``: it leaves them, and any region holding one, unchanged with an
honest reason."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.fix import fix_text

SOURCE = textwrap.dedent(
    """\
    from asgiref.sync import async_to_sync


    async def work(x=None):
        return x


    send = async_to_sync(work)


    @async_to_sync
    async def notify(x):
        return x


    def wrapped():
        send(1)
        send(2)


    def decorated(items):
        for item in items:
            notify(item)


    def mixed():
        async_to_sync(work)(1)
        send(2)


    async def inside():
        notify(1)
    """
)

REASON = (
    "calls what async_to_sync() made elsewhere; the fixer rewrites only async_to_sync(f)(...) calls"
)


def test_not_fixed_with_the_reason() -> None:
    outcome = fix_text(SOURCE, "tasks.py", Settings(), unsafe=True)
    assert not outcome.changed and outcome.text == SOURCE
    assert [f.code for f in outcome.remaining] == ["ARO105", "ARO102", "ARO105", "ARO103"]
    assert sorted(outcome.reasons) == sorted(
        [f"send() (made by async_to_sync()) {REASON}"] * 2
        + [f"notify() (made by async_to_sync()) {REASON}"] * 2
    )


def test_fix_diff_changes_nothing_and_says_why(tmp_path: Path) -> None:
    path = tmp_path / "tasks.py"
    path.write_text(SOURCE, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", "fix", "--diff", "--unsafe-fixes", "tasks.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert "---" not in result.stdout and "+++" not in result.stdout
    output = result.stdout + result.stderr
    assert f"[not fixed: send() (made by async_to_sync()) {REASON}]" in output
    assert "0 fixable" in output
    assert path.read_text(encoding="utf-8") == SOURCE
