"""ARO106 nest-asyncio-patch through the real command lines: ``check`` and flake8 report
it with the rule's message and exit 1; ``fix`` leaves the patch and says why."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flake8_asyncio_run.rules import RULES

PATCHED = (
    "import asyncio\n"
    "from nest_asyncio import apply as patch\n"
    "\n"
    "\n"
    "def notebook_setup(loop):\n"
    "    patch(loop)\n"
    "    return asyncio.get_running_loop\n"
)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )


@pytest.fixture
def patched(tmp_path: Path) -> Path:
    (tmp_path / "setup.cfg").write_text("", "utf-8")  # the project root: nothing else
    path = tmp_path / "nb.py"
    path.write_text(PATCHED, "utf-8")
    return path


def _message_parts(message: str) -> None:
    """What the message must say: what the patch does, why that is a problem, and what
    to do instead."""
    assert message.startswith("nest_asyncio.apply() patches asyncio so that a running ")
    for part in (
        "re-enter itself",
        "asyncio.run() or run_until_complete() inside it",
        "archived (unmaintained since 2024)",
        "a task can resume inside another task's step",
        "cancellation",
        "cpython issue 66435",
        "top-level await in notebooks",
        "one event loop per synchronous entry elsewhere",
    ):
        assert part in message, part
    assert "\n" not in message


def test_check_reports_it_and_exits_1(patched: Path) -> None:
    result = run("flake8_asyncio_run", "check", "--isolated", "nb.py", cwd=patched.parent)
    assert result.returncode == 1, result.stderr
    (line,) = result.stdout.splitlines()
    location, _, rest = line.partition(" ARO106 ")
    assert location == "nb.py:6:5:"
    _message_parts(rest)


def test_check_select_and_ignore(patched: Path) -> None:
    selected = run(
        "flake8_asyncio_run",
        "check",
        "--isolated",
        "--select",
        "ARO106",
        "nb.py",
        cwd=patched.parent,
    )
    assert selected.returncode == 1 and "ARO106" in selected.stdout
    ignored = run(
        "flake8_asyncio_run",
        "check",
        "--isolated",
        "--ignore",
        "ARO106",
        "nb.py",
        cwd=patched.parent,
    )
    assert (ignored.returncode, ignored.stdout) == (0, "")


def test_flake8_select_aro106_reports_it(patched: Path) -> None:
    result = run("flake8", "--isolated", "--select", "ARO106", "nb.py", cwd=patched.parent)
    assert result.returncode == 1, result.stderr
    (line,) = result.stdout.splitlines()
    location, _, rest = line.partition(" ARO106 ")
    assert location == "nb.py:6:5:"
    _message_parts(rest)


def test_flake8_on_a_file_without_the_patch_is_clean(tmp_path: Path) -> None:
    (tmp_path / "plain.py").write_text(
        "import nest_asyncio\n\n\ndef apply(df):\n    return df.apply(len)\n", "utf-8"
    )
    result = run("flake8", "--isolated", "--select", "ARO106", "plain.py", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, ""), result.stderr


def test_fix_leaves_it_and_gives_the_manual_reason(patched: Path) -> None:
    result = run("flake8_asyncio_run", "fix", "--isolated", "nb.py", cwd=patched.parent)
    assert result.returncode == 1, result.stderr
    assert patched.read_text("utf-8") == PATCHED
    manual = RULES["ARO106"].manual_fix
    assert manual is not None
    assert result.stderr.splitlines()[-1] == (
        f"0 fixed, 1 left: ARO106 has no automatic fix: {manual}"
    )
    diff = run("flake8_asyncio_run", "fix", "--isolated", "--diff", "nb.py", cwd=patched.parent)
    assert (diff.returncode, diff.stdout) == (0, "")
    assert "ARO106 has no automatic fix" in diff.stderr


def test_the_manual_fix_says_removing_the_patch_changes_behaviour() -> None:
    rule = RULES["ARO106"]
    assert (rule.fix, rule.fixer, rule.needs_runner) == ("never", None, False)
    assert rule.triggers == ("nest_asyncio.apply", "nest_asyncio2.apply")
    assert rule.manual_fix is not None
    assert "changes behaviour" in rule.manual_fix and "raise" in rule.manual_fix
    assert rule.manual_fix.startswith("replace the nested")
