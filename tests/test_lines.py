"""``lines``: the one line-break rule (``\\r\\n``, ``\\r``, ``\\n``; never the other breaks
``str.splitlines`` knows) behind every split, line-start table and offset."""

from __future__ import annotations

import ast
import io
import tokenize

import pytest

from flake8_asyncio_run.lines import LineIndex, line_starts, split_keeping_ends, split_lines

TEXTS = [
    "",
    "a",
    "a\n",
    "a\nb",
    "\n\n",
    "a\r\nb\rc\nd",
    "\r\r\n",
    "x = 1\x0c\ny = 2\n",  # a form feed is not a line break
    "s = 'a\x1cb\u2028c\x85d'\nt = 1\n",
]


@pytest.mark.parametrize("text", TEXTS)
def test_the_splits_and_the_line_starts_agree(text: str) -> None:
    kept = split_keeping_ends(text)
    assert "".join(kept) == text
    assert [line.rstrip("\r\n") for line in kept] == split_lines(text)[: len(kept)]
    starts = line_starts(text)
    assert starts[: len(kept)] == [sum(map(len, kept[:i])) for i in range(len(kept))]
    index = LineIndex(text)
    for offset in range(len(text) + 1):
        line, col = index.line_col(offset)
        assert index.offset(line, col) == offset


@pytest.mark.parametrize("text", [t for t in TEXTS if t.strip()])
def test_lines_are_numbered_as_ast_and_tokenize_number_them(text: str) -> None:
    kept = split_keeping_ends(text)
    last = max(getattr(node, "end_lineno", 0) or 0 for node in ast.walk(ast.parse(text)))
    assert last <= len(kept)
    for token in tokenize.generate_tokens(io.StringIO(text, newline="").readline):
        if token.type == tokenize.NAME:
            line, col = token.start
            assert kept[line - 1][col:].startswith(token.string)
