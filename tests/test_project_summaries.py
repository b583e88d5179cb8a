"""Summarising many modules in forked workers (``project/summaries.py``): the same
facts as in one process, in the same order, and this process's answer when a worker
dies."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from flake8_asyncio_run.forking import fork_context
from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.project import summaries
from flake8_asyncio_run.project.build import build_project, summarize_source
from flake8_asyncio_run.project.layout import ModuleName

needs_fork = pytest.mark.skipif(
    fork_context() is None, reason="workers are forked only where fork is available"
)


def _module(number: int) -> str:
    return (
        "import asyncio\nfrom app import db\n\n"
        f"def task_{number}(x):\n    asyncio.run(db.get_pool())\n    return helper_{number}(x)\n\n"
        f"def helper_{number}(x):\n    return db.fetch(x)\n"
    )


def _project(root: Path, count: int) -> None:
    (root / "pyproject.toml").write_text("")
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "db.py").write_text(
        "import asyncpg\n\n_POOL = None\n\nasync def get_pool():\n    global _POOL\n"
        "    if _POOL is None:\n        _POOL = await asyncpg.create_pool()\n    return _POOL\n"
    )
    for number in range(count):
        (root / "app" / f"tasks_{number:03d}.py").write_text(_module(number))
    (root / "app" / "broken.py").write_text("import asyncio\nasyncio.run(\n")


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    used: list[int] = []
    real = summaries._in_workers

    def in_workers(items: Any, summarise: Any, workers: int, context: Any) -> Any:
        used.append(workers)
        return real(items, summarise, workers, context)

    monkeypatch.setattr(summaries, "_in_workers", in_workers)
    return used


@needs_fork
def test_workers_give_the_facts_one_process_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path, summaries.PARALLEL_SUMMARIES + 8)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)  # two workers even on one CPU
    options = AnalysisOptions()
    used = _spy(monkeypatch)
    alone = build_project(tmp_path, options, (), use_cache=False, jobs=1)
    assert used == []
    shared = build_project(tmp_path, options, (), use_cache=False, jobs=2)
    assert used == [2]
    assert list(shared.index.modules) == list(alone.index.modules)
    assert shared.index.modules == alone.index.modules
    assert shared.state == alone.state
    assert shared.quiet == alone.quiet
    assert "app.tasks_000" in shared.index.modules
    assert "app.broken" not in shared.index.modules  # does not parse: no facts


def test_few_modules_are_summarised_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path, 3)
    used = _spy(monkeypatch)
    project = build_project(tmp_path, AnalysisOptions(), (), use_cache=False, jobs=2)
    assert used == []
    assert "app.tasks_002" in project.index.modules


@needs_fork
def test_a_worker_that_dies_leaves_the_work_to_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    used = _spy(monkeypatch)
    options = AnalysisOptions()
    items = [
        (_module(n).encode(), ModuleName(f"app.t{n}", False))
        for n in range(summaries.PARALLEL_SUMMARIES)
    ]
    parent = os.getpid()

    def dying(data: bytes, name: ModuleName) -> Any:
        if os.getpid() != parent:
            os._exit(3)  # a worker killed mid-way (out of memory, a signal)
        return summarize_source(data, name, options)

    found = summaries.summarise_all(items, dying, jobs=2)
    assert used == [2]
    assert [facts.name if facts else None for facts in found] == [n.name for _, n in items]


def test_one_job_never_forks(monkeypatch: pytest.MonkeyPatch) -> None:
    used = _spy(monkeypatch)
    items = [(b"x = 1\n", ModuleName(f"m{n}", False)) for n in range(100)]
    found = summaries.summarise_all(items, lambda data, name: None, jobs=1)
    assert found == [None] * 100
    assert used == []
