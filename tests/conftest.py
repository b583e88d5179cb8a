"""Options and fixtures shared by the whole test suite."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden files (tests/output/golden) instead of comparing with them",
    )


REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PreCommitWorkspace:
    """What the pre-commit tests share: this repository's commit, a throwaway
    ``PRE_COMMIT_HOME`` (pre-commit builds the hook's virtualenv there once per session),
    and an environment in which git commits without the user's identity."""

    rev: str
    env: dict[str, str]

    def git(self, repo: Path, *args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, env=self.env, check=True, capture_output=True)

    def new_repo(self, path: Path, files: dict[str, str]) -> Path:
        """A git repository at ``path`` with ``files`` in one commit."""
        path.mkdir()
        self.git(path, "init", "-q")
        for name, text in files.items():
            (path / name).write_text(text, encoding="utf-8")
        self.git(path, "add", ".")
        self.git(path, "commit", "-qm", "initial")
        return path


@pytest.fixture(scope="session")
def pre_commit(tmp_path_factory: pytest.TempPathFactory) -> PreCommitWorkspace:
    if shutil.which("git") is None:
        pytest.fail("git is needed for pre-commit")
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", ".pre-commit-hooks.yaml"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert tracked.returncode == 0, ".pre-commit-hooks.yaml must be committed for pre-commit"
    # One commit for the whole session, even when the checkout moves on meanwhile.
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")),
        "PRE_COMMIT_COLOR": "never",
        "GIT_AUTHOR_NAME": "hooks",
        "GIT_AUTHOR_EMAIL": "hooks@example.invalid",
        "GIT_COMMITTER_NAME": "hooks",
        "GIT_COMMITTER_EMAIL": "hooks@example.invalid",
        "SKIP": "",
    }
    return PreCommitWorkspace(rev, env)


@pytest.fixture
def summarised(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The dotted name of every module the project index summarises from now on."""
    from flake8_asyncio_run.options import AnalysisOptions
    from flake8_asyncio_run.project import build

    names: list[str] = []
    real = build.summarize_source

    def counting(data: bytes, name: build.ModuleName, options: AnalysisOptions) -> object:
        names.append(name.name)
        return real(data, name, options)

    monkeypatch.setattr(build, "summarize_source", counting)
    return names


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of this checkout (``python -m build --wheel``), built once per run for
    every test that looks into one."""
    import sys

    out = tmp_path_factory.mktemp("wheel")
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    (built,) = out.glob("*.whl")
    return built
