"""The results cache (``results_cache``): a warm ``check`` prints what a cold one and
``--no-cache`` print, in every format; an edit, a role another module changes, or an
option invalidates; unchanged files are not read; a broken cache or a read-only tree
costs nothing but the cache."""

from __future__ import annotations

import builtins
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import cli

from flake8_asyncio_run.cli import main
from flake8_asyncio_run.project import build
from flake8_asyncio_run.project.cache import CACHE_DIRECTORY

FORMATS = ("text", "json", "sarif", "github", "gitlab", "rdjson")
TWICE = (
    "import asyncio\n\nfrom pkg.util import run_sync\n\n\n"
    "async def a():\n    return 1\n\n\n"
    "def task():\n    asyncio.run(a())\n    asyncio.run(a())\n\n\n"
    "def other():\n    run_sync(a())\n    run_sync(a())\n"
)
NOT_A_WRAPPER = "def run_sync(c):\n    return c\n"
WRAPPER = "import asyncio\n\n\ndef run_sync(c):\n    return asyncio.run(c)\n"
#: Old enough that a stat alone may be trusted (outside the racy window).
OLD = time.time() - 60


def notebook_text() -> str:
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": ["import asyncio\n", "async def m():\n", "    return 1\n", "asyncio.run(m())\n"],
    }
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text("", "utf-8")
    (root / "pkg" / "__init__.py").write_text("", "utf-8")
    (root / "pkg" / "util.py").write_text(WRAPPER, "utf-8")
    (root / "pkg" / "app.py").write_text(TWICE, "utf-8")
    (root / "pkg" / "plain.py").write_text("x = 1\n", "utf-8")
    (root / "nb.ipynb").write_text(notebook_text(), "utf-8")
    for path in root.rglob("*"):
        os.utime(path, (OLD, OLD))
    return root


def results_files(root: Path) -> list[Path]:
    return sorted((root / CACHE_DIRECTORY).glob("results-*.json"))


def check(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return cli(root, "check", "--isolated", *args, ".")


def findings(done: subprocess.CompletedProcess[str]) -> set[str]:
    return {line.split(": ", 1)[1] for line in done.stdout.splitlines()}


@pytest.mark.parametrize("output_format", FORMATS)
def test_a_warm_run_prints_what_a_cold_run_and_no_cache_print(
    project: Path, output_format: str
) -> None:
    args = ("--output-format", output_format)
    cold = check(project, *args)
    assert results_files(project)
    warm = check(project, *args)
    bare = check(project, *args, "--no-cache")
    assert cold.returncode == warm.returncode == bare.returncode == 1
    assert cold.stdout == warm.stdout == bare.stdout
    assert cold.stderr == warm.stderr == bare.stderr
    assert "ARO101" in cold.stdout and "ARO103" in cold.stdout  # the file and the notebook


def test_no_cache_and_the_config_key_write_no_results(project: Path) -> None:
    check(project, "--no-cache")
    assert not results_files(project)
    (project / "pyproject.toml").write_text("[tool.flake8-asyncio-run]\ncache = false\n", "utf-8")
    done = cli(project, "check", ".")
    assert done.returncode == 1
    assert not results_files(project)


def _edit_keeping_stat(path: Path, old: str, new: str) -> None:
    before = path.stat()
    text = path.read_text("utf-8")
    assert len(old) == len(new)
    path.write_text(text.replace(old, new), "utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size


def test_a_same_size_edit_within_the_racy_window_is_decided_by_the_digest(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Same size, same mtime, and the mtime recent when the result was cached: the
    stat is not trusted, the digest decides.  (The index's state is held constant
    here, so that only the results cache's own rule can notice the edit.)"""
    _fixed_state(monkeypatch)
    monkeypatch.chdir(project)
    app = project / "pkg" / "app.py"
    now = time.time()
    os.utime(app, (now, now))
    main(["check", "--isolated", "."])
    assert "in 'task'" in capsys.readouterr().out
    _edit_keeping_stat(app, "asyncio.run(a())\n\n\n", "asyncio.sum(a())\n\n\n")
    main(["check", "--isolated", "."])
    out = capsys.readouterr().out
    assert "in 'task'" not in out and "in 'other'" in out


def test_a_same_stat_edit_outside_the_racy_window_is_the_index_s_rule(project: Path) -> None:
    """An edit that keeps size and an old mtime is not seen by a stat (nor by the
    project index): the rule both caches share, documented in docs/usage.md."""
    assert "in 'task'" in check(project).stdout
    _edit_keeping_stat(
        project / "pkg" / "app.py", "asyncio.run(a())\n\n\n", "asyncio.sum(a())\n\n\n"
    )
    assert "in 'task'" in check(project).stdout
    assert "in 'task'" not in check(project, "--no-cache").stdout


def test_a_changed_file_is_checked_again(project: Path) -> None:
    app = project / "pkg" / "app.py"
    assert "in 'task'" in check(project).stdout
    app.write_text(TWICE.replace("    asyncio.run(a())\n    asyncio.run(a())\n", "    pass\n"))
    assert "in 'task'" not in check(project).stdout


def test_a_role_another_module_defines_invalidates_the_result(project: Path) -> None:
    """``run_sync`` stops being a pass-through of ``asyncio.run`` in util.py: app.py,
    unchanged, no longer starts two loops in ``other``."""
    assert "in 'other'" in check(project).stdout
    (project / "pkg" / "util.py").write_text(NOT_A_WRAPPER, "utf-8")
    assert "in 'other'" not in check(project).stdout
    (project / "pkg" / "util.py").write_text(WRAPPER, "utf-8")
    assert "in 'other'" in check(project).stdout


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("--select", "ARO102"), ()),
        ((), ("--ignore", "ARO101")),
        ((), ("--per-file-ignores", "pkg/app.py:ARO101")),
        ((), ("--asyncio-runners", "pkg.util.run_sync")),
    ],
)
def test_options_that_change_findings_invalidate(
    project: Path, first: tuple[str, ...], second: tuple[str, ...]
) -> None:
    check(project, *first)
    warm = check(project, *second)
    assert warm.stdout == check(project, *second, "--no-cache").stdout


def test_the_target_version_changes_the_fixes_in_machine_formats(project: Path) -> None:
    args = ("--output-format", "json")
    for version in ("py39", "py313", "py39"):
        warm = check(project, *args, "--target-version", version)
        bare = check(project, *args, "--target-version", version, "--no-cache")
        assert warm.stdout == bare.stdout


def test_a_warm_run_reads_no_unchanged_file(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project)
    assert main(["check", "--isolated", "."]) == 1
    cold_out = capsys.readouterr().out
    opened: list[str] = []
    real_open = builtins.open

    def counting(file: Any, *args: Any, **kwargs: Any) -> Any:
        name = os.fspath(file) if isinstance(file, (str, os.PathLike)) else ""
        if CACHE_DIRECTORY not in name:
            opened.append(name)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting)
    assert main(["check", "--isolated", "."]) == 1
    assert capsys.readouterr().out == cold_out
    # Text format: only the notebook with findings is read again, for its cells.
    assert [Path(p).name for p in opened if p.endswith((".py", ".ipynb"))] == ["nb.ipynb"]
    opened.clear()
    # A module without facts changed: the index's state is the same, so only it is read
    # (by the index and by the check), and the other results stand.
    (project / "pkg" / "plain.py").write_text("y = 2\n", "utf-8")
    assert main(["check", "--isolated", "."]) == 1
    assert capsys.readouterr().out == cold_out
    assert {Path(p).name for p in opened if p.endswith(".py")} == {"plain.py"}


def test_a_corrupt_or_foreign_cache_file_is_ignored(project: Path) -> None:
    cold = check(project)
    (path,) = results_files(project)
    valid = _load(path)
    for junk in ("{not json", "[]", '{"tool": "other"}', json.dumps({**valid, "entries": 7})):
        path.write_text(junk, "utf-8")
        done = check(project)
        assert (done.stdout, done.returncode) == (cold.stdout, 1)
        assert "Traceback" not in done.stderr
    check(project)
    data = _load(path)
    first = next(iter(data["entries"]))
    data["entries"][first][4] = [["ARO101", "x"]]  # a finding of the wrong shape
    path.write_text(json.dumps(data), "utf-8")
    done = check(project)
    assert (done.stdout, done.returncode) == (cold.stdout, 1)


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores modes")
def test_a_read_only_tree_works_without_the_cache(project: Path) -> None:
    cold = check(project, "--no-cache")
    modes = _read_only(project)
    try:
        done = check(project)
        assert (done.stdout, done.returncode) == (cold.stdout, 1)
        assert "Traceback" not in done.stderr
    finally:
        for path, mode in modes:
            path.chmod(mode)


def test_an_unwritable_cache_directory_costs_only_the_cache(project: Path) -> None:
    cold = check(project, "--no-cache")
    (project / CACHE_DIRECTORY).write_text("a file, not a directory", "utf-8")
    done = check(project)
    assert (done.stdout, done.returncode) == (cold.stdout, 1)
    assert "Traceback" not in done.stderr


def _read_only(root: Path) -> list[tuple[Path, int]]:
    modes = []
    for path in [root, *root.rglob("*")]:
        if path.is_dir():
            modes.append((path, stat.S_IMODE(path.stat().st_mode)))
            path.chmod(0o555)
    return modes


def test_notebooks_are_cached_too(project: Path) -> None:
    nb = project / "nb.ipynb"
    assert "nb.ipynb:cell 1:4:1: ARO103" in check(project).stdout
    (path,) = results_files(project)
    assert "./nb.ipynb" in _load(path)["entries"]
    assert "nb.ipynb:cell 1:4:1: ARO103" in check(project).stdout
    nb.write_text(notebook_text().replace("asyncio.run(m())", "await m()"), "utf-8")
    assert "nb.ipynb" not in check(project).stdout


def test_fix_diff_skips_files_known_clean_and_prints_what_it_prints_without_cache(
    project: Path,
) -> None:
    check(project)
    for output_format in ("text", "json"):
        args = ("fix", "--isolated", "--diff", "--output-format", output_format, ".")
        warm = cli(project, *args)
        bare = cli(project, *args, "--no-cache")
        assert (warm.stdout, warm.stderr, warm.returncode) == (
            bare.stdout,
            bare.stderr,
            bare.returncode,
        )
        assert warm.stdout


def test_concurrent_runs_leave_one_whole_cache(project: Path) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "flake8_asyncio_run", "check", "--isolated", "."],
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = {proc.communicate(timeout=120)[0] for proc in procs}
    assert len(outputs) == 1
    (path,) = results_files(project)
    assert len(_load(path)["entries"]) == 5
    assert not list((project / CACHE_DIRECTORY).glob("*.tmp"))


def test_the_key_tests_fail_when_the_cache_ignores_the_index(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the index's state left out of the key, the role test's second run gives
    the stale result: the state is what makes it pass."""
    monkeypatch.chdir(project)
    _fixed_state(monkeypatch)
    main(["check", "--isolated", "."])
    assert "in 'other'" in capsys.readouterr().out
    (project / "pkg" / "util.py").write_text(NOT_A_WRAPPER, "utf-8")
    main(["check", "--isolated", "."])
    assert "in 'other'" in capsys.readouterr().out  # stale: wrong, as expected


def _fixed_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache as it would be if its key left out the project index."""
    monkeypatch.setattr(build._Builder, "state", lambda self: "constant")
