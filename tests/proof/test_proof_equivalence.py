"""Execution equivalence: every scenario, fixed in every style, behaves as before and
runs one event loop per task call.

The originals run first and must use more than one loop somewhere, so a test cannot
pass because its program never exercised the bug.  Each version runs in a fresh
interpreter.  The seed scenario is also fixed through the real command line, which must
give the same text as the API.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from proof_harness import (
    STYLES,
    Style,
    assert_compiles,
    assert_equivalent,
    assert_no_more_loops,
    assert_one_loop_per_call,
    assert_several_loops,
    fix_api,
    fix_cli,
    remaining_loop_findings,
    run_isolated,
)
from scenarios import SCENARIOS, SEED, SEED_CALLS, SEED_WITH_POOL, Scenario

_originals: dict[str, dict[str, Any]] = {}


def _original_trace(scenario: Scenario, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if scenario.name not in _originals:
        workdir = tmp_path_factory.mktemp(f"{scenario.name}-original")
        _originals[scenario.name] = run_isolated(
            scenario.source, scenario.calls, workdir, scenario.module
        )
    return _originals[scenario.name]


def _skip_without(scenario: Scenario) -> None:
    for name in scenario.needs:
        if importlib.util.find_spec(name) is None:
            pytest.skip(f"{name} is not installed")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_original_runs_several_loops(
    scenario: Scenario, tmp_path_factory: pytest.TempPathFactory
) -> None:
    _skip_without(scenario)
    before = _original_trace(scenario, tmp_path_factory)
    assert_several_loops(before)
    assert remaining_loop_findings(scenario.source), "the detector must flag the original"


@pytest.mark.parametrize("style", STYLES, ids=lambda s: s.id)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_fix_keeps_behaviour(
    scenario: Scenario, style: Style, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    _skip_without(scenario)
    fixed, outcome = fix_api(scenario.source, style)
    assert_compiles(fixed)
    if style.style in scenario.unchanged:
        assert fixed == scenario.source, f"{style.id} must not fix this program:\n{fixed}"
        return
    left = remaining_loop_findings(fixed)
    if left:
        # Only where the issue allows "unsafe or absent"; the outcome must say why.
        assert style.style in scenario.optional, f"{style.id} left {left}: {outcome.reasons}"
        assert all(outcome.reasons), outcome
    if fixed == scenario.source:
        return
    before = _original_trace(scenario, tmp_path_factory)
    after = run_isolated(fixed, scenario.calls, tmp_path / "fixed", scenario.module)
    assert_equivalent(before, after, fixed)
    if left:
        assert_no_more_loops(before, after, fixed)
    else:
        assert_one_loop_per_call(before, after, fixed)
    again, _ = fix_api(fixed, style)
    assert again == fixed, "fixing twice changed the file again"


@pytest.mark.parametrize("style", STYLES, ids=lambda s: s.id)
def test_cli_fix_of_seed_keeps_behaviour(
    style: Style, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    fixed = fix_cli(SEED, style, tmp_path / "cli")
    assert fixed != SEED
    api_fixed, _ = fix_api(SEED, style)
    assert fixed == api_fixed, "the command and the API disagree"
    before = _original_trace(SCENARIOS[0], tmp_path_factory)
    after = run_isolated(fixed, SEED_CALLS, tmp_path / "run")
    assert_equivalent(before, after, fixed)
    assert_one_loop_per_call(before, after, fixed)


@pytest.mark.parametrize("style", STYLES, ids=lambda s: s.id)
def test_fix_cures_the_seed_failure(style: Style, tmp_path: Path) -> None:
    """The teeth of the whole proof: with a loop-bound pool the original fails the way
    production did, and the fixed task completes."""
    calls = ["analyze_photo_task('cat.png', 1)", "analyze_photo_task('dog.png', 2)"]
    before = run_isolated(SEED_WITH_POOL, calls, tmp_path / "before")
    for call in before["calls"][1:]:
        assert call["outcome"][0] == "raise" and "different loop" in call["outcome"][2]
    fixed, _ = fix_api(SEED_WITH_POOL, style)
    after = run_isolated(fixed, calls, tmp_path / "after")
    outcomes = [call["outcome"] for call in after["calls"][1:]]
    assert outcomes == [
        ["return", {"tuple": ["INSERT cat.png 16:1", "SELECT 1:2"]}],
        ["return", {"tuple": ["INSERT dog.png 16:1", "SELECT 2:2"]}],
    ], fixed


UNSAFE_COMBINE = ("return-runner-call", "loop-statement", "sync-code-between-calls")


@pytest.mark.parametrize("name", UNSAFE_COMBINE)
def test_unsafe_combine_fixes_wait_for_unsafe_fixes(name: str) -> None:
    """These programs hold what the policy calls unsafe for combine (a return between
    the calls, sync code run inside the loop); test_fix_keeps_behaviour runs them with
    unsafe fixes on and proves them equivalent.  Without the flag they are not applied,
    and the outcome says why."""
    scenario = next(s for s in SCENARIOS if s.name == name)
    unsafe_text, unsafe_outcome = fix_api(scenario.source, Style("combine", unsafe=True))
    unsafe_plans = [p for p in unsafe_outcome.applied if p.applicability == "unsafe"]
    assert unsafe_plans, f"{name}: expected an unsafe combine fix"
    safe_text, safe_outcome = fix_api(scenario.source, Style("combine", unsafe=False))
    assert all(p.applicability == "safe" for p in safe_outcome.applied)
    assert safe_text != unsafe_text
    assert remaining_loop_findings(safe_text), "the unsafe finding must remain"
    for plan in unsafe_plans:
        assert plan.reason and plan.reason in safe_outcome.reasons, safe_outcome.reasons
