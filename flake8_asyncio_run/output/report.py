"""What every machine format needs, computed once: relative paths, a sorted order, and
each finding's fix (from the fixer, never recomputed here).

The fixer is imported lazily and only for files with findings, so ``check`` with the
text or github format never loads libcst.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from flake8_asyncio_run.checker import FileResult
from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.findings import Applicability, Finding, FixPlan, TextEdit
from flake8_asyncio_run.notebook.cells import Notebook
from flake8_asyncio_run.rules import RULES
from flake8_asyncio_run.selection import SYNTAX_ERROR
from flake8_asyncio_run.targets import TargetResolver


@dataclass(frozen=True)
class Fix:
    """One fix, shared by every finding it resolves (``id`` tells them apart)."""

    #: Unique within one report; None for a finding that no plan covers.
    id: int | None
    applicability: Applicability
    title: str | None
    style: str | None
    reason: str | None
    edits: tuple[TextEdit, ...]
    #: What the user can do to get a fix ("use --unsafe-fixes or --style runner").
    hint: str | None
    #: Codes and lines of every finding the fix resolves.
    resolves: tuple[Finding, ...]


@dataclass(frozen=True)
class ReportedFinding:
    finding: Finding
    fix: Fix | None

    @property
    def rule_name(self) -> str:
        return rule_name(self.finding.code)


@dataclass(frozen=True)
class FileReport:
    #: Relative to the working directory, with forward slashes.
    path: str
    #: The decoded text (rdjson counts UTF-8 bytes, suggestions need whole lines); for
    #: a notebook cell, the cell's source.
    text: str | None
    findings: tuple[ReportedFinding, ...]
    #: A notebook's findings come one cell at a time: the cell's number (counting every
    #: cell from 1), their lines and their fixes' edits counted within the cell.
    cell: int | None = None
    #: For a notebook cell: the line of the notebook's file (its JSON) on which each of
    #: the cell's lines is written, for formats that must name a line of the file.
    file_lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class Report:
    files: tuple[FileReport, ...]
    #: (relative path, message) of files that could not be read, sorted.
    errors: tuple[tuple[str, str], ...]
    #: Whether unsafe fixes count as applied (``fix --unsafe-fixes``).
    unsafe: bool = False

    def findings(self) -> list[tuple[FileReport, ReportedFinding]]:
        return [(file, item) for file in self.files for item in file.findings]


SYNTAX_ERROR_NAME = "syntax-error"
NO_FIX_FOR_RULE = "no automatic fix for this rule"


def rule_name(code: str) -> str:
    if code == SYNTAX_ERROR:
        return SYNTAX_ERROR_NAME
    rule = RULES.get(code)
    return rule.name if rule else code


def relative_path(path: str, cwd: str | None = None) -> str:
    """``path`` relative to the working directory, with ``/``; stdin stays ``-``."""
    if path == "-":
        return path
    base = cwd or os.getcwd()
    try:
        relative = os.path.relpath(os.path.abspath(path), base)
    except ValueError:  # another drive on Windows
        relative = os.path.abspath(path)
    return relative.replace(os.sep, "/")


def _fixer_plans(
    result: FileResult, settings: Settings | None, target: tuple[int, int], style: str
) -> list[FixPlan]:
    """The fixer's plans for one file, importing the fixer (and libcst) only for a file
    that has something to fix."""
    if result.source is None or all(f.code == SYNTAX_ERROR for f in result.findings):
        return []
    from flake8_asyncio_run.fix import plan_result

    return plan_result(result, settings, target, style)


#: The target version for a file's fixes, by its path (``fix`` passes its own).
TargetFor = Callable[[str], tuple[int, int]]


def build_report(
    results: Sequence[FileResult],
    plans: Mapping[str, Sequence[FixPlan]] | None = None,
    *,
    settings: Settings | None = None,
    with_fixes: bool = True,
    unsafe: bool = False,
    style: str = "auto",
    target_for: TargetFor | None = None,
) -> Report:
    """Sort and relativise ``results``; attach fixes from ``plans`` (by the result's
    path), or, when ``plans`` is None and ``with_fixes``, from the fixer's plans made
    with ``style`` and ``target_for(path)`` on each file's original text."""
    resolve = target_for or TargetResolver(settings)
    files: list[FileReport] = []
    errors: list[tuple[str, str]] = []
    next_id = 1
    for result in sorted(results, key=lambda r: relative_path(r.path)):
        path = relative_path(result.path)
        if result.error:
            errors.append((path, result.error))
        if not result.findings:
            continue
        file_plans: Sequence[FixPlan] = ()
        failure: str | None = None
        if plans is not None:
            file_plans = plans.get(result.path, ())
        elif with_fixes:
            try:
                file_plans = _fixer_plans(result, settings, resolve(result.path), style)
            except Exception as error:  # a fixer bug must not cost the findings report
                failure = f"internal error in the fixer ({type(error).__name__}: {error})"
                print(f"flake8-asyncio-run: {path}: {failure}", file=sys.stderr)
        fixes, next_id = _fixes_by_finding(file_plans, next_id)
        items = tuple(
            ReportedFinding(finding, fixes.get(finding) if with_fixes else None)
            for finding in sorted(result.findings, key=Finding.sort_key)
        )
        if with_fixes:
            items = tuple(_with_missing_fix(item, failure) for item in items)
        notebook = result.source.notebook if result.source else None
        if notebook is not None:
            files.extend(_by_cell(path, notebook, items))
        else:
            files.append(FileReport(path, result.source.text if result.source else None, items))
    return Report(tuple(files), tuple(sorted(errors)), unsafe)


def _by_cell(path: str, notebook: Notebook, items: Sequence[ReportedFinding]) -> list[FileReport]:
    """A notebook's report, one FileReport per cell with findings, in cell order, its
    positions those of the cell."""
    cells = notebook.cell_map
    sources = {cell.number: cell.source for cell in notebook.cells}
    by_cell: dict[int, list[ReportedFinding]] = {}
    for item in items:
        number, span = cells.local(item.finding.span)
        finding = replace(item.finding, span=span)
        fix = item.fix
        if fix is not None and fix.edits:
            edits = tuple(replace(e, span=cells.local(e.span)[1]) for e in fix.edits)
            fix = replace(fix, edits=edits)
        by_cell.setdefault(number, []).append(ReportedFinding(finding, fix))
    return [
        FileReport(path, sources.get(number), tuple(found), number, notebook.file_lines(number))
        for number, found in sorted(by_cell.items())
    ]


def _fixes_by_finding(plans: Sequence[FixPlan], next_id: int) -> tuple[dict[Finding, Fix], int]:
    ordered = sorted(
        plans, key=lambda p: min((f.sort_key() for f in p.findings), default=(0, 0, ""))
    )
    fixes: dict[Finding, Fix] = {}
    for plan in ordered:
        if not plan.findings:
            continue
        applicability = plan.applicability
        fix = Fix(
            next_id if applicability != "none" else None,
            applicability,
            plan.title or None,
            plan.style,
            plan.reason,
            tuple(sorted(plan.edits, key=lambda e: e.span)) if applicability != "none" else (),
            plan.hint,
            tuple(sorted(plan.findings, key=Finding.sort_key)),
        )
        if fix.id is not None:
            next_id += 1
        for finding in plan.findings:
            # A finding in two plans keeps the better one: safe over unsafe over none.
            current = fixes.get(finding)
            if current is None or _rank(fix) < _rank(current):
                fixes[finding] = fix
    return fixes, next_id


def _rank(fix: Fix) -> int:
    return ("safe", "unsafe", "none").index(fix.applicability)


def _with_missing_fix(item: ReportedFinding, failure: str | None = None) -> ReportedFinding:
    """A finding no plan covers still says why it has no fix."""
    if item.fix is not None:
        return item
    code = item.finding.code
    rule = RULES.get(code)
    if failure is not None:
        reason = failure
    elif code == SYNTAX_ERROR:
        reason = "the file does not parse"
    elif rule is not None and rule.fix == "never":
        reason = NO_FIX_FOR_RULE
    else:
        reason = "the fixer found no rewrite for this finding"
    return ReportedFinding(item.finding, Fix(None, "none", None, None, reason, (), None, ()))


def is_applied(fix: Fix | None, unsafe: bool) -> bool:
    """Whether ``fix`` would run: safe, or unsafe when unsafe fixes are allowed."""
    if fix is None:
        return False
    return fix.applicability == "safe" or (fix.applicability == "unsafe" and unsafe)
