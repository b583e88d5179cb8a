"""Convert ``ast``'s UTF-8 byte columns to the code-point columns every finding carries."""

from __future__ import annotations

import ast
import re

from flake8_asyncio_run.findings import Span

# ``ast`` numbers lines by these terminators only (not by str.splitlines' \x0c, \u2028 ...).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(source: str) -> list[str]:
    """Lines as ``ast`` numbers them, without their terminators."""
    return _LINE_BREAK.split(source)


def statement_lines(tree: ast.Module) -> tuple[int, ...]:
    """The first line of each top-level statement (a decorated definition's first
    decorator): where each one's text starts, for tools that take a file apart."""
    lines = []
    for statement in tree.body:
        decorators: list[ast.expr] = getattr(statement, "decorator_list", [])
        lines.append(min([statement.lineno, *(d.lineno for d in decorators)]))
    return tuple(lines)


class ColumnMap:
    """Byte offset -> code-point offset, per line, computed only for lines asked about."""

    def __init__(self, lines: list[str]) -> None:
        self._lines = lines

    def char_col(self, line: int, byte_col: int) -> int:
        if line < 1 or line > len(self._lines):
            return byte_col
        text = self._lines[line - 1]
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))

    def span(self, node: ast.AST) -> Span:
        line: int = getattr(node, "lineno", 1)
        col: int = getattr(node, "col_offset", 0)
        end_line: int = getattr(node, "end_lineno", None) or line
        end_col: int = getattr(node, "end_col_offset", None) or col
        return Span(line, self.char_col(line, col), end_line, self.char_col(end_line, end_col))
