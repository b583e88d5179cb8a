"""The garbage collector's pauses (``collector``): parsing, analysing and fixing run
with it paused, and it comes back as it was, across nesting, errors and threads."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

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
