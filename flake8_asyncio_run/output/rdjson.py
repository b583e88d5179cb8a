"""reviewdog's rdjson (a ``DiagnosticResult``), with one-click suggestions.

reviewdog counts columns in UTF-8 bytes from 1, ends exclusive.  A fix may hold several
edits (a new coroutine above, a call in place of the region); a pull-request suggestion
must be one contiguous replacement, so each fix becomes one suggestion that replaces
the whole lines it touches.  A fix shared by several findings is suggested once, on the
first of them, so that a bot does not post it twice.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from flake8_asyncio_run.findings import Span, TextEdit
from flake8_asyncio_run.lines import line_starts, split_lines
from flake8_asyncio_run.output.report import Fix, Report, is_applied
from flake8_asyncio_run.rules import RULES

SOURCE = {
    "name": "flake8-asyncio-run",
    "url": "https://github.com/flake8-asyncio-run/flake8-asyncio-run",
}


def byte_column(lines: list[str], line: int, col: int) -> int:
    """1-based UTF-8 byte column of code-point column ``col`` (0-based) on ``line``."""
    if 1 <= line <= len(lines):
        return len(lines[line - 1][:col].encode("utf-8")) + 1
    return col + 1


def position(lines: list[str], line: int, col: int) -> dict[str, int]:
    return {"line": line, "column": byte_column(lines, line, col)}


def rd_range(lines: list[str], span: Span) -> dict[str, Any]:
    return {
        "start": position(lines, span.line, span.col),
        "end": position(lines, span.end_line, span.end_col),
    }


def whole_line_suggestion(text: str, edits: tuple[TextEdit, ...]) -> tuple[int, int, str]:
    """The lines the edits touch, first to last, and what they become (without the
    final line break, which a line-wise suggestion keeps)."""
    lines = split_lines(text)
    starts = line_starts(text)
    first = min(edit.span.line for edit in edits)
    # An edit that ends at column 0 of a line stops before that line.
    last = max(
        e.span.end_line - 1
        if e.span.end_col == 0 and e.span.end_line > e.span.line
        else e.span.end_line
        for e in edits
    )
    begin = starts[first - 1]
    while True:
        stop = starts[last] if last < len(lines) else len(text)
        snippet = text[begin:stop]
        for edit in sorted(edits, key=lambda e: e.span, reverse=True):
            left = starts[edit.span.line - 1] + edit.span.col - begin
            right = starts[edit.span.end_line - 1] + edit.span.end_col - begin
            snippet = snippet[:left] + edit.replacement + snippet[right:]
        break_ = text[starts[last - 1] + len(lines[last - 1]) : stop]
        if not snippet and break_:
            return first, last, ""  # the lines are deleted: an empty suggestion
        if snippet.endswith(break_) or last >= len(lines):
            return first, last, snippet[: len(snippet) - len(break_)] if break_ else snippet
        last += 1  # an edit removed the line break: take the next line in too


def rdjson_object(report: Report) -> dict[str, Any]:
    diagnostics: list[dict[str, Any]] = []
    for file in report.files:
        lines = split_lines(file.text) if file.text is not None else []
        suggested: set[int] = set()
        for item in file.findings:
            finding = item.finding
            rule = RULES.get(finding.code)
            code: dict[str, str] = {"value": finding.code}
            if rule is not None:
                code["url"] = rule.docs_url
            diagnostic: dict[str, Any] = {
                "message": f"{finding.message} ({item.rule_name})",
                "location": {"path": file.path, "range": rd_range(lines, finding.span)},
                "severity": "ERROR",
                "code": code,
            }
            if file.cell is not None:
                # reviewdog places ranges in the file's own lines, the notebook's JSON:
                # the cell and line go into the message, and no range or suggestion.
                where = f"cell {file.cell}, line {finding.span.line}"
                diagnostic["message"] = f"{where}: {diagnostic['message']}"
                diagnostic["location"] = {"path": file.path}
            fix: Fix | None = item.fix
            if (
                file.cell is None
                and fix is not None
                and fix.id is not None
                and fix.id not in suggested
                and fix.edits
                and file.text is not None
                and is_applied(fix, report.unsafe)
            ):
                suggested.add(fix.id)
                first, last, replacement = whole_line_suggestion(file.text, fix.edits)
                # Line-wise (no columns): the form every reviewdog reporter accepts.
                diagnostic["suggestions"] = [
                    {
                        "range": {"start": {"line": first}, "end": {"line": last}},
                        "text": replacement,
                    }
                ]
            diagnostics.append(diagnostic)
    return {"source": SOURCE, "severity": "ERROR", "diagnostics": diagnostics}


def write_rdjson(report: Report, stream: TextIO) -> None:
    json.dump(rdjson_object(report), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
