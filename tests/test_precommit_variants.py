"""The hooks of ``.pre-commit-hooks.yaml`` with the ``args`` variants docs/ci.md shows,
run by pre-commit from a ``.pre-commit-config.yaml`` in a throwaway git repository.

``pre-commit try-repo`` (tests/proof/test_proof_precommit.py) cannot pass ``args``; a
config file naming this repository at its current commit can.  pre-commit builds one
virtualenv for the module (it needs PyPI).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

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


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    if shutil.which("git") is None:
        pytest.fail("git is needed for pre-commit")
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    yield {
        **os.environ,
        "HOOK_REV": head,
        "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")),
        "PRE_COMMIT_COLOR": "never",
        "GIT_AUTHOR_NAME": "hooks",
        "GIT_AUTHOR_EMAIL": "hooks@example.invalid",
        "GIT_COMMITTER_NAME": "hooks",
        "GIT_COMMITTER_EMAIL": "hooks@example.invalid",
        "SKIP": "",
    }


def _git(repo: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def run_hook(
    repo: Path, env: dict[str, str], hook: str, args: list[str], files: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    repo.mkdir()
    _git(repo, env, "init", "-q")
    for name, text in files.items():
        (repo / name).write_text(text, encoding="utf-8")
    hook_args = f"\n        args: [{', '.join(args)}]" if args else ""
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: {env['HOOK_REV']}\n    hooks:\n"
        f"      - id: {hook}{hook_args}\n",
        encoding="utf-8",
    )
    _git(repo, env, "add", ".")
    _git(repo, env, "commit", "-qm", "initial")
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--verbose"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _pyproject(version: str) -> str:
    return f'[project]\nname = "demo"\nrequires-python = ">={version}"\n'


def test_fix_hook_leaves_unsafe_fixes_without_args(tmp_path: Path, env: dict[str, str]) -> None:
    tasks = (EXAMPLES / "tasks.py").read_text(encoding="utf-8")
    files = {"pyproject.toml": _pyproject("3.10"), "tasks.py": tasks}
    done = run_hook(tmp_path / "repo", env, "flake8-asyncio-run-fix", [], files)
    assert done.returncode == 1, done.stdout + done.stderr
    assert (tmp_path / "repo" / "tasks.py").read_text(encoding="utf-8") == tasks
    assert "--unsafe-fixes" in done.stdout + done.stderr


def test_fix_hook_with_unsafe_fixes(tmp_path: Path, env: dict[str, str]) -> None:
    tasks = (EXAMPLES / "tasks.py").read_text(encoding="utf-8")
    files = {"pyproject.toml": _pyproject("3.10"), "tasks.py": tasks}
    done = run_hook(tmp_path / "repo", env, "flake8-asyncio-run-fix", ["--unsafe-fixes"], files)
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
    tmp_path: Path, env: dict[str, str], args: list[str], expected: str
) -> None:
    files = {"pyproject.toml": _pyproject("3.11"), "jobs.py": COMBINABLE}
    done = run_hook(tmp_path / "repo", env, "flake8-asyncio-run-fix", args, files)
    assert done.returncode == 1, done.stdout + done.stderr
    fixed = (tmp_path / "repo" / "jobs.py").read_text(encoding="utf-8")
    assert expected in fixed
    compile(fixed, "jobs.py", "exec")


@pytest.mark.parametrize(("args", "code"), [([], 1), (["--select", "ARO1"], 0)])
def test_check_hook_selection(
    tmp_path: Path, env: dict[str, str], args: list[str], code: int
) -> None:
    # cached_pool.py has ARO201 findings only.
    files = {"cached_pool.py": (EXAMPLES / "cached_pool.py").read_text(encoding="utf-8")}
    done = run_hook(tmp_path / "repo", env, "flake8-asyncio-run", args, files)
    assert done.returncode == code, done.stdout + done.stderr
    assert ("ARO201" in done.stdout) is (code == 1)
