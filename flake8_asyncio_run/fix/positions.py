"""Code-point positions of libcst nodes, from cheap code-generation passes; and
rendering a node at a given indentation.  Both drive libcst's code generation through
its private API (``CodegenState``, ``CodePosition``, ``CodeRange``): this is the only
module of the package that touches it.

libcst's ``PositionProvider`` splits every token on newlines and builds two position
objects per node; on the files we fix that cost several times a plain parse.  Here a
pass only counts characters and keeps (start, end) offsets of each node's syntactic
range; lines and columns are computed for the few nodes asked about.  The ranges are
the same as ``PositionProvider``'s (tests compare them).

The fixer only looks at a few top-level statements: the ones holding runner calls and
their neighbours.  Given the first line of every top-level statement (the ``ast`` knows
them), each one is measured on its own, when first asked about, and placed by its line.
Each placement is checked against the text; if one is off (or no lines were given) the
whole module is measured once, as before.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst._position import CodePosition, CodeRange

from flake8_asyncio_run.lines import LineIndex


class _CountingState(CodegenState):
    def __init__(self, module: cst.Module, keep_tokens: bool = False) -> None:
        super().__init__(
            default_indent=module.default_indent, default_newline=module.default_newline
        )
        self.offset = 0
        self.ranges: dict[cst.CSTNode, tuple[int, int]] = {}
        self._starts: list[int] = []
        self._keep = keep_tokens

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.offset += len(token)
            if self._keep:
                self.tokens.append(token)

    def add_token(self, value: str) -> None:
        self.offset += len(value)
        if self._keep:
            self.tokens.append(value)

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
    """``positions[node]`` -> libcst ``CodeRange`` (1-based lines, code-point columns).

    ``first_lines``: the first line of each of the module's top-level statements (from
    ``first_lines()``); without them the whole module is measured at once.
    """

    def __init__(
        self, module: cst.Module, text: str, first_lines: Sequence[int] | None = None
    ) -> None:
        self._module = module
        if not module.has_trailing_newline:
            text += module.default_newline  # libcst generates it, then takes it back
        self._text = text
        self._index = LineIndex(text)
        self._ranges: dict[cst.CSTNode, tuple[int, int]] = {}
        self._whole = False
        self.whole_passes = 0  # how often the whole module was measured (for tests)
        #: id(top-level statement) -> (statement, its first line).
        self._lines = {
            id(statement): (statement, line)
            for statement, line in zip(module.body, first_lines or (), strict=False)
        }
        if first_lines is None:
            self._measure_module()

    def _measure_module(self) -> None:
        state = _CountingState(self._module)
        self._module._codegen(state)
        self._ranges = state.ranges
        self._whole = True
        self.whole_passes += 1

    def _measure_statement(self, statement: cst.BaseStatement, line: int) -> bool:
        """Measure one top-level statement and place it at ``line``; False if the text
        there is not what the statement generates."""
        state = _CountingState(self._module, keep_tokens=True)
        statement._codegen(state)
        starts = self._index.starts
        if line > len(starts):
            return False
        # Where the statement's code (leading comments included) begins, if its anchor
        # starts at column 0 of ``line``.
        begin = starts[line - 1] - state.ranges[_anchor(statement)][0]
        code = "".join(state.tokens)
        if begin < 0 or not self._text.startswith(code, begin):
            return False
        for node, (start, end) in state.ranges.items():
            self._ranges[node] = (start + begin, end + begin)
        return True

    def _range(self, node: cst.CSTNode) -> tuple[int, int]:
        found = self._ranges.get(node)
        if found is not None:
            return found
        entry = None if self._whole else self._lines.get(id(node))
        if entry is not None and self._measure_statement(node, entry[1]):  # type: ignore[arg-type]
            return self._ranges[node]
        # A node below a statement nobody measured, or a placement that was off.
        if not self._whole:
            self._measure_module()
        return self._ranges[node]

    def measure(self, statement: cst.BaseStatement) -> None:
        """Measure a top-level statement (and every node in it) now."""
        self._range(statement)

    def measured_statements(self) -> list[cst.BaseStatement]:
        """The top-level statements measured so far (all of them after a whole pass)."""
        return [s for s in self._module.body if s in self._ranges]

    def _position(self, offset: int) -> CodePosition:
        return CodePosition(*self._index.line_col(offset))

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        start, end = self._range(node)
        return CodeRange(self._position(start), self._position(end))


def render(module: cst.Module, node: cst.CSTNode, indent: str = "") -> str:
    """``node``'s code as it reads at ``indent``.  ``Module.code_for_node`` renders a node
    as if it stood at column 0, which loses the indentation of continuation lines and
    comments inside a nested block; presetting the block's indentation keeps every line
    where a person would expect it."""
    state = CodegenState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        indent_tokens=[indent] if indent else [],
    )
    node._codegen(state)
    return "".join(state.tokens)


def _anchor(statement: cst.BaseStatement) -> cst.CSTNode:
    """The node whose syntactic range starts on the statement's first line, column 0."""
    decorators = getattr(statement, "decorators", ())
    return decorators[0] if decorators else statement


def first_lines(module: cst.Module, statement_lines: Sequence[int]) -> list[int] | None:
    """The first line of each of libcst's top-level statements, from the ``ast``'s
    (``Analysis.statement_lines``); None when the two do not pair up.  A libcst
    simple-statement line holds one ``ast`` statement per ``;``-separated part."""
    lines: list[int] = []
    index = 0
    for statement in module.body:
        if index >= len(statement_lines):
            return None
        lines.append(statement_lines[index])
        if isinstance(statement, cst.SimpleStatementLine):
            index += max(1, len(statement.body))
        else:
            index += 1
    return lines if index == len(statement_lines) else None
