"""GitHub Actions workflow commands: one ``::error`` annotation per finding.

``col`` is 1-based and counts code points; ``endColumn`` is the last column of the
span (inclusive), as GitHub draws annotations.
"""

from __future__ import annotations

from typing import TextIO

from flake8_asyncio_run.output.report import Report


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def write_github(report: Report, stream: TextIO) -> None:
    for file, item in report.findings():
        span = item.finding.span
        end_column = max(span.end_col, span.col + 1) if span.end_line == span.line else span.end_col
        properties = {
            "file": file.path,
            "line": str(span.line),
            "col": str(span.col + 1),
            "endLine": str(span.end_line),
            "endColumn": str(max(end_column, 1)),
            "title": item.finding.code,
        }
        if file.cell is not None:
            # GitHub would put a cell's line on that line of the notebook's JSON: the
            # annotation names the cell and line in its title, and goes on the file.
            properties = {
                "file": file.path,
                "title": f"{item.finding.code} (cell {file.cell}, line {span.line})",
            }
        rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
        message = f"{item.finding.message} ({item.rule_name})"
        stream.write(f"::error {rendered}::{escape_data(message)}\n")
    for path, message in report.errors:
        stream.write(f"::error file={escape_property(path)}::{escape_data(message)}\n")
