"""Percent-format cells: ``# %%`` marker lines (VS Code, Jupytext, Spyder's ``#%%``).

An editor runs such a script one cell at a time, each cell's text on its own; it splits
the file only at marker comments at column 0, so an indented ``# %%`` is an ordinary
comment.  A module-level fix must keep every cell runnable alone: it combines runner
calls of one cell only, and never moves a marker into the new ``async def`` or ``with``
block (the cell would start indented: IndentationError).  Markers inside a function are
not boundaries: a function runs as a whole, whichever cell defines it.
"""

from __future__ import annotations

import io
import re
import tokenize
from bisect import bisect_right
from collections.abc import Iterable, Sequence

from flake8_asyncio_run.findings import Finding
from flake8_asyncio_run.lines import split_keeping_ends

#: ``# %%``, ``#%%``, ``# %% [markdown]``, ``# %% Title``: VS Code's own pattern allows
#: any spaces between ``#`` and ``%%``.
MARKER = re.compile(r"#[ \t]*%%")

CROSSES_CELLS = "the first call of its path is in another '# %%' cell: a fix would join the cells"
HOLDS_MARKER = "the region holds a '# %%' cell marker: a fix would join the cells"


def cell_markers(text: str) -> tuple[int, ...]:
    """The lines (1-based) of the text's cell markers: comments at column 0."""
    if "%%" not in text:
        return ()
    lines = split_keeping_ends(text)
    candidates = {number for number, line in enumerate(lines, 1) if MARKER.match(line)}
    if not candidates:
        return ()
    # A line of a multi-line string is no comment: ask the tokenizer.  Its lines end in
    # "\n" here so that it numbers them as ``ast`` does (a CR-only file too).
    source = "".join(line.rstrip("\r\n") + "\n" for line in lines)
    comments: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT and token.start[1] == 0:
                comments.add(token.start[0])
    except (tokenize.TokenError, SyntaxError):
        return tuple(sorted(candidates))  # unsure: every candidate is a boundary
    return tuple(sorted(candidates & comments))


def cell_of(markers: Sequence[int], line: int) -> int:
    """The cell holding ``line``: how many markers are at or above it."""
    return bisect_right(markers, line)


def within_cells(
    findings: Iterable[Finding], markers: Sequence[int]
) -> tuple[list[Finding], list[Finding]]:
    """Module-level findings whose calls all share their first call's cell (fixable
    there), and those whose path crosses a marker (not fixed).  Others are kept."""
    kept: list[Finding] = []
    crossing: list[Finding] = []
    for finding in findings:
        if markers and finding.scope.kind == "module" and finding.calls:
            cells = {
                cell_of(markers, line)
                for call in finding.calls
                for line in (call.span.line, call.span.end_line)
            }
            if len(cells) > 1:
                crossing.append(finding)
                continue
        kept.append(finding)
    return kept, crossing


def holds_marker(markers: Sequence[int], first: int, last: int) -> bool:
    """Whether a marker is on one of the lines ``first..last``."""
    return cell_of(markers, last) > cell_of(markers, first - 1)
