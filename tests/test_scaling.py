"""Growth with the size of one function or file (issue 15).

Each shape grew faster than N log N once: N sequential ``for`` loops (``fix`` was
cubic: region merging), many small fixable functions in one file (``fix`` was
quadratic: every region scanned every call), N optional runner calls in one scope
(``check`` was quadratic: every path state held a summary per earlier call).  The wall
bounds are generous (at least five times what the fixed code takes on a loaded
two-CPU machine; ``bench/scaling.py`` and docs/performance.md have the curves); the
work counts below them catch a relapse without depending on the machine's speed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flake8_asyncio_run.checker import check_source
from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.findings import FixOutcome
from flake8_asyncio_run.fix import fix_text
from flake8_asyncio_run.fix import locate as locate_module
from flake8_asyncio_run.fix import planner as planner_module
from flake8_asyncio_run.flow import PathCounter, State

# The shapes bench/scaling.py measures: one definition of each, for both.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from scaling import for_loops, functions, if_else, optional_ifs, sequential

SETTINGS = Settings()


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def fix(text: str) -> FixOutcome:
    return fix_text(text, "scaling.py", SETTINGS, target=(3, 11))


def test_sequential_for_loops_fix_in_time() -> None:
    # Was 52 s at N=200 (cubic); about 2 s now.
    elapsed, outcome = timed(lambda: fix(for_loops(200)))
    assert elapsed < 15, f"fix of 200 sequential for loops took {elapsed:.1f} s"
    assert len(outcome.initial) == 399


def test_for_loop_regions_measure_each_statement_a_few_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Merging regions pairwise and starting over measured 1.5 M positions at N=100.
    calls = 0
    original = locate_module.Located.position

    def counting(self: locate_module.Located, node: Any) -> Any:
        nonlocal calls
        calls += 1
        return original(self, node)

    monkeypatch.setattr(locate_module.Located, "position", counting)
    fix(for_loops(100))
    assert calls < 100 * 100, f"{calls} position look-ups for 100 loops"


def test_many_functions_fix_in_time() -> None:
    elapsed, outcome = timed(lambda: fix(functions(1000)))
    assert elapsed < 90, f"fix of 1000 functions (6k lines) took {elapsed:.1f} s"
    assert len(outcome.applied) == 1000
    assert not outcome.remaining


def test_regions_do_not_scan_every_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each region's calls come from an index, not from a scan of every call."""
    scans = 0

    class Counting(dict):  # type: ignore[type-arg]
        def values(self) -> Any:
            nonlocal scans
            scans += 1
            return super().values()

    original = locate_module.locate

    def located(text: str, analysis: Any) -> locate_module.Located:
        result = original(text, analysis)
        result.sites = Counting(result.sites)
        return result

    monkeypatch.setattr(planner_module, "locate", located)
    text = functions(200)
    check = check_source(text, "scaling.py", SETTINGS)
    assert check.analysis is not None
    plans = planner_module.plan_fixes(text, check.analysis, check.findings)
    assert len(plans) == 200
    assert scans <= 2, f"the located calls were scanned {scans} times for 200 regions"


def test_optional_ifs_check_in_time() -> None:
    # Was 7.6 s at N=1600 (quadratic); under 1 s now.
    elapsed, result = timed(lambda: check_source(optional_ifs(1600), "scaling.py", SETTINGS))
    assert elapsed < 10, f"check of 1600 optional runner calls took {elapsed:.1f} s"
    assert len(result.findings) == 1599


def test_path_states_stay_small(monkeypatch: pytest.MonkeyPatch) -> None:
    """A state keeps the path summaries that can still win, not one per earlier call."""
    sizes: list[int] = []
    original = PathCounter._call

    def recording(self: PathCounter[Any], node: Any, state: State | None) -> State | None:
        if state is not None:
            sizes.append(len(state.firsts))
        return original(self, node, state)

    monkeypatch.setattr(PathCounter, "_call", recording)
    check_source(optional_ifs(300), "scaling.py", SETTINGS)
    check_source(if_else(100), "scaling.py", SETTINGS)
    assert sizes and max(sizes) <= 3, f"a path state held {max(sizes)} summaries"


@pytest.mark.parametrize("shape", [sequential, if_else], ids=["sequential", "if_else"])
def test_one_long_function_check_and_fix(shape: Callable[[int], str]) -> None:
    # About 0.4 s (check) and 3 s (fix) for 1000 sequential calls; if_else: 1.5 s, 10 s.
    text = shape(1000)
    elapsed, result = timed(lambda: check_source(text, "scaling.py", SETTINGS))
    assert elapsed < 15, f"check of {shape.__name__}(1000) took {elapsed:.1f} s"
    assert result.findings
    elapsed, _ = timed(lambda: fix(text))
    assert elapsed < 90, f"fix of {shape.__name__}(1000) took {elapsed:.1f} s"


def test_path_count_is_not_exponential() -> None:
    """200 if/else blocks in a row are 2**200 paths: the walk summarises them."""
    text = if_else(200)
    elapsed, result = timed(lambda: check_source(text, "scaling.py", SETTINGS))
    assert elapsed < 5, f"check of 200 if/else blocks took {elapsed:.1f} s"
    # The last block's calls are the 200th on the longest path.
    assert any("a 200th event loop" in f.message for f in result.findings)
    elapsed, _ = timed(lambda: fix(text))
    assert elapsed < 30, f"fix of 200 if/else blocks took {elapsed:.1f} s"


def test_path_states_carry_no_calls_outside_loops(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only calls inside a loop can reach a back edge: a state carries no others.  Every
    call copied the calls before it, which made N branches in one function grow as N²."""
    carried: list[int] = []
    original = PathCounter._call

    def recording(self: PathCounter[Any], node: Any, state: State | None) -> State | None:
        after = original(self, node, state)
        if after is not None:
            carried.append(after.made.bit_count())
        return after

    monkeypatch.setattr(PathCounter, "_call", recording)
    check_source(if_else(300), "scaling.py", SETTINGS)
    assert carried and max(carried) == 0, f"a state carried {max(carried)} calls"
    carried.clear()
    result = check_source(for_loops(20), "scaling.py", SETTINGS)
    # A loop's call is carried to its back edge, and every loop's call still repeats.
    assert carried and max(carried) >= 1
    assert sum(f.code == "ARO102" for f in result.findings) == 20
