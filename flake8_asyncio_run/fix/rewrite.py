"""What both styles share to write a region anew: the libcst transformer that rewrites
its statements, how its text is cut out of the file (whole lines, with the comment
block just above it), and rendering the new text at the right indentation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

import libcst as cst

from flake8_asyncio_run.findings import Span
from flake8_asyncio_run.fix.calls import to_await, to_runner_run, unpack
from flake8_asyncio_run.fix.context import FileContext
from flake8_asyncio_run.fix.locate import CallSite
from flake8_asyncio_run.fix.positions import render

_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
_Node = TypeVar("_Node", bound=cst.CSTNode)


class RegionRewriter(cst.CSTTransformer):
    """Runner calls become ``await x`` (or ``runner.run(x)``); in ``strip`` mode the
    annotations of names declared global/nonlocal move out (Python forbids them)."""

    def __init__(
        self,
        module: cst.Module,
        sites: Sequence[CallSite],
        mode: Literal["await", "runner"],
        runner_name: str = "",
        strip: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__()
        self.module = module
        self.sites = {id(site.node): site for site in sites}
        self.mode = mode
        self.runner_name = runner_name
        self.strip = strip
        self._nested_scopes = 0

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _SCOPES):
            self._nested_scopes += 1
        return True

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> cst.CSTNode:  # type: ignore[override]
        if isinstance(original_node, _SCOPES):
            self._nested_scopes -= 1
        return super().on_leave(original_node, updated_node)  # type: ignore[return-value]

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        site = self.sites.get(id(original_node))
        if site is None:
            return updated_node
        if self.mode == "runner":
            return to_runner_run(updated_node, self.runner_name)
        return to_await(unpack(self.module, updated_node, site.call), updated_node, site.primary)

    def leave_AnnAssign(
        self, original_node: cst.AnnAssign, updated_node: cst.AnnAssign
    ) -> cst.BaseSmallStatement | cst.RemovalSentinel:
        target = updated_node.target
        if (
            self._nested_scopes
            or not isinstance(target, cst.Name)
            or target.value not in self.strip
        ):
            return updated_node
        if updated_node.value is None:
            return cst.RemoveFromParent()
        return cst.Assign(targets=[cst.AssignTarget(target)], value=updated_node.value)

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        if updated_node.body:
            return updated_node
        # A line left empty goes, unless it holds a comment (kept on a ``pass``).
        commented = updated_node.trailing_whitespace.comment is not None or any(
            line.comment is not None for line in updated_node.leading_lines
        )
        return updated_node.with_changes(body=[cst.Pass()]) if commented else cst.RemoveFromParent()

    def leave_SimpleStatementSuite(
        self, original_node: cst.SimpleStatementSuite, updated_node: cst.SimpleStatementSuite
    ) -> cst.SimpleStatementSuite:
        return updated_node if updated_node.body else updated_node.with_changes(body=[cst.Pass()])

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        if updated_node.body:
            return updated_node
        return updated_node.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])


def rewrite_statements(
    statements: Sequence[cst.BaseStatement], rewriter: RegionRewriter
) -> list[cst.BaseStatement]:
    result = []
    for statement in statements:
        new = statement.visit(rewriter)
        if isinstance(new, cst.RemovalSentinel):
            continue  # a bare annotation hoisted out of the region
        assert isinstance(new, cst.BaseStatement)
        result.append(new)
    return result


def attached_comments(statement: cst.BaseStatement) -> tuple[cst.EmptyLine, ...]:
    """The comment lines directly above a statement (no blank line between)."""
    lines = list(getattr(statement, "leading_lines", ()))
    attached: list[cst.EmptyLine] = []
    for line in reversed(lines):
        if line.comment is None:
            break
        attached.insert(0, line)
    return tuple(attached)


def with_leading(statement: cst.BaseStatement, lines: Sequence[cst.EmptyLine]) -> cst.BaseStatement:
    return statement.with_changes(leading_lines=list(lines))


def _moved_comments(
    ctx: FileContext, statement: cst.BaseStatement, boundaries: Sequence[int]
) -> tuple[cst.EmptyLine, ...]:
    """The comments attached above the region's first statement that move with it: those
    below the last cell marker among them (a marker stays where it is, at column 0)."""
    attached = attached_comments(statement)
    if not attached or not boundaries:
        return attached
    first_line = ctx.located.position(statement).start.line
    top = first_line - len(attached)
    above = [line for line in boundaries if top <= line < first_line]
    return attached[above[-1] - top + 1 :] if above else attached


def region_lines(
    ctx: FileContext, statements: Sequence[cst.BaseStatement], boundaries: Sequence[int] = ()
) -> tuple[int, int]:
    """The first and last line a region's fix replaces: from the comments it moves to
    the end of its last statement."""
    first_line = ctx.located.position(statements[0]).start.line
    start = first_line - len(_moved_comments(ctx, statements[0], boundaries))
    return start, ctx.located.position(statements[-1]).end.line


@dataclass(frozen=True)
class RegionLayout:
    """Where a region's replacement goes and how it is indented (both styles)."""

    span: Span  # whole lines, comments attached above the first statement included
    no_newline: bool  # the region ends the file without a final newline
    indent: str  # the region's own indentation
    inner: str  # one level deeper, for the new block's body
    #: The region's statements, the first carrying the comments that move with it.
    statements: tuple[cst.BaseStatement, ...]


def layout_region(
    ctx: FileContext, statements: Sequence[cst.BaseStatement], boundaries: Sequence[int] = ()
) -> RegionLayout:
    """``boundaries``: the cell markers that stay out of the region (``FileContext.boundaries``)."""
    start, end = region_lines(ctx, statements, boundaries)
    span, no_newline = ctx.lines.whole_lines(start, end)
    first_line = ctx.located.position(statements[0]).start.line
    indent = ctx.lines.indentation(first_line)
    first = with_leading(statements[0], _moved_comments(ctx, statements[0], boundaries))
    return RegionLayout(
        span,
        no_newline,
        indent,
        indent + ctx.module.default_indent,
        (first, *statements[1:]),
    )


def render_block(ctx: FileContext, statements: Sequence[cst.BaseStatement], indent: str) -> str:
    """The statements' code, each at ``indent``, with blank lines as pycodestyle wants
    them in a block (``_BlankLines``)."""
    blank = _BlankLines()
    rendered = []
    for statement in statements:
        tidied = statement.visit(blank)
        assert isinstance(tidied, cst.BaseStatement)  # it removes nothing
        rendered.append(render(ctx.module, tidied, indent))
    return "".join(rendered)


class _BlankLines(cst.CSTTransformer):
    """Blank lines of code moved into a new block: written without the block's
    indentation (a module-level blank line has none, and libcst would give it the new
    block's: W293), and at most one in a row (two are right between module-level
    statements, too many inside a function: E303).  Comment lines are kept as they are;
    text inside strings is no ``EmptyLine`` and is never touched."""

    def leave_EmptyLine(
        self, original_node: cst.EmptyLine, updated_node: cst.EmptyLine
    ) -> cst.EmptyLine:
        if updated_node.comment is None and updated_node.indent:
            return updated_node.with_changes(indent=False, whitespace=cst.SimpleWhitespace(""))
        return updated_node

    def on_leave(
        self, original_node: _Node, updated_node: _Node
    ) -> _Node | cst.RemovalSentinel | cst.FlattenSentinel[_Node]:
        result = super().on_leave(original_node, updated_node)
        if isinstance(result, cst.CSTNode):
            current = getattr(result, "leading_lines", None)
            if current is not None:
                collapsed = _collapse(current)
                if len(collapsed) != len(current):
                    return result.with_changes(leading_lines=collapsed)
        return result


def _collapse(lines: Sequence[cst.EmptyLine]) -> list[cst.EmptyLine]:
    """At most one blank line in a row; comment lines all kept."""
    kept: list[cst.EmptyLine] = []
    for line in lines:
        if line.comment is None and kept and kept[-1].comment is None:
            continue
        kept.append(line)
    return kept


def keyword_text(ctx: FileContext, keywords: Sequence[cst.Arg]) -> str:
    """The runner's keyword arguments as one argument list: ``debug=True, x=1``."""
    return ", ".join(
        ctx.code(arg.with_changes(comma=cst.MaybeSentinel.DEFAULT)).strip() for arg in keywords
    )
