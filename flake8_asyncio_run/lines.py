"""Lines as Python numbers them, and positions in them.

``ast``, the tokenizer, libcst and flake8 end a line at ``\\r\\n``, ``\\r`` or ``\\n``
only, not at every break ``str.splitlines`` knows (``\\x0c``, ``\\x1c``, ``\\u2028``...).
Every split, line-start table and offset in the package uses that one rule, here:
noqa comments, diffs, text edits, the language server's ranges and ``ast``'s columns.
Also here: ``ast``'s UTF-8 byte columns -> the code-point columns every finding carries.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_right
from collections.abc import Iterable

from flake8_asyncio_run.findings import Span, TextEdit

# The only line-break pattern in the package.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(source: str) -> list[str]:
    """Lines as ``ast`` numbers them, without their terminators."""
    return _LINE_BREAK.split(source)


def line_starts(text: str) -> list[int]:
    """The offset of each line's first character, lines as ``ast`` numbers them."""
    return [0] + [m.end() for m in _LINE_BREAK.finditer(text)]


def split_keeping_ends(text: str) -> list[str]:
    """Lines with their terminators, as ``ast`` numbers them; a final line without a
    terminator is kept, an empty one after the last terminator is not."""
    starts = line_starts(text)
    lines = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
    if not lines[-1]:
        lines.pop()
    return lines


_BYTE_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


def split_bytes_keeping_ends(data: bytes) -> list[bytes]:
    """``split_keeping_ends`` for undecoded source: every codec Python accepts for source
    spells the three line breaks in ASCII, so byte lines and text lines correspond."""
    starts = [0] + [m.end() for m in _BYTE_LINE_BREAK.finditer(data)]
    lines = [data[a:b] for a, b in zip(starts, [*starts[1:], len(data)], strict=True)]
    if not lines[-1]:
        lines.pop()
    return lines


class LineIndex:
    """(line, code-point column) <-> offset into the text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = line_starts(text)

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def offset(self, line: int, col: int) -> int:
        if line > len(self.starts):
            return len(self.text)
        return min(self.starts[line - 1] + col, len(self.text))

    def line_col(self, offset: int) -> tuple[int, int]:
        """The (1-based line, code-point column) of an offset."""
        line = bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1]

    def line_text(self, line: int) -> str:
        """The line without its terminator."""
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def indentation(self, line: int) -> str:
        text = self.line_text(line)
        return text[: len(text) - len(text.lstrip(" \t\f"))]

    def whole_lines(self, first: int, last: int) -> tuple[Span, bool]:
        """The span of lines ``first..last`` with the last line's terminator, and whether
        the last line is the file's last and has no terminator."""
        if last < len(self.starts):
            return Span(first, 0, last + 1, 0), False
        end_col = len(self.text) - self.starts[last - 1]
        return Span(first, 0, last, end_col), True


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
