"""Our own JSON format, described by ``docs/output-schema.json`` (bump ``SCHEMA_VERSION``
on any incompatible change; adding a field is compatible).

Columns are 1-based and count code points; every range's end is exclusive.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from flake8_asyncio_run import __version__
from flake8_asyncio_run.findings import Span
from flake8_asyncio_run.output.report import Fix, Report, ReportedFinding, is_applied
from flake8_asyncio_run.rules import RULES

SCHEMA_VERSION = 1


def span_range(span: Span) -> dict[str, Any]:
    return {
        "start": {"line": span.line, "column": span.col + 1},
        "end": {"line": span.end_line, "column": span.end_col + 1},
    }


def _fix(fix: Fix | None, unsafe: bool) -> dict[str, Any]:
    if fix is None:
        return {
            "id": None,
            "applicability": "none",
            "applied": False,
            "title": None,
            "style": None,
            "reason": None,
            "hint": None,
            "edits": [],
        }
    return {
        "id": fix.id,
        "applicability": fix.applicability,
        # Whether `fix` with this run's options applies it (--unsafe-fixes).
        "applied": is_applied(fix, unsafe),
        "title": fix.title,
        "style": fix.style,
        "reason": fix.reason,
        "hint": fix.hint,
        "edits": [
            {"range": span_range(edit.span), "content": edit.replacement} for edit in fix.edits
        ],
    }


def finding_object(
    path: str, item: ReportedFinding, unsafe: bool, cell: int | None = None
) -> dict[str, Any]:
    finding = item.finding
    rule = RULES.get(finding.code)
    return {
        "path": path,
        # A notebook's cell (counting every cell from 1): ranges are within it.
        "cell": cell,
        "code": finding.code,
        "rule": item.rule_name,
        "message": finding.message,
        "url": rule.docs_url if rule else None,
        "range": span_range(finding.span),
        "scope": {
            "kind": finding.scope.kind,
            "name": finding.scope.name,
            "line": finding.scope.line,
        },
        "fix": _fix(item.fix, unsafe),
    }


def report_object(report: Report) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "tool": {"name": "flake8-asyncio-run", "version": __version__},
        "findings": [
            finding_object(file.path, item, report.unsafe, file.cell)
            for file, item in report.findings()
        ],
        "errors": [{"path": path, "message": message} for path, message in report.errors],
    }


def write_json(report: Report, stream: TextIO) -> None:
    json.dump(report_object(report), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
