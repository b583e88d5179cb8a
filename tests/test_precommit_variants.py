"""The hooks of ``.pre-commit-hooks.yaml`` with the ``args`` variants docs/ci.md shows,
run by pre-commit from a ``.pre-commit-config.yaml`` in a throwaway git repository.

``pre-commit try-repo`` (tests/proof/test_proof_precommit.py) cannot pass ``args``; a
config file naming this repository at its current commit can.  pre-commit builds one
virtualenv for the module (it needs PyPI).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

if TYPE_CHECKING:
    from conftest import PreCommitWorkspace  # tests/conftest.py: the pre_commit fixture

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

#: combine is safe here, so `auto` combines; `--style runner` uses asyncio.Runner.
COMBINABLE = """\
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


def run_hook(
    repo: Path,
    pre_commit: PreCommitWorkspace,
    hook: str,
    args: list[str],
    files: dict[str, str],
) -> subprocess.CompletedProcess[str]:
    hook_args = f"\n        args: [{', '.join(args)}]" if args else ""
    config = (
        f"repos:\n  - repo: {ROOT}\n    rev: {pre_commit.rev}\n    hooks:\n"
        f"      - id: {hook}{hook_args}\n"
    )
    pre_commit.new_repo(repo, {**files, ".pre-commit-config.yaml": config})
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--verbose"],
        cwd=repo,
        env=pre_commit.env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _pyproject(version: str) -> str:
    return f'[project]\nname = "demo"\nrequires-python = ">={version}"\n'


def test_fix_hook_leaves_unsafe_fixes_without_args(
    tmp_path: Path, pre_commit: PreCommitWorkspace
) -> None:
    tasks = (EXAMPLES / "tasks.py").read_text(encoding="utf-8")
    files = {"pyproject.toml": _pyproject("3.10"), "tasks.py": tasks}
    done = run_hook(tmp_path / "repo", pre_commit, "flake8-asyncio-run-fix", [], files)
    assert done.returncode == 1, done.stdout + done.stderr
    assert (tmp_path / "repo" / "tasks.py").read_text(encoding="utf-8") == tasks
    assert "--unsafe-fixes" in done.stdout + done.stderr


def test_fix_hook_with_unsafe_fixes(tmp_path: Path, pre_commit: PreCommitWorkspace) -> None:
    tasks = (EXAMPLES / "tasks.py").read_text(encoding="utf-8")
    files = {"pyproject.toml": _pyproject("3.10"), "tasks.py": tasks}
    done = run_hook(
        tmp_path / "repo", pre_commit, "flake8-asyncio-run-fix", ["--unsafe-fixes"], files
    )
    # pre-commit fails a hook that changed files.
    assert done.returncode == 1, done.stdout + done.stderr
    fixed = (tmp_path / "repo" / "tasks.py").read_text(encoding="utf-8")
    assert fixed.count("asyncio.run(") == 1 and "async def _analyze_photo_task" in fixed
    compile(fixed, "tasks.py", "exec")


@pytest.mark.parametrize(
    ("args", "expected"),
    [([], "async def _analyze"), (["--style", "runner"], "with asyncio.Runner() as runner:")],
)
def test_fix_hook_styles(
    tmp_path: Path, pre_commit: PreCommitWorkspace, args: list[str], expected: str
) -> None:
    files = {"pyproject.toml": _pyproject("3.11"), "jobs.py": COMBINABLE}
    done = run_hook(tmp_path / "repo", pre_commit, "flake8-asyncio-run-fix", args, files)
    assert done.returncode == 1, done.stdout + done.stderr
    fixed = (tmp_path / "repo" / "jobs.py").read_text(encoding="utf-8")
    assert expected in fixed
    compile(fixed, "jobs.py", "exec")


@pytest.mark.parametrize(("args", "code"), [([], 1), (["--select", "ARO1"], 0)])
def test_check_hook_selection(
    tmp_path: Path, pre_commit: PreCommitWorkspace, args: list[str], code: int
) -> None:
    # cached_pool.py has ARO201 findings only.
    files = {"cached_pool.py": (EXAMPLES / "cached_pool.py").read_text(encoding="utf-8")}
    done = run_hook(tmp_path / "repo", pre_commit, "flake8-asyncio-run", args, files)
    assert done.returncode == code, done.stdout + done.stderr
    assert ("ARO201" in done.stdout) is (code == 1)


def test_both_hooks_run_serially() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"flake8-asyncio-run", "flake8-asyncio-run-fix"}
    assert all(hook["require_serial"] is True for hook in hooks.values())


def test_fix_hook_prints_one_summary(tmp_path: Path, pre_commit: PreCommitWorkspace) -> None:
    # pre-commit splits more than 4 files into one batch per CPU unless the hook is
    # require_serial; each batch was a fix run of its own, with its own summary line.
    if (os.cpu_count() or 1) < 2:
        pytest.skip("pre-commit runs one batch on one CPU: nothing to tell apart")
    files = {f"job{number}.py": COMBINABLE for number in range(8)}
    done = run_hook(tmp_path / "repo", pre_commit, "flake8-asyncio-run-fix", [], files)
    assert done.returncode == 1, done.stdout + done.stderr  # files changed
    summaries = re.findall(r"^\d+ fixed.*$", done.stdout + done.stderr, flags=re.M)
    assert summaries == ["8 fixed"], done.stdout + done.stderr
    for name in files:
        fixed = (tmp_path / "repo" / name).read_text(encoding="utf-8")
        assert fixed.count("asyncio.run(") == 1, name
