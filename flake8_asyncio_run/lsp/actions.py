"""Which fixes to offer as code actions, from the fixer's plans (no rewrite logic here).

For the findings under the cursor the editor gets, in order: the fix ``fix`` would apply
(combine, or await for ARO103), then the ``asyncio.Runner`` variant when the target
version allows it.  Unsafe fixes are offered too, since the user picks them one by one;
their titles say why they are unsafe.  A plan without edits is never offered.

Beside them, for every finding under the cursor (fixable or not), "Disable ARO101 for
this line": the ``# noqa`` comment ``check --add-noqa`` would add for it
(``noqa_edit``), on the line where flake8 reads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flake8_asyncio_run.findings import Finding, FixPlan, Span, TextEdit
from flake8_asyncio_run.noqa_edit import noqa_edits
from flake8_asyncio_run.rules import FIXABLE
from flake8_asyncio_run.targets import RUNNER_VERSION

__all__ = ["FIXABLE", "Offer", "noqa_offers", "offers", "overlaps", "styles_for"]


@dataclass(frozen=True)
class Offer:
    title: str
    preferred: bool
    findings: tuple[Finding, ...]
    edits: tuple[tuple[Span, str], ...]


def styles_for(target: tuple[int, int]) -> tuple[str, ...]:
    return ("combine", "runner") if target >= RUNNER_VERSION else ("combine",)


def overlaps(span: Span, start: tuple[int, int], end: tuple[int, int]) -> bool:
    """Whether ``span`` touches the (line, code-point column) range ``start``-``end``."""
    return (span.line, span.col) <= end and start <= (span.end_line, span.end_col)


def _edits(edits: Iterable[TextEdit]) -> tuple[tuple[Span, str], ...]:
    return tuple(sorted((edit.span, edit.replacement) for edit in edits))


def _title(plan: FixPlan) -> str:
    title = plan.title
    if plan.applicability == "unsafe":
        title += f" (unsafe: {plan.reason})" if plan.reason else " (unsafe)"
    return title


def offers(plans: Sequence[FixPlan], wanted: Iterable[Finding]) -> list[Offer]:
    """Offers for the plans that resolve any of ``wanted``, first-seen order, without
    duplicates (the runner variant of an ARO103 fix is the same await edit)."""
    targets = set(wanted)
    seen: set[tuple[tuple[Span, str], ...]] = set()
    result: list[Offer] = []
    for plan in plans:
        if plan.applicability not in ("safe", "unsafe") or not plan.edits:
            continue
        if not targets.intersection(plan.findings):
            continue
        edits = _edits(plan.edits)
        if edits in seen:
            continue
        seen.add(edits)
        preferred = plan.applicability == "safe" and not any(o.preferred for o in result)
        findings = tuple(sorted(plan.findings, key=Finding.sort_key))
        result.append(Offer(_title(plan), preferred, findings, edits))
    return result


def noqa_offers(text: str, wanted: Iterable[Finding]) -> list[Offer]:
    """One "Disable CODE for this line" per code and edit, in the findings' order; none
    for a finding no comment can silence (a syntax error, a noqa inside a string)."""
    seen: set[tuple[str, tuple[tuple[Span, str], ...]]] = set()
    result: list[Offer] = []
    for finding in sorted(wanted, key=Finding.sort_key):
        edits = _edits(noqa_edits(text, [finding]).edits)
        title = f"Disable {finding.code} for this line"
        if not edits or (title, edits) in seen:
            continue
        seen.add((title, edits))
        result.append(Offer(title, False, (finding,), edits))
    return result
