"""Applying plans, and the whole pipeline for one file.

``apply_plans`` applies the plans that do not overlap (``compatible_plans``) as text
edits in code-point spans.  ``fix_text`` runs analysis, selection, noqa, planning,
applying, compile check and re-analysis for one file's text.  Passes repeat until
nothing more applies, so that a fix skipped because it overlapped another is made in
the next pass, and fixing a fixed text changes nothing."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import replace

from flake8_asyncio_run.analysis import parse_source
from flake8_asyncio_run.checker import FileResult, check_parsed, check_source
from flake8_asyncio_run.collector import collector_paused
from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.findings import Finding, FixOutcome, FixPlan, Span, TextEdit
from flake8_asyncio_run.fix.planner import checked_style, plan_fixes
from flake8_asyncio_run.lines import LineIndex, apply_edits
from flake8_asyncio_run.project.registry import Projects
from flake8_asyncio_run.rules import FIXABLE
from flake8_asyncio_run.targets import DEFAULT_TARGET, parse_target

MAX_PASSES = 10


def fix_text(
    text: str,
    path: str,
    settings: Settings,
    style: str = "auto",
    unsafe: bool = False,
    target: tuple[int, int] | None = None,
    projects: Projects | None = None,
    in_notebook: bool = False,
) -> FixOutcome:
    """``projects``: the indexes that tell which calls of other modules' functions
    start event loops (without them, the file is a project of its own).
    ``in_notebook``: ``text`` is a notebook's cells (``notebook.cells``)."""
    checked_style(style)
    # A libcst parse allocates hundreds of thousands of nodes, none in a cycle: the
    # collector scanning them was about a fifth of the fixer's time.
    with collector_paused():
        return _fix_text(text, path, settings, style, unsafe, target, projects, in_notebook)


def _fix_text(
    text: str,
    path: str,
    settings: Settings,
    style: str,
    unsafe: bool,
    target: tuple[int, int] | None,
    projects: Projects | None,
    in_notebook: bool,
) -> FixOutcome:
    target = target or parse_target(settings.target_version) or DEFAULT_TARGET
    result = check_source(text, path, settings, projects, in_notebook=in_notebook)
    initial = tuple(result.findings)
    if result.syntax_error:
        message = result.findings[0].message if result.findings else "SyntaxError"
        return _unchanged(path, text, initial, "syntax error", syntax_error=message)
    current = text
    applied: list[FixPlan] = []
    plans: list[FixPlan] = []
    for _ in range(MAX_PASSES):
        if not result.findings or result.analysis is None:
            plans = []
            break
        plans = plan_fixes(
            current, result.analysis, result.findings, style, target, path, in_notebook
        )
        chosen = compatible_plans(plans, unsafe)
        if not chosen:
            break
        fixed = apply_edits(current, [edit for plan in chosen for edit in plan.edits])
        checked = _recheck(fixed, path, settings, projects, in_notebook)
        if isinstance(checked, str) and len(chosen) > 1:
            # Plans made on the same text can clash (one declares 'nonlocal i' for a
            # binding only the other's region had): apply one, re-plan the rest.
            chosen = chosen[:1]
            fixed = apply_edits(current, list(chosen[0].edits))
            checked = _recheck(fixed, path, settings, projects, in_notebook)
        if isinstance(checked, str):
            broken = _compile_error(current, path, in_notebook)
            if broken is not None:
                # The file was already broken (``ast`` accepts what the compiler rejects,
                # such as a late ``from __future__`` import): not our doing, skip it.
                message = broken.replace("the fixed code does not compile", "SyntaxError")
                return _unchanged(path, text, initial, "syntax error", syntax_error=message)
            # Never write code that does not compile: report and keep the original.
            return _unchanged(path, text, initial, "internal error", internal_error=checked)
        applied.extend(chosen)
        previous, current, result = current, fixed, checked
        carried = _carried_over(plans, chosen, unsafe, previous, current, result.findings)
        if carried is not None:
            plans = carried  # nothing more can apply: no second libcst parse
            break
    remaining = tuple(result.findings)
    reasons, hints = _explain(remaining, plans, unsafe)
    return FixOutcome(
        path, text, current, tuple(applied), remaining, reasons, hints, initial=initial
    )


def _carried_over(
    plans: list[FixPlan],
    chosen: list[FixPlan],
    unsafe: bool,
    before: str,
    after: str,
    remaining: Sequence[Finding],
) -> list[FixPlan] | None:
    """The plans left unapplied, with their findings moved to the fixed text, when no
    further pass could apply anything: every one of them is inapplicable (none, or unsafe
    without ``--unsafe-fixes``), so none was skipped for overlapping, and their regions
    are untouched.  None when a finding cannot be moved (it lies in an applied edit) or
    the fixed text's findings are not exactly the moved ones: then plan again."""
    left = [plan for plan in plans if not any(plan is c for c in chosen)]
    if any(plan.applies(unsafe) for plan in left):
        return None
    # A fix applied in the same scope, or inside another plan's region (an ARO103 await
    # in a nested coroutine), can change that plan's verdict: then plan again.  So can
    # anything for a region-less "no fix" of a fixable code.
    fixed_scopes = {f.scope for plan in chosen for f in plan.findings}
    if any(f.scope in fixed_scopes for plan in left for f in plan.findings):
        return None
    if any(not plan.edits and plan.findings[0].code in FIXABLE for plan in left):
        return None
    edits = {(e.span, e.replacement) for plan in chosen for e in plan.edits}
    if any(_overlap(e.span, s) for plan in left for e in plan.edits for s, _ in edits):
        return None
    old, new = LineIndex(before), LineIndex(after)
    shifts = sorted(
        (old.offset(s.line, s.col), old.offset(s.end_line, s.end_col), len(r)) for s, r in edits
    )

    def move(span: Span) -> Span | None:
        start, end = old.offset(span.line, span.col), old.offset(span.end_line, span.end_col)
        shift = 0
        for edit_start, edit_end, length in shifts:
            if edit_end <= start:
                shift += length - (edit_end - edit_start)
            elif edit_start < end:
                return None
        line, col = new.line_col(start + shift)
        end_line, end_col = new.line_col(end + shift)
        return Span(line, col, end_line, end_col)

    moved: list[FixPlan] = []
    for plan in left:
        findings = []
        for finding in plan.findings:
            span = move(finding.span)
            if span is None:
                return None
            findings.append(replace(finding, span=span))
        moved.append(replace(plan, findings=tuple(findings)))
    keys = {(f.code, f.line, f.col) for plan in moved for f in plan.findings}
    if any((f.code, f.line, f.col) not in keys for f in remaining):
        return None
    return moved


def _overlap(a: Span, b: Span) -> bool:
    return (a.line, a.col) < (b.end_line, b.end_col) and (b.line, b.col) < (a.end_line, a.end_col)


def _unchanged(
    path: str,
    text: str,
    initial: tuple[Finding, ...],
    reason: str,
    syntax_error: str | None = None,
    internal_error: str | None = None,
) -> FixOutcome:
    return FixOutcome(
        path,
        text,
        text,
        remaining=initial,
        reasons=(reason,) * len(initial),
        hints=(None,) * len(initial),
        syntax_error=syntax_error,
        internal_error=internal_error,
        initial=initial,
    )


def _compile_flags(in_notebook: bool) -> int:
    return ast.PyCF_ALLOW_TOP_LEVEL_AWAIT if in_notebook else 0


def _compile_error(text: str, path: str, in_notebook: bool) -> str | None:
    try:
        compile(text, path, "exec", _compile_flags(in_notebook), dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        return f"the fixed code does not compile: {error}"
    return None


def _recheck(
    fixed: str, path: str, settings: Settings, projects: Projects | None, in_notebook: bool
) -> FileResult | str:
    """The fixed text's findings, or why it does not compile.  One parse serves both:
    compiling the tree runs the compiler's own checks (scopes, ``nonlocal``...)."""
    try:
        tree = parse_source(fixed, path, in_notebook)
        compile(tree, path, "exec", _compile_flags(in_notebook), dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        return f"the fixed code does not compile: {error}"
    return check_parsed(fixed, tree, path, settings, projects, in_notebook)


def _explain(
    remaining: tuple[Finding, ...], plans: list[FixPlan], unsafe: bool
) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
    by_finding: dict[tuple[str, int, int], FixPlan] = {}
    for plan in plans:
        for finding in plan.findings:
            by_finding[(finding.code, finding.line, finding.col)] = plan
    reasons: list[str] = []
    hints: list[str | None] = []
    for finding in remaining:
        found = by_finding.get((finding.code, finding.line, finding.col))
        if found is None:
            reasons.append("no fix found")
            hints.append(None)
        elif found.applicability == "unsafe" and not unsafe:
            reasons.append(found.reason or "unsafe fix")
            hints.append(found.hint or "use --unsafe-fixes")
        elif found.applicability == "none":
            reasons.append(found.reason or "no fix")
            hints.append(found.hint)
        else:
            reasons.append("the fix did not remove it")
            hints.append(None)
    return tuple(reasons), tuple(hints)


def _overlaps(a: TextEdit, b: TextEdit) -> bool:
    if a == b:
        return False
    a_start, a_end = (a.span.line, a.span.col), (a.span.end_line, a.span.end_col)
    b_start, b_end = (b.span.line, b.span.col), (b.span.end_line, b.span.end_col)
    if a_start == a_end == b_start == b_end:
        return True  # two different insertions at one point: order would be arbitrary
    return a_start < b_end and b_start < a_end


def compatible_plans(plans: Sequence[FixPlan], unsafe: bool) -> list[FixPlan]:
    """The plans to apply together: applicable ones, in order, skipping any whose edits
    overlap an earlier chosen plan's (a later pass picks those up)."""
    chosen: list[FixPlan] = []
    taken: list[TextEdit] = []
    for plan in plans:
        if not plan.applies(unsafe):
            continue
        if any(_overlaps(edit, other) for edit in plan.edits for other in taken):
            continue
        chosen.append(plan)
        taken.extend(plan.edits)
    return chosen


def apply_plans(text: str, plans: Sequence[FixPlan], unsafe: bool = False) -> str:
    """The text with every applicable plan applied (unsafe ones only if ``unsafe``)."""
    chosen = compatible_plans(plans, unsafe)
    return apply_edits(text, [edit for plan in chosen for edit in plan.edits])
