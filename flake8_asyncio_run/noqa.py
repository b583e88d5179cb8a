"""``# noqa`` comments, honoured by ``check`` and ``fix`` exactly as flake8 honours them.

A comment applies to every physical line of the logical line (or multi-line string) it
ends, and ``# noqa: ARO1`` matches codes by prefix, as in flake8.
"""

from __future__ import annotations

import re
import tokenize
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flake8_asyncio_run.findings import Finding
from flake8_asyncio_run.lines import split_keeping_ends

#: flake8 7's rule, and its quirks: codes are letters then digits, and the list ends
#: at the first word that is not one (a reason may follow it).
INLINE = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
#: flake8 7's rule: a line that starts with this disables the whole file, whatever
#: follows it (flake8 has no file-level code list).
_FILE = re.compile(r"\s*# flake8[:=]\s*noqa", re.I)
_SEPARATOR = re.compile(r"[,\s]")


def split_codes(text: str) -> tuple[str, ...]:
    return tuple(code for code in _SEPARATOR.split(text) if code)


def file_is_disabled(lines: list[str]) -> bool:
    """``# flake8: noqa`` at the start of a line disables the whole file."""
    return any(_FILE.match(line) is not None for line in lines)


@dataclass(frozen=True)
class NoqaRange:
    """Physical lines ``first..last`` that flake8 reads as one for ``noqa``: a logical
    line's lines up to the next NL or NEWLINE token, so a backslash continuation or a
    string over several lines, but not the lines of a bracket (each ends at an NL)."""

    first: int
    last: int
    #: The code-point column of the comment on ``last`` (the only line of the range
    #: that can hold one), or None.
    comment: int | None


def noqa_ranges(lines: list[str], first: int, last: int) -> list[NoqaRange] | None:
    """The ranges of lines ``first..last``, which start a logical line (a top-level
    statement) and end one; None if they do not tokenize."""
    chunk = lines[first - 1 : last]
    # flake8 reads files with universal newlines, and the tokenize module of Python
    # 3.11 ends no line at a lone \r: give it \n (columns and line numbers stay).
    fed = [_with_lf(line) for line in chunk]
    try:
        tokens = list(tokenize.generate_tokens(iter(fed).__next__))
    except (tokenize.TokenError, SyntaxError, IndentationError, StopIteration):
        return None
    shift = first - 1
    ranges: list[NoqaRange] = []
    low, high = len(chunk) + 2, -1
    comment: int | None = None
    for token in tokens:
        if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
            continue
        low, high = min(low, token.start[0]), max(high, token.end[0])
        if token.type == tokenize.COMMENT:
            comment = token.start[1]
        elif token.type in (tokenize.NL, tokenize.NEWLINE):
            ranges.append(NoqaRange(low + shift, high + shift, comment))
            low, high, comment = len(chunk) + 2, -1, None
    return ranges


def _with_lf(line: str) -> str:
    body = line.rstrip("\r\n")
    return body + "\n" if len(body) < len(line) else line


def _logical_line_text(lines: list[str], first: int, last: int) -> dict[int, str] | None:
    """Line number -> the text flake8 searches for its ``noqa``, for lines
    ``first..last`` (see ``noqa_ranges``).  None if they do not tokenize."""
    ranges = noqa_ranges(lines, first, last)
    if ranges is None:
        return None
    mapping: dict[int, str] = {}
    for found in ranges:
        joined = "".join(lines[found.first - 1 : found.last])
        for number in range(found.first, found.last + 1):
            mapping[number] = joined
    return mapping


def is_suppressed(code: str, text: str | None) -> bool:
    if not text:
        return False
    match = INLINE.search(text)
    if match is None:
        return False
    codes = match.group("codes")
    if codes is None:
        return True
    listed = split_codes(codes)
    return code in listed or code.startswith(listed)


def remove_suppressed(
    source: str, findings: Iterable[Finding], statement_lines: Sequence[int] = ()
) -> list[Finding]:
    """The findings that no ``# noqa`` comment (nor ``# flake8: noqa``) suppresses.

    ``statement_lines`` (the first line of each top-level statement, from the analysis)
    lets this tokenize only the statements that hold both a finding and a ``noqa``,
    instead of the whole file: ``fix`` runs this twice per file it fixes.
    """
    findings = list(findings)
    if not findings or "noqa" not in source.lower():
        return findings
    lines = split_keeping_ends(source)  # numbered as ``ast`` numbers them (not at \x0c)
    if file_is_disabled(lines):
        return []
    marked = [number for number, line in enumerate(lines, start=1) if "noqa" in line.lower()]
    starts = sorted({1, *statement_lines})
    texts: dict[int, str] = {}
    tokenized: set[int] = set()
    kept = []
    for finding in findings:
        line = finding.span.line
        index = bisect_right(starts, line) - 1
        first = starts[index]
        last = starts[index + 1] - 1 if index + 1 < len(starts) else len(lines)
        if first not in tokenized:
            tokenized.add(first)
            low = bisect_left(marked, first)
            if low < len(marked) and marked[low] <= last:
                # Statement boundaries from a file we could not tokenize in parts:
                # fall back to the whole file, then to physical lines.
                found = _logical_line_text(lines, first, last)
                if found is None:
                    found = _logical_line_text(lines, 1, len(lines)) or dict(
                        enumerate(lines, start=1)
                    )
                texts.update(found)
        if not is_suppressed(finding.code, texts.get(line)):
            kept.append(finding)
    return kept
