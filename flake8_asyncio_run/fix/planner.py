"""``plan_fixes``: one FixPlan per fix, from the analysis's findings, by position."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Literal

import libcst as cst

from flake8_asyncio_run.analysis import Analysis
from flake8_asyncio_run.findings import Applicability, Finding, FixPlan, StyleOption, TextEdit
from flake8_asyncio_run.fix.calls import CannotUnpack, to_await, unpack
from flake8_asyncio_run.fix.cells import CROSSES_CELLS, HOLDS_MARKER, holds_marker, within_cells
from flake8_asyncio_run.fix.combine import assess_combine
from flake8_asyncio_run.fix.context import FileContext
from flake8_asyncio_run.fix.locate import CallSite, NotReproduced, locate
from flake8_asyncio_run.fix.positions import render
from flake8_asyncio_run.fix.regions import (
    Assessment,
    Prepared,
    Region,
    build_regions,
    group_findings,
    prepare,
)
from flake8_asyncio_run.fix.rewrite import region_lines
from flake8_asyncio_run.fix.runner_style import assess_runner
from flake8_asyncio_run.fix.safety import (
    SAFETY_ORDER,
    Limits,
    RegionView,
    dotted_name,
    is_plain_call,
    limited,
    limits,
    uses_django,
)
from flake8_asyncio_run.fix.walk import descendants
from flake8_asyncio_run.rules import FIXABLE, REGION_CODES, RULES
from flake8_asyncio_run.targets import RUNNER_VERSION

TITLES = {
    "combine": "Combine event loops into one coroutine",
    "runner": "Run the calls on one asyncio.Runner",
    "await": "Replace {call} with await",
    None: "No automatic fix",
}


def _no_fix_reason(code: str) -> str:
    rule = RULES.get(code)
    if rule is None or rule.manual_fix is None:
        return f"{code} has no automatic fix"
    return f"{code} has no automatic fix: {rule.manual_fix}"


def plan_fixes(
    text: str,
    analysis: Analysis,
    findings: Sequence[Finding],
    style: str = "auto",
    target: tuple[int, int] = (3, 11),
    path: str = "",
    in_notebook: bool = False,
) -> list[FixPlan]:
    """Plans for ``findings`` (the selected ones) in ``text``, which ``analysis`` describes.

    ``style`` is "auto", "combine" or "runner"; ``target`` the oldest Python the code
    must run on (the runner style needs 3.11); ``path`` the file's name (in test code,
    loop fixes are never safe); ``in_notebook``: ``text`` is a notebook's cells, whose
    top-level runner calls become top-level ``await``.
    """
    option = checked_style(style)
    plans: list[FixPlan] = []
    fixable: list[Finding] = []
    for finding in findings:
        if finding.code in FIXABLE:
            fixable.append(finding)
        else:
            plans.append(_none((finding,), _no_fix_reason(finding.code)))
    if fixable:
        try:
            located = locate(text, analysis)
        except cst.ParserSyntaxError:
            plans.extend(_none((f,), "libcst cannot parse this file") for f in fixable)
            return _ordered(plans)
        except NotReproduced as error:
            plans.extend(_none((f,), str(error)) for f in fixable)
            return _ordered(plans)
        ctx = FileContext.create(text, located, target, uses_django(text), path, in_notebook)
        for finding in fixable:
            if RULES[finding.code].fixer == "await":
                plans.append(_plan_await(ctx, finding))
        # A module-level fix joins no '# %%' cells: a path from one cell into another
        # is left as it is.
        in_cells, crossing = within_cells(
            [f for f in fixable if f.code in REGION_CODES], ctx.markers
        )
        plans.extend(_none((f,), CROSSES_CELLS) for f in crossing)
        groups = group_findings(in_cells, located)
        covered = {id(f) for g in groups for f in g.findings}
        for finding in in_cells:
            if id(finding) not in covered:
                plans.append(_none((finding,), "the runner call could not be located"))
        for region in build_regions(groups, located):
            plans.append(_plan_region(ctx, region, option))
    return _ordered(plans)


STYLE_OPTIONS: tuple[StyleOption, ...] = ("auto", "combine", "runner")


def checked_style(style: str) -> StyleOption:
    for option in STYLE_OPTIONS:
        if style == option:
            return option
    raise ValueError(f"unknown fix style {style!r} (expected auto, combine or runner)")


def _ordered(plans: list[FixPlan]) -> list[FixPlan]:
    return sorted(plans, key=lambda p: min(f.sort_key() for f in p.findings))


def _none(findings: tuple[Finding, ...], reason: str, hint: str | None = None) -> FixPlan:
    return FixPlan(findings, "none", None, reason, TITLES[None], (), hint)


def _plan_region(ctx: FileContext, region: Region, style: StyleOption) -> FixPlan:
    findings = tuple(sorted(region.group.findings, key=Finding.sort_key))
    if region.scope is not None and region.links:
        boundaries = ctx.boundaries(region.scope)
        if boundaries and holds_marker(
            boundaries, *region_lines(ctx, region.statements, boundaries)
        ):
            return _none(findings, HOLDS_MARKER)
    prepared = prepare(ctx, region)
    if not isinstance(prepared, Prepared):
        return _none(findings, prepared)
    limits = running_loop_limits(ctx, prepared)
    combine = _limit_combine(assess_combine(ctx, prepared), limits) if style != "runner" else None
    # The runner style is needed when combine is not safe (as a fix or for the hint).
    if combine is not None and combine.applicability == "safe":
        runner = Assessment("none", "not needed")
    else:
        runner = _limit(assess_runner(ctx, prepared), limits.unsafe, "unsafe")
    chosen: Assessment
    chosen_style: Literal["combine", "runner"]
    if style == "combine":
        assert combine is not None
        chosen, chosen_style = combine, "combine"
    elif style == "runner":
        chosen, chosen_style = runner, "runner"
        if runner.applicability != "safe":
            combine = _limit_combine(assess_combine(ctx, prepared), limits)  # for the hint
    else:
        # auto: the safest fix, combine first among equals (safe combine, safe runner,
        # unsafe combine, unsafe runner), else combine's reason for having none.
        assert combine is not None
        if SAFETY_ORDER[runner.applicability] < SAFETY_ORDER[combine.applicability]:
            chosen, chosen_style = runner, "runner"
        else:
            chosen, chosen_style = combine, "combine"
    hint = _hint(ctx, style, chosen, chosen_style, combine, runner, prepared)
    if chosen.applicability == "none":
        return _none(findings, chosen.reason or "no fix", hint)
    return FixPlan(
        findings,
        chosen.applicability,
        chosen_style,
        chosen.reason,
        TITLES[chosen_style],
        chosen.edits,
        hint,
    )


def running_loop_limits(ctx: FileContext, prepared: Prepared) -> Limits:
    """The running-loop policy's view of a prepared region (``safety.limits``)."""
    awaited = prepared.awaited_calls
    coroutines: list[str] = []
    arguments_are_calls = True
    for site in prepared.runner_calls:
        awaitable = prepared.unpacked[id(site.node)].awaitable
        if isinstance(awaitable, cst.Call):
            name = dotted_name(awaitable.func)
            if name is not None:
                coroutines.append(name.rsplit(".", 1)[-1])
        elif site.call.form in ("coroutine", "wrapper"):
            arguments_are_calls = False
    moved = [
        dotted_name(call.func) or "a call"
        for call in prepared.facts.calls
        if id(call) not in awaited and not is_plain_call(call)
    ]
    return limits(
        RegionView(
            prepared.statements,
            {id(site.node) for site in prepared.runner_calls},
            prepared.scope,
            ctx.module,
            tuple(coroutines),
            arguments_are_calls,
            tuple(moved),
            ctx.path,
            prepared.family,
        )
    )


def _limit(assessment: Assessment, limit: str | None, level: Applicability) -> Assessment:
    applicability, reason = limited(assessment.applicability, assessment.reason, limit, level)
    if applicability == assessment.applicability:
        return assessment
    edits = () if applicability == "none" else assessment.edits
    return Assessment(applicability, reason, edits)


def _limit_combine(assessment: Assessment, limits: Limits) -> Assessment:
    assessment = _limit(assessment, limits.no_combine, "none")
    assessment = _limit(assessment, limits.unsafe_combine, "unsafe")
    return _limit(assessment, limits.unsafe, "unsafe")


def _hint(
    ctx: FileContext,
    style: StyleOption,
    chosen: Assessment,
    chosen_style: str,
    combine: Assessment | None,
    runner: Assessment,
    prepared: Prepared,
) -> str | None:
    """What gets a fix, the whole way at once: ``--style combine --unsafe-fixes``, not
    ``--style combine`` and then, from there, ``--unsafe-fixes``."""
    if chosen.applicability == "safe":
        return None
    options: list[str] = []
    if chosen.applicability == "unsafe":
        options.append("--unsafe-fixes")
    other = runner if chosen_style == "combine" else combine
    # The other style, when it does better: safe, or a fix at all where there is none.
    if other is not None and SAFETY_ORDER[other.applicability] < SAFETY_ORDER[chosen.applicability]:
        flag = f"--style {'runner' if chosen_style == 'combine' else 'combine'}"
        options.append(f"{flag} --unsafe-fixes" if other.applicability == "unsafe" else flag)
    if chosen_style == "combine" and prepared.family == "asyncio" and ctx.target < RUNNER_VERSION:
        options.append(_py311_hint())
    return f"use {' or '.join(options)}" if options else None


def _py311_hint() -> str:
    """The runner style's target, with a warning where this interpreter lacks it."""
    if sys.version_info >= RUNNER_VERSION:
        return "--target-version py311"
    return (
        "--target-version py311, if the code never runs on Python "
        f"{sys.version_info[0]}.{sys.version_info[1]} (asyncio.Runner is 3.11+)"
    )


def _plan_await(ctx: FileContext, finding: Finding) -> FixPlan:
    """ARO103: ``asyncio.run(x)`` inside ``async def`` -> ``await x``."""
    findings = (finding,)
    sites = [ctx.located.sites.get(call.span) for call in finding.calls]
    if not sites or any(site is None for site in sites):
        return _none(findings, "the runner call could not be located")
    # Several calls on one line make one finding; a call nested in another's arguments
    # is left to the next pass (their edits would overlap).
    outermost = [
        s for s in sites if s is not None and not any(o is not s and _contains(o, s) for o in sites)
    ]
    edits: list[TextEdit] = []
    unsafe: str | None = None
    for site in outermost:
        outcome = _await_edit(ctx, site)
        if isinstance(outcome, str):
            return _none(findings, outcome)
        edit, reason = outcome
        edits.append(edit)
        unsafe = unsafe or reason
    hint = "use --unsafe-fixes" if unsafe else None
    # Name the call the user sees: "Replace asyncio.run() with await".
    called = finding.calls[0].display.split(" (")[0] if finding.calls else "the runner call"
    return FixPlan(
        findings,
        "unsafe" if unsafe else "safe",
        "await",
        unsafe,
        TITLES["await"].format(call=called),
        tuple(edits),
        hint,
    )


def _contains(outer: CallSite | None, inner: CallSite) -> bool:
    if outer is None:
        return False
    a, b = outer.call.span, inner.call.span
    return (a.line, a.col) <= (b.line, b.col) and (b.end_line, b.end_col) <= (a.end_line, a.end_col)


def _await_edit(ctx: FileContext, site: CallSite) -> tuple[TextEdit, str | None] | str:
    """The edit for one call, and why it is unsafe (None: safe); or why none exists."""
    top_level = ctx.in_notebook and isinstance(site.scope, cst.Module)
    in_async = isinstance(site.scope, cst.FunctionDef) and site.scope.asynchronous is not None
    if isinstance(site.scope, cst.ClassDef):
        return "a class body cannot 'await': move the call into a coroutine"
    if not (top_level or in_async):
        return "the call is not directly inside the async function"
    if any(isinstance(node, cst.GeneratorExp) for node in site.comprehensions):
        return "runner call inside a generator expression"
    call = site.call
    try:
        unpacked = unpack(ctx.module, site.node, call)
    except CannotUnpack as error:
        return str(error)
    reason: str | None = None
    if unpacked.keywords:
        reason = "the runner's keyword arguments would be dropped"
    elif call.family == "trio":
        reason = "the coroutine may not be running under trio"
    elif call.family == "custom":
        return f"{call.display} is not a known runner"
    statement = site.chain[-1].statement
    awaited = _is_awaited(statement, site.node)
    if awaited and reason is None:
        reason = "the runner's result is awaited as well: check that it is awaitable"
    bare = site.node.with_changes(lpar=[], rpar=[])
    # ``await asyncio.run(x)`` becomes ``await (await x)``: valid, and as literal.
    primary = (site.primary or awaited) and not site.node.lpar
    node = to_await(unpack(ctx.module, bare, call), bare, primary)
    indent = ctx.lines.indentation(ctx.located.position(statement).start.line)
    return TextEdit(call.span, render(ctx.module, node, indent)), reason


def _is_awaited(statement: cst.CSTNode, call: cst.Call) -> bool:
    return any(
        isinstance(node, cst.Await) and node.expression is call for node in descendants(statement)
    )
