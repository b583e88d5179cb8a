"""SARIF 2.1.0 for code-scanning tools.

Columns are 1-based code points (``columnKind: unicodeCodePoints``) and a region's
``endColumn`` is the column after its last character, as SARIF defines it.  Every result
whose finding has a fix carries it as ``fixes[].artifactChanges``.
"""

from __future__ import annotations

import json
from typing import Any, TextIO
from urllib.parse import quote

from flake8_asyncio_run import __version__
from flake8_asyncio_run.findings import Span
from flake8_asyncio_run.output.report import SYNTAX_ERROR_NAME, Fix, Report
from flake8_asyncio_run.rules import DOCS_BASE, RULES
from flake8_asyncio_run.selection import SYNTAX_ERROR

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = DOCS_BASE.split("/blob/", 1)[0]
SRCROOT = "%SRCROOT%"


def region(span: Span) -> dict[str, int]:
    return {
        "startLine": span.line,
        "startColumn": span.col + 1,
        "endLine": span.end_line,
        "endColumn": span.end_col + 1,
    }


def artifact(path: str) -> dict[str, str]:
    return {"uri": quote(path), "uriBaseId": SRCROOT}


def _rules(report: Report) -> list[dict[str, Any]]:
    rules = [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.description},
            "helpUri": rule.docs_url,
            "help": {
                "text": f"{rule.description} See {rule.docs_url}",
                "markdown": f"{rule.description}\n\n[{rule.code} documentation]({rule.docs_url})",
            },
            "defaultConfiguration": {"level": "error"},
            "properties": {"tags": ["asyncio", "correctness"], "fix": rule.fix},
        }
        for rule in sorted(RULES.values(), key=lambda r: r.code)
        if rule.status == "stable"
    ]
    if any(item.finding.code == SYNTAX_ERROR for _, item in report.findings()):
        rules.append(
            {
                "id": SYNTAX_ERROR,
                "name": SYNTAX_ERROR_NAME,
                "shortDescription": {"text": "The file does not parse."},
                "fullDescription": {"text": "The file has a syntax error; it was not analysed."},
                "defaultConfiguration": {"level": "error"},
            }
        )
    return rules


def _fix(path: str, fix: Fix) -> dict[str, Any]:
    description = fix.title or "Fix"
    if fix.applicability == "unsafe":
        description += f" (unsafe: {fix.reason})" if fix.reason else " (unsafe)"
    return {
        "description": {"text": description},
        "artifactChanges": [
            {
                "artifactLocation": artifact(path),
                "replacements": [
                    {
                        "deletedRegion": region(edit.span),
                        "insertedContent": {"text": edit.replacement},
                    }
                    for edit in fix.edits
                ],
            }
        ],
    }


def _in_cell(result: dict[str, Any], cell: int, span: Span) -> None:
    """A SARIF region is in the artifact's own lines, the notebook's JSON: a notebook
    result names its cell and the region within it in the location's properties and
    the message, and carries no region (nor fixes, whose regions would be wrong)."""
    (location,) = result["locations"]
    del location["physicalLocation"]["region"]
    location["properties"] = {"cell": cell, "cellRegion": region(span)}
    text = result["message"]["text"]
    result["message"]["text"] = f"cell {cell}, line {span.line}: {text}"


def sarif_object(report: Report) -> dict[str, Any]:
    rules = _rules(report)
    index = {rule["id"]: position for position, rule in enumerate(rules)}
    results: list[dict[str, Any]] = []
    for file, item in report.findings():
        finding = item.finding
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "ruleIndex": index[finding.code],
            "level": "error",
            "message": {"text": finding.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": artifact(file.path),
                        "region": region(finding.span),
                    }
                }
            ],
        }
        if file.cell is not None:
            _in_cell(result, file.cell, finding.span)
        fix = item.fix
        if fix is not None and fix.applicability != "none" and fix.edits and file.cell is None:
            result["fixes"] = [_fix(file.path, fix)]
        if fix is not None:
            result["properties"] = {
                "fixApplicability": fix.applicability,
                **({"fixReason": fix.reason} if fix.reason else {}),
            }
        results.append(result)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "flake8-asyncio-run",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "invocations": [
            {
                "executionSuccessful": not report.errors,
                "toolExecutionNotifications": [
                    {
                        "level": "error",
                        "message": {"text": message},
                        "locations": [{"physicalLocation": {"artifactLocation": artifact(path)}}],
                    }
                    for path, message in report.errors
                ],
            }
        ],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def write_sarif(report: Report, stream: TextIO) -> None:
    json.dump(sarif_object(report), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
