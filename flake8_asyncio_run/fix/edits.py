"""Applying text edits given in code-point spans."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flake8_asyncio_run.findings import FixPlan, TextEdit
from flake8_asyncio_run.lines import LineIndex


def apply_edits(text: str, edits: Iterable[TextEdit]) -> str:
    """Apply non-overlapping edits; identical duplicates are applied once."""
    index = LineIndex(text)
    unique = sorted(
        set(edits), key=lambda e: (e.span.line, e.span.col, e.span.end_line, e.span.end_col)
    )
    pieces: list[str] = []
    position = 0
    for edit in unique:
        start = index.offset(edit.span.line, edit.span.col)
        end = index.offset(edit.span.end_line, edit.span.end_col)
        if start < position:
            raise ValueError(f"overlapping edits at line {edit.span.line}")
        pieces.append(text[position:start])
        pieces.append(edit.replacement)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


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
