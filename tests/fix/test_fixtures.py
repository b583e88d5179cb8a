"""Before/after fixture pairs: every style, safety class and no-fix reason.

Each ``tests/fixtures/fix/NAME.before`` starts with header comments:

    # fix-style: auto|combine|runner      (default auto)
    # fix-target: py310...py314          (default py311)
    # fix-unsafe: yes                    (apply unsafe fixes too)
    # fix-ignore: ARO102                 (deselect codes, as --ignore)
    # fix-runners: mylib.run_async       (as --asyncio-runners)
    # fix-expect: safe/combine           a plan with this applicability/style exists
    # fix-expect: none: 'yield' in the region    ... and with this reason

``NAME.after`` is the fixed text and ``NAME.diff`` the unified diff.  Both are
regenerated only with ``pytest tests/fix --regen-fixtures``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from declaration_checks import needless_new_declarations
from layout_checks import blank_line_errors

from flake8_asyncio_run.analysis import analyze_source
from flake8_asyncio_run.checker import check_source
from flake8_asyncio_run.cli.fix import unified_diff
from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.fix import fix_text, plan_fixes
from flake8_asyncio_run.fix.cells import CROSSES_CELLS
from flake8_asyncio_run.rules import FIXABLE
from flake8_asyncio_run.targets import parse_target

FIXTURES = Path(__file__).parent.parent / "fixtures" / "fix"
CASES = sorted(p.stem for p in FIXTURES.glob("*.before"))
LOOP_CODES = FIXABLE


def read(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def header(text: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line.startswith("# fix-"):
            break
        key, _, value = line[len("# fix-") :].partition(":")
        values.setdefault(key.strip(), []).append(value.strip())
    return values


def settings_for(options: dict[str, list[str]]) -> Settings:
    ignore = tuple(options.get("ignore", []))
    runners = tuple(options.get("runners", []))
    return Settings(ignore=ignore, runners=runners)


def run_case(name: str) -> tuple[str, dict[str, list[str]], object]:
    before = read(FIXTURES / f"{name}.before")
    options = header(before)
    style = options.get("style", ["auto"])[0]
    target = parse_target(options.get("target", ["py311"])[0])
    unsafe = options.get("unsafe", ["no"])[0] == "yes"
    outcome = fix_text(before, f"{name}.py", settings_for(options), style, unsafe, target)
    return before, options, outcome


def test_there_are_fixtures() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("name", CASES)
def test_fixture(name: str, regen: bool) -> None:
    before, options, outcome = run_case(name)
    assert outcome.internal_error is None  # type: ignore[attr-defined]
    after_text: str = outcome.text  # type: ignore[attr-defined]
    broken = outcome.syntax_error is not None  # type: ignore[attr-defined]
    assert broken == ("syntax error" in options.get("expect", [])), "only syntax_error is broken"
    diff = unified_diff(before, after_text, f"{name}.py")
    after_path, diff_path = FIXTURES / f"{name}.after", FIXTURES / f"{name}.diff"
    if regen:
        after_path.write_text(after_text, encoding="utf-8", newline="")
        diff_path.write_text(diff, encoding="utf-8", newline="")
    assert after_text == read(after_path)
    assert diff == read(diff_path)
    if broken:
        assert after_text == before
    else:
        compile(after_text, name, "exec", dont_inherit=True)


@pytest.mark.parametrize("name", CASES)
def test_fixture_expectations(name: str) -> None:
    """The plans have the applicability, style and reason the header names."""
    before, options, _ = run_case(name)
    settings = settings_for(options)
    result = check_source(before, f"{name}.py", settings)
    assert options.get("expect"), "every fixture states what it expects"
    if result.syntax_error:
        assert options["expect"] == ["syntax error"]
        return
    assert result.analysis is not None
    target = parse_target(options.get("target", ["py311"])[0]) or (3, 11)
    plans = plan_fixes(
        before, result.analysis, result.findings, options.get("style", ["auto"])[0], target
    )
    described = {
        f"{p.applicability}/{p.style}: {p.reason}" if p.reason else f"{p.applicability}/{p.style}"
        for p in plans
    }
    loose = {d.replace("/None", "") for d in described}
    for expected in options.get("expect", []):
        assert expected in described or expected in loose, f"{expected!r} not in {described}"


@pytest.mark.parametrize("name", CASES)
def test_fixing_twice_changes_nothing(name: str) -> None:
    _, options, outcome = run_case(name)
    style = options.get("style", ["auto"])[0]
    target = parse_target(options.get("target", ["py311"])[0])
    unsafe = options.get("unsafe", ["no"])[0] == "yes"
    text: str = outcome.text  # type: ignore[attr-defined]
    again = fix_text(text, f"{name}.py", settings_for(options), style, unsafe, target)
    assert again.text == text


@pytest.mark.parametrize("name", CASES)
def test_fixed_scopes_have_no_loop_findings(name: str) -> None:
    """Every finding a fix claimed is gone, and no new loop finding appeared.  (A
    percent-format script keeps the loops of its other cells: the fixer joins no cells.)"""
    before, _, outcome = run_case(name)
    text: str = outcome.text  # type: ignore[attr-defined]
    if outcome.syntax_error:  # type: ignore[attr-defined]
        return
    fixed_scopes = {
        f.scope.name
        for plan in outcome.applied  # type: ignore[attr-defined]
        for f in plan.findings
    }
    other_cells = [
        finding
        for finding, reason in zip(outcome.remaining, outcome.reasons, strict=True)  # type: ignore[attr-defined]
        if reason == CROSSES_CELLS
    ]
    after = analyze_source(text)
    left = [
        f
        for f in after.findings
        if f.code in LOOP_CODES and f.scope.name in fixed_scopes and f not in other_cells
    ]
    assert left == []
    count_before = len([f for f in analyze_source(before).findings if f.code in LOOP_CODES])
    count_after = len([f for f in after.findings if f.code in LOOP_CODES])
    assert count_after <= count_before


@pytest.mark.parametrize("name", CASES)
def test_fixed_code_is_laid_out_like_its_file(name: str) -> None:
    """The new coroutine adds no blank-line complaints of pycodestyle (E30x, W29x), in
    functions and at module level."""
    before, _, outcome = run_case(name)
    text: str = outcome.text  # type: ignore[attr-defined]
    assert blank_line_errors(text) <= blank_line_errors(before)


@pytest.mark.parametrize("name", CASES)
def test_fixed_code_declares_only_what_it_binds(name: str) -> None:
    """The coroutine's ``global``/``nonlocal`` lists name only what the moved code
    assigns (a bare ``name: T`` assigns nothing)."""
    before, _, outcome = run_case(name)
    if outcome.syntax_error:  # type: ignore[attr-defined]
        return
    text: str = outcome.text  # type: ignore[attr-defined]
    assert needless_new_declarations(before, text) == []
