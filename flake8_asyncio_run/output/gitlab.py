"""GitLab Code Quality: a JSON array of Code Climate issues, which GitLab shows in the
merge request (widget and changes view) and in the pipeline's Code Quality tab.

Each issue has the fields GitLab reads (``description``, ``check_name``,
``fingerprint``, ``severity``, ``location.path``, ``location.lines.begin``) and those
Code Climate's spec asks for (``type``, ``categories``, ``content``,
``location.lines.end``).  Lines are 1-based, the end inclusive; there are no columns.

GitLab matches the issues of two reports by ``fingerprint`` alone, to tell new
findings from fixed ones, so it must not change when nothing about the finding did: it
hashes the path, the code, the scope's kind and name, the flagged source text without
its whitespace (a formatter's reflow changes nothing), and the finding's rank among the
findings of the file with all of these equal; never a line or column number.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any, TextIO

from flake8_asyncio_run.findings import Finding, Span
from flake8_asyncio_run.lines import LineIndex
from flake8_asyncio_run.output.report import FileReport, Report
from flake8_asyncio_run.rules import RULES

#: Code Climate's category for every finding: each rule reports code that fails or
#: misbehaves at run time.
CATEGORIES = ("Bug Risk",)
#: A file that does not parse (E999) or cannot be read was not checked at all.
UNCHECKED_SEVERITY = "blocker"
#: The ``check_name`` of a file that could not be read (it has no code of its own).
READ_ERROR = "read-error"


def severity(code: str) -> str:
    """The rule's own severity (``Rule.severity``); a syntax error blocks."""
    rule = RULES.get(code)
    return rule.severity if rule is not None else UNCHECKED_SEVERITY


def fingerprint(*parts: str) -> str:
    key = "\0".join(parts)
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def flagged_text(index: LineIndex | None, span: Span) -> str | None:
    """The source text of ``span`` without whitespace; for an empty span (a syntax
    error's position), its whole line.  None without the text."""
    if index is None:
        return None
    start = index.offset(span.line, span.col)
    end = index.offset(span.end_line, span.end_col)
    if end > start:
        snippet = index.text[start:end]
    elif 1 <= span.line <= index.line_count:
        snippet = index.line_text(span.line)
    else:
        snippet = ""
    return "".join(snippet.split())


def lines(file: FileReport, span: Span) -> dict[str, int]:
    """The finding's lines in the file GitLab names: for a notebook cell, the lines of
    the notebook's JSON that hold the cell's lines."""
    if file.cell is None:
        return {"begin": span.line, "end": span.end_line}
    if not file.file_lines:
        return {"begin": 1, "end": 1}
    last = len(file.file_lines)
    return {
        "begin": file.file_lines[min(span.line, last) - 1],
        "end": file.file_lines[min(span.end_line, last) - 1],
    }


def _issue(file: FileReport, finding: Finding, print_: str) -> dict[str, Any]:
    code = finding.code
    message = finding.message
    if file.cell is not None:
        message = f"cell {file.cell}, line {finding.span.line}: {message}"
    issue: dict[str, Any] = {
        "type": "issue",
        "check_name": code,
        "description": f"{code}: {message}",
        "categories": list(CATEGORIES),
        "severity": severity(code),
        "fingerprint": print_,
        "location": {"path": file.path, "lines": lines(file, finding.span)},
    }
    rule = RULES.get(code)
    if rule is not None:
        body = f"{rule.description}\n\n[{code} {rule.name}]({rule.docs_url})"
        issue["content"] = {"body": body}
    return issue


def _issues(report: Report) -> Iterator[dict[str, Any]]:
    seen: dict[tuple[str, ...], int] = {}
    index: LineIndex | None = None
    indexed: FileReport | None = None
    for file, item in report.findings():
        if file is not indexed:
            indexed = file
            index = LineIndex(file.text) if file.text is not None else None
        finding = item.finding
        content = flagged_text(index, finding.span)
        scope = finding.scope
        key = (
            file.path,
            finding.code,
            scope.kind,
            scope.name,
            content if content is not None else finding.message,
        )
        # Two findings alike in all of that (the same call twice in one function) are
        # told apart by their order, which edits elsewhere in the file do not change.
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        yield _issue(file, finding, fingerprint(*key, str(occurrence)))
    for path, message in report.errors:
        yield {
            "type": "issue",
            "check_name": READ_ERROR,
            "description": f"not checked: {message}",
            "categories": list(CATEGORIES),
            "severity": UNCHECKED_SEVERITY,
            "fingerprint": fingerprint(path, READ_ERROR, message),
            "location": {"path": path, "lines": {"begin": 1, "end": 1}},
        }


def gitlab_issues(report: Report) -> list[dict[str, Any]]:
    return list(_issues(report))


def write_gitlab(report: Report, stream: TextIO) -> None:
    json.dump(gitlab_issues(report), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
