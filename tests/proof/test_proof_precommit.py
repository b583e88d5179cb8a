"""``pre-commit try-repo`` of this repository, end to end, in a throwaway git repo.

pre-commit builds a virtualenv and pip-installs this repository at its current commit
(``--ref HEAD``: the committed code, as CI's fresh clone has it), then runs the hooks
declared in ``.pre-commit-hooks.yaml``:

* ``flake8-asyncio-run`` (check) fails on findings and passes on clean code;
* ``flake8-asyncio-run-fix`` fails when it rewrites a file (pre-commit sees the change),
  passes on the next run, and keeps failing on findings it cannot fix (ARO104, ARO201)
  until they are handled or noqa'd.

try-repo builds a fresh virtualenv on every call (its store is a temporary directory),
which needs PyPI and takes tens of seconds, so the test makes three calls, each running
both hooks over one repository that holds every case: a fixable file, a clean file and
the two unfixable rules.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from proof_harness import REPO_ROOT, program, remaining_loop_findings

if TYPE_CHECKING:
    from conftest import PreCommitWorkspace  # tests/conftest.py: the pre_commit fixture

pytestmark = pytest.mark.slow

CHECK_HOOK = "flake8-asyncio-run"
FIX_HOOK = "flake8-asyncio-run-fix"

FIXABLE = program(
    """
    import asyncio


    async def download(key):
        return key.encode()


    async def verify(data):
        return len(data)


    def analyze(key):
        data = asyncio.run(download(key))
        score = asyncio.run(verify(data))
        return score
    """
)

CLEAN = program(
    """
    import asyncio


    async def main():
        return 1


    def entry():
        return asyncio.run(main())
    """
)

GLOBAL_POOL = program(
    """
    import asyncio

    lock = asyncio.Lock()


    async def guarded():
        async with lock:
            return 1


    def task():
        return asyncio.run(guarded())
    """
)

MIXED = program(
    """
    import asyncio


    async def work(x):
        return x


    def task():
        asyncio.run(work(1))
        loop = asyncio.get_event_loop()
        return loop.run_until_complete(work(2))
    """
)


def try_repo(repo: Path, pre_commit: PreCommitWorkspace) -> subprocess.CompletedProcess[str]:
    """Run every hook of this repository (check, then fix) over all files of ``repo``."""
    pre_commit.git(repo, "add", "-A")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(REPO_ROOT),
            "--ref",
            pre_commit.rev,
            "--all-files",
            "--verbose",
        ],
        cwd=repo,
        env=pre_commit.env,
        capture_output=True,
        text=True,
        timeout=900,
    )


STATUS = re.compile(r"^(?P<name>.+?)\.{3,}(?P<status>Passed|Failed|Skipped)\s*$")


def hook_results(output: str) -> dict[str, tuple[str, str]]:
    """Hook id -> (Passed/Failed/Skipped, the hook's own output) from pre-commit's log."""
    results: dict[str, tuple[str, str]] = {}
    status, hook, lines = "", "", []
    for line in [*output.splitlines(), "end.........Passed"]:
        match = STATUS.match(line)
        if match:
            if hook:
                results[hook] = (status, "\n".join(lines))
            status, hook, lines = match["status"], "", []
        elif line.startswith("- hook id: "):
            hook = line.removeprefix("- hook id: ").strip()
        else:
            lines.append(line)
    return results


def test_try_repo_runs_both_hooks_end_to_end(
    tmp_path: Path, pre_commit: PreCommitWorkspace
) -> None:
    files = {"tasks.py": FIXABLE, "ok.py": CLEAN, "pool.py": GLOBAL_POOL, "mixed.py": MIXED}
    repo = pre_commit.new_repo(tmp_path / "project", files)

    # 1. check reports every finding; fix rewrites tasks.py (pre-commit fails it for
    #    that) and fails on the findings it cannot fix, leaving their files alone.
    first = try_repo(repo, pre_commit)
    log = first.stdout + first.stderr
    assert first.returncode == 1, log
    results = hook_results(first.stdout)
    assert set(results) == {CHECK_HOOK, FIX_HOOK}, log
    status, output = results[CHECK_HOOK]
    assert status == "Failed", log
    for expected in ("tasks.py:", "ARO101", "pool.py:", "ARO201", "mixed.py:", "ARO104"):
        assert expected in output, log
    assert "ok.py:" not in output
    status, output = results[FIX_HOOK]
    assert status == "Failed" and "files were modified by this hook" in output, log
    assert "ARO201" in output and "ARO104" in output, log
    fixed = (repo / "tasks.py").read_text(encoding="utf-8")
    assert fixed != FIXABLE
    compile(fixed, "tasks.py", "exec")
    assert remaining_loop_findings(fixed) == [], fixed
    for name in ("ok.py", "pool.py", "mixed.py"):
        assert (repo / name).read_text(encoding="utf-8") == files[name], name

    # 2. Nothing left to fix, but the unfixable findings keep both hooks failing.
    second = try_repo(repo, pre_commit)
    log = second.stdout + second.stderr
    assert second.returncode == 1, log
    results = hook_results(second.stdout)
    for hook in (CHECK_HOOK, FIX_HOOK):
        status, output = results[hook]
        assert status == "Failed" and "ARO201" in output and "ARO104" in output, log
        assert "tasks.py:" not in output, log
    assert "files were modified by this hook" not in results[FIX_HOOK][1], log
    assert (repo / "tasks.py").read_text(encoding="utf-8") == fixed

    # 3. Handled with noqa: both hooks pass and change nothing.
    for name, line, code in (
        ("pool.py", "lock = asyncio.Lock()", "ARO201"),
        ("mixed.py", "    loop = asyncio.get_event_loop()", "ARO104"),
    ):
        assert line in files[name]
        handled = files[name].replace(line, f"{line}  # noqa: {code}")
        (repo / name).write_text(handled, encoding="utf-8")
    third = try_repo(repo, pre_commit)
    log = third.stdout + third.stderr
    assert third.returncode == 0, log
    results = hook_results(third.stdout)
    assert {h: r[0] for h, r in results.items()} == {CHECK_HOOK: "Passed", FIX_HOOK: "Passed"}
    assert (repo / "tasks.py").read_text(encoding="utf-8") == fixed
