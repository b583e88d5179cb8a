"""Positions: 1-based lines, 0-based code-point columns (not UTF-8 bytes), exclusive
ends, and the same 1-based column through flake8 and ``check``."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from flake8_asyncio_run.analysis import analyze_source
from flake8_asyncio_run.findings import Span
from flake8_asyncio_run.lines import statement_lines

SOURCE = """\
import asyncio


def task():
    asyncio.run(a())
    label = "naïve 🚀 café"; asyncio.run(b())
    données = {"ключ": asyncio.run(c())}
    asyncio.run(
        d("é")
    )
"""


def _finding(source: str, line: int, code: str = "ARO101") -> Span:
    analysis = analyze_source(source)
    (span,) = [f.span for f in analysis.findings if f.line == line and f.code == code]
    return span


def _expected_col(source: str, line: int, needle: str) -> int:
    return source.splitlines()[line - 1].index(needle)


@pytest.mark.parametrize(
    ("line", "needle"),
    [(6, "asyncio.run(b())"), (7, "asyncio.run(c())")],
)
def test_columns_count_code_points(line: int, needle: str) -> None:
    span = _finding(SOURCE, line)
    col = _expected_col(SOURCE, line, needle)
    assert span.col == col
    assert span.end_line == line
    assert span.end_col == col + len(needle)
    # The byte column that ast reports is larger: the conversion really happened.
    byte_col = len(SOURCE.splitlines()[line - 1][:col].encode("utf-8"))
    assert byte_col > col


def test_multiline_call_end_position() -> None:
    span = _finding(SOURCE, 8)
    assert (span.line, span.col, span.end_line, span.end_col) == (8, 4, 10, 5)


def test_astral_characters_count_once() -> None:
    source = 'import asyncio\ndef f():\n    asyncio.run(a())\n    "𝔘𝔫𝔦"; asyncio.run(b())\n'
    span = _finding(source, 4)
    assert span.col == source.splitlines()[3].index("asyncio")
    assert span.col == 11


def test_scope_position_is_in_code_points() -> None:
    source = 'import asyncio\nclass Ä: pass; \nx = "é"; asyncio.run(a()); asyncio.run(b())\n'
    analysis = analyze_source(source)
    (finding,) = analysis.findings
    assert finding.scope.kind == "module"
    assert finding.span.col == source.splitlines()[2].index("asyncio.run(b())") == 27


def test_runner_calls_carry_code_point_spans() -> None:
    analysis = analyze_source(SOURCE)
    lines = SOURCE.splitlines()
    for call in analysis.runner_calls:
        text = lines[call.span.line - 1]
        assert text[call.span.col :].startswith("asyncio.run(")


def test_front_ends_print_one_based_code_point_columns(tmp_path: Path) -> None:
    path = tmp_path / "positions.py"
    path.write_text(SOURCE, "utf-8")
    col6 = _expected_col(SOURCE, 6, "asyncio.run(b())") + 1
    col7 = _expected_col(SOURCE, 7, "asyncio.run(c())") + 1
    flake8 = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "ARO", str(path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    check = subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", "check", "--isolated", str(path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    for output in (flake8.stdout, check.stdout):
        assert f"{path}:6:{col6}: ARO101 " in output
        assert f"{path}:7:{col7}: ARO101 " in output
        assert f"{path}:8:5: ARO101 " in output
    assert flake8.stdout == check.stdout


def test_latin1_file_through_check(tmp_path: Path) -> None:
    """A file in a legacy encoding: columns are code points of the decoded text."""
    source = (
        '# -*- coding: latin-1 -*-\nimport asyncio\nasyncio.run(a())\ns = "éé"; asyncio.run(b())\n'
    )
    path = tmp_path / "legacy.py"
    path.write_bytes(source.encode("latin-1"))
    check = subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", "check", "--isolated", str(path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert f"{path}:4:11: ARO101 " in check.stdout


def test_statement_lines_start_at_the_first_decorator() -> None:
    source = (
        "import asyncio; x = 1\n"
        "\n"
        "@first\n"
        "# a comment\n"
        "@second(\n"
        "    1,\n"
        ")\n"
        "def f():\n"
        "    pass\n"
        "class C: pass\n"
    )
    assert statement_lines(ast.parse(source)) == (1, 1, 3, 10)
