"""The garbage collector's pauses (``collector``): parsing, analysing and fixing run
with it paused, and it comes back as it was, across nesting, errors and threads."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flake8_asyncio_run import analysis
from flake8_asyncio_run.collector import collector_paused
from flake8_asyncio_run.parsing import parse_source


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_nested_pauses_resume_once_the_last_ends() -> None:
    gc.enable()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_the_caller_disabled_stays_disabled() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()
    parse_source("x = 1\n")
    assert not gc.isenabled()


def test_an_error_inside_still_resumes() -> None:
    gc.enable()
    with pytest.raises(SyntaxError), collector_paused():
        parse_source("def (:\n")
    assert gc.isenabled()


def test_analysis_runs_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "import asyncio\n\ndef main():\n    asyncio.run(f())\n    asyncio.run(f())\n"
    running: list[bool] = []
    original = analysis._FileAnalysis.run

    def recording(self: analysis._FileAnalysis) -> analysis.Analysis:
        running.append(gc.isenabled())
        return original(self)

    monkeypatch.setattr(analysis._FileAnalysis, "run", recording)
    gc.enable()
    result = analysis.analyze_tree(parse_source(text), text.splitlines(keepends=True))
    assert running == [False]
    assert gc.isenabled()
    assert len(result.findings) == 1


def test_overlapping_pauses_in_threads_leave_it_enabled() -> None:
    gc.enable()
    inside = threading.Barrier(4)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with collector_paused():
                inside.wait(timeout=10)
                assert not gc.isenabled()
                inside.wait(timeout=10)
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert gc.isenabled()


def test_a_summary_leaves_no_cycles_behind() -> None:
    """The index's build runs with the collector paused: a summary must not leave its
    scopes (and the nodes they hold) for a collection that never comes."""
    from flake8_asyncio_run.options import AnalysisOptions
    from flake8_asyncio_run.project.summarize import summarize

    text = (
        "import asyncio\nfrom db import get_pool\n\nPOOL = None\n\n"
        "class Repo:\n    def save(self, x):\n        return [y for y in x if (lambda z: z)(y)]\n\n"
        "def task(n):\n    global POOL\n    def inner():\n        return Repo().save(n)\n"
        "    asyncio.run(get_pool())\n    return inner()\n"
    )
    gc.collect()
    gc.disable()
    facts = summarize(parse_source(text), "tasks", False, AnalysisOptions())
    found = gc.collect()
    assert found == 0, f"{found} objects were left in reference cycles"
    assert [f.name for f in facts.functions] == ["tasks.Repo.save", "tasks.task"]


def test_the_index_builds_with_the_collector_paused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flake8_asyncio_run.options import AnalysisOptions
    from flake8_asyncio_run.project import build

    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "tasks.py").write_text("import asyncio\n\ndef t():\n    asyncio.run(f())\n")
    collecting: list[bool] = []
    original = build.summarize_source

    def recording(*args: Any) -> Any:
        collecting.append(gc.isenabled())
        return original(*args)

    monkeypatch.setattr(build, "summarize_source", recording)
    gc.enable()
    project = build.build_project(tmp_path, AnalysisOptions(), (), use_cache=False)
    assert collecting == [False]
    assert gc.isenabled()
    assert "tasks" in project.index.modules
