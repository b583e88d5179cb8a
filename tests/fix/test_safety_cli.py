"""Issue 11's reproductions of safe fixes that changed behaviour, through the real
command line: each is now left alone by ``fix`` (or fixed correctly), with the reason."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

TWO_CALLS = (
    "import asyncio\n\n\nasync def f(x):\n    return x\n\n\n"
    "def task(a):\n    x = asyncio.run(f(a))\n    y = asyncio.run(f(x))\n    print(x, y)\n"
)

CALL_ALL = """\
import asyncio
import inspect


def call_all(callbacks):
    results = []
    for cb in callbacks:
        r = cb()
        if inspect.iscoroutine(r):
            r = asyncio.run(r)
        results.append(r)
    return results
"""


def fix(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", "fix", "--isolated", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("style", ["auto", "runner", "combine"])
def test_a_conditional_runner_is_not_fixed_safely(tmp_path: Path, style: str) -> None:
    # The shape of crewAI's _resolve_native, llm's execute_tool_calls, deepeval's simulator.
    path = tmp_path / "callbacks.py"
    path.write_text(CALL_ALL + "\n\ndef twice(callbacks):\n    return call_all(callbacks)\n")
    source = path.read_text()
    result = fix(tmp_path, "--style", style, "--target-version", "py311", "callbacks.py")
    assert path.read_text() == source
    assert result.returncode == 1, result.stderr
    assert "start" in result.stderr and "not fixed" in result.stderr


@pytest.mark.parametrize(
    "name", ["tests/test_jobs.py", "test_jobs.py", "jobs_test.py", "conftest.py", "pkg/tests/x.py"]
)
def test_test_code_gets_no_safe_loop_fix(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TWO_CALLS)
    result = fix(tmp_path, name)
    assert result.returncode == 1, result.stderr
    assert path.read_text() == TWO_CALLS
    assert "tests often start several loops on purpose (use --unsafe-fixes" in result.stderr
    unsafe = fix(tmp_path, "--unsafe-fixes", name)
    assert unsafe.returncode == 0, unsafe.stderr
    assert "await f(a)" in path.read_text()


def test_a_test_function_in_any_file_gets_no_safe_loop_fix(tmp_path: Path) -> None:
    path = tmp_path / "checks.py"
    path.write_text(TWO_CALLS.replace("def task(a)", "def test_task(a)"))
    before = path.read_text()
    result = fix(tmp_path, "checks.py")
    assert path.read_text() == before
    assert "tests often start several loops on purpose" in result.stderr


def test_a_form_feed_before_the_second_call_is_not_half_fixed(tmp_path: Path) -> None:
    source = (
        "import asyncio\n\nasync def f(x):\n    return x\n\ndef task(a):\n"
        "    x = asyncio.run(f(a))\n\x0c    y = asyncio.run(f(x))\n    print(x, y)\n"
    )
    path = tmp_path / "ff.py"
    path.write_bytes(source.encode())
    result = fix(tmp_path, "--target-version", "py311", "ff.py")
    assert path.read_bytes() == source.encode()
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith("0 fixed, 1 left")
    assert "libcst does not keep this file's form feeds" in result.stderr
    check = subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", "check", "--isolated", "ff.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 1
    assert "ff.py:8:10: ARO101" in check.stdout


def test_await_of_a_runner_call_gives_valid_code(tmp_path: Path) -> None:
    path = tmp_path / "awaited.py"
    path.write_text("import asyncio\n\n\nasync def main():\n    return await asyncio.run(make())\n")
    safe = fix(tmp_path, "awaited.py")
    assert safe.returncode == 1, safe.stderr
    assert "internal error" not in safe.stderr
    assert "the runner's result is awaited as well" in safe.stderr
    unsafe = fix(tmp_path, "--unsafe-fixes", "awaited.py")
    assert unsafe.returncode == 0, unsafe.stderr
    text = path.read_text()
    compile(text, "awaited.py", "exec")
    assert "return await (await make())" in text
