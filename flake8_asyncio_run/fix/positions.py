"""Code-point positions of libcst nodes, from one cheap code-generation pass.

libcst's ``PositionProvider`` splits every token on newlines and builds two position
objects per node; on the files we fix that cost several times a plain parse.  Here the
pass only counts characters and keeps (start, end) offsets of each node's syntactic
range; lines and columns are computed for the few nodes asked about.  The ranges are
the same as ``PositionProvider``'s (tests compare them).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst._position import CodePosition, CodeRange

from flake8_asyncio_run.fix.edits import LineIndex


class _CountingState(CodegenState):
    def __init__(self, module: cst.Module) -> None:
        super().__init__(
            default_indent=module.default_indent, default_newline=module.default_newline
        )
        self.offset = 0
        self.ranges: dict[cst.CSTNode, tuple[int, int]] = {}
        self._starts: list[int] = []

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.offset += len(token)

    def add_token(self, value: str) -> None:
        self.offset += len(value)

    # Nodes without a syntactic range (parentheses, keywords...) get their full extent,
    # as in libcst: a syntactic range may end where such a node ends.
    def before_codegen(self, node: cst.CSTNode) -> None:
        self._starts.append(self.offset)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._starts.pop()
        if node not in self.ranges:
            self.ranges[node] = (start, self.offset)

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> Iterator[None]:
        start = self.offset
        try:
            yield
        finally:
            end = self.offset
            if start_node is not None:
                start = self.ranges[start_node][0]
            if end_node is not None:
                end = self.ranges[end_node][1]
            self.ranges[node] = (start, end)


class Positions:
    """``positions[node]`` -> libcst ``CodeRange`` (1-based lines, code-point columns)."""

    def __init__(self, module: cst.Module, text: str) -> None:
        state = _CountingState(module)
        module._codegen(state)
        self._ranges = state.ranges
        if not module.has_trailing_newline:
            text += module.default_newline  # libcst generates it, then takes it back
        self._starts = LineIndex(text).starts

    def _position(self, offset: int) -> CodePosition:
        line = bisect_right(self._starts, offset)
        return CodePosition(line, offset - self._starts[line - 1])

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        start, end = self._ranges[node]
        return CodeRange(self._position(start), self._position(end))

    def __contains__(self, node: object) -> bool:
        return node in self._ranges
