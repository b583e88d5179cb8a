"""Finding, in the libcst tree, the nodes the analysis reported by position.

One pass over the tree records, for every runner call the analysis found, its node,
the chain of statements (block, index) that hold it, the scopes around it, and whether
its value is used as a primary (``run(x).attr``), which decides parentheses later.
The pass enters only the top-level statements whose lines hold a runner call, and only
those get positions: most of a file is never walked or measured.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange

from flake8_asyncio_run.analysis import Analysis
from flake8_asyncio_run.findings import RunnerCall, Span
from flake8_asyncio_run.fix.positions import Positions, first_lines
from flake8_asyncio_run.fix.walk import children

#: A block of statements: the module or an indented block.
Block = cst.Module | cst.IndentedBlock
ScopeNode = cst.Module | cst.FunctionDef | cst.Lambda | cst.ClassDef
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_SCOPE_TYPES = frozenset({cst.Module, cst.FunctionDef, cst.Lambda, cst.ClassDef, *_COMPREHENSIONS})


@dataclass(frozen=True)
class Link:
    """One step of a chain: ``block.body[index]`` is ``statement``."""

    block: Block
    index: int
    statement: cst.BaseStatement


@dataclass(frozen=True)
class CallSite:
    call: RunnerCall
    node: cst.Call
    chain: tuple[Link, ...]
    #: The innermost def/lambda/class around the call (the module at top level).
    scope: ScopeNode
    #: Comprehensions between that scope and the call, innermost last.
    comprehensions: tuple[cst.CSTNode, ...]
    #: True when the call is the value of an attribute or subscript, or is called.
    primary: bool


@dataclass
class Located:
    module: cst.Module
    positions: Positions
    sites: dict[Span, CallSite]
    #: The names of functions (any depth, methods too) that contain a runner call.
    loop_functions: frozenset[str]
    #: Every identifier in the file (from the analysis).
    names: frozenset[str]
    #: id(block) -> (index, site) for every link of every site's chain, by index: built
    #: on first use by ``sites_under``.
    _by_block: dict[int, list[tuple[int, CallSite]]] | None = field(
        default=None, repr=False, compare=False
    )

    def position(self, node: cst.CSTNode) -> CodeRange:
        return self.positions[node]

    def sites_under(self, links: Sequence[Link]) -> list[CallSite]:
        """Every runner call inside one of the linked statements, in source order.  By
        block and index, not by scanning every call for every region: that was
        quadratic in a file of many small fixable functions (issue 15)."""
        if self._by_block is None:
            by_block: dict[int, list[tuple[int, CallSite]]] = {}
            for site in self.sites.values():
                for link in site.chain:
                    by_block.setdefault(id(link.block), []).append((link.index, site))
            for entries in by_block.values():
                entries.sort(key=lambda entry: entry[0])
            self._by_block = by_block
        found: dict[Span, CallSite] = {}
        for link in links:
            entries = self._by_block.get(id(link.block), [])
            start = bisect_left(entries, link.index, key=lambda entry: entry[0])
            for index, site in entries[start:]:
                if index != link.index:
                    break
                found[site.call.span] = site
        return [found[span] for span in sorted(found)]


#: A form feed mixed into a code line's indentation.  Python resets the column at a form
#: feed; libcst keeps or drops it depending on the block, so the fixer's positions and
#: the indentation of the code it writes there cannot be trusted.  (A form feed alone
#: on a line, or right before code at column 0, is a page break and harmless.)
_FORM_FEED_INDENT = re.compile(r"(?m)^(?:[ \t]*\f[\f]*[ \t]+|[ \t]+\f)[\f \t]*[^\s]")


class NotReproduced(Exception):
    """libcst's tree of the file does not generate the file's text again."""


def locate(text: str, analysis: Analysis) -> Located:
    """Parse ``text`` with libcst and find the analysis's runner calls.  Raises
    ``libcst.ParserSyntaxError``, or ``NotReproduced`` for text that libcst would
    change: it drops a form feed in an indentation, so both its positions and any code
    it generates there would be off.  Only text with a form feed pays for the check."""
    module = cst.parse_module(text)
    if "\f" in text and (_FORM_FEED_INDENT.search(text) or module.code != text):
        raise NotReproduced("libcst does not keep this file's form feeds")
    lines = first_lines(module, analysis.statement_lines)
    positions = Positions(module, text, lines)
    locator = _Locator(positions, {c.span: c for c in analysis.runner_calls})
    if lines is None:
        locator.walk(module, None)
    else:
        locator.walk_statements(module, _holding(lines, analysis.runner_calls))
    return Located(
        module, positions, locator.sites, frozenset(locator.loop_functions), analysis.identifiers
    )


def _holding(lines: list[int], calls: Sequence[RunnerCall]) -> list[int]:
    """Indices of the top-level statements whose lines hold a call."""
    return sorted({bisect_right(lines, call.span.line) - 1 for call in calls} - {-1})


class _Locator:
    """One recursive walk (not libcst's visitor, which rebuilds every node it passes)."""

    def __init__(self, positions: Positions, wanted: dict[Span, RunnerCall]):
        self.positions = positions
        self.wanted = wanted
        self.sites: dict[Span, CallSite] = {}
        self.loop_functions: set[str] = set()
        self._chain: list[Link] = []
        self._scopes: list[cst.CSTNode] = []

    def walk_statements(self, module: cst.Module, indices: list[int]) -> None:
        self._scopes.append(module)
        for index in indices:
            statement = module.body[index]
            self.positions.measure(statement)
            self._chain.append(Link(module, index, statement))
            self.walk(statement, module)
            self._chain.pop()
        self._scopes.pop()

    def walk(self, node: cst.CSTNode, parent: cst.CSTNode | None) -> None:
        kind = type(node)
        if kind is cst.Name:
            return
        if kind is cst.Call and self.wanted:
            self._visit_call(node, parent)  # type: ignore[arg-type]
        scope = kind in _SCOPE_TYPES
        if scope:
            self._scopes.append(node)
        if kind is cst.Module or kind is cst.IndentedBlock:
            body = node.body  # type: ignore[attr-defined]
            for index, statement in enumerate(body):
                self._chain.append(Link(node, index, statement))  # type: ignore[arg-type]
                self.walk(statement, node)
                self._chain.pop()
            for child in children(node):
                if not isinstance(child, cst.BaseStatement):
                    self.walk(child, node)
        else:
            for child in children(node):
                self.walk(child, node)
        if scope:
            self._scopes.pop()

    def _visit_call(self, node: cst.Call, parent: cst.CSTNode | None) -> None:
        where = self.positions[node]
        span = Span(where.start.line, where.start.column, where.end.line, where.end.column)
        call = self.wanted.get(span)
        if call is None:
            return
        scope_index = max(
            i for i, s in enumerate(self._scopes) if not isinstance(s, _COMPREHENSIONS)
        )
        scope = self._scopes[scope_index]
        assert isinstance(scope, (cst.Module, cst.FunctionDef, cst.Lambda, cst.ClassDef))
        if isinstance(scope, cst.FunctionDef):
            self.loop_functions.add(scope.name.value)
        self.sites[span] = CallSite(
            call,
            node,
            tuple(self._chain),
            scope,
            tuple(self._scopes[scope_index + 1 :]),
            _is_primary(parent, node),
        )


def _is_primary(parent: cst.CSTNode | None, node: cst.Call) -> bool:
    if isinstance(parent, (cst.Attribute, cst.Subscript)):
        return parent.value is node
    if isinstance(parent, cst.Call):
        return parent.func is node
    return False


def common_region(chains: Sequence[Sequence[Link]]) -> tuple[Link, ...]:
    """The smallest run of sibling statements (in one block) holding every chain's end."""
    prefix = 0
    shortest = min(len(c) for c in chains)
    while prefix < shortest and all(
        c[prefix].block is chains[0][prefix].block and c[prefix].index == chains[0][prefix].index
        for c in chains
    ):
        prefix += 1
    if prefix == shortest or len({id(c[prefix].block) for c in chains}) > 1:
        # One statement holds them all (or they sit in different blocks of it).
        return (chains[0][prefix - 1],)
    block = chains[0][prefix].block
    low = min(c[prefix].index for c in chains)
    high = max(c[prefix].index for c in chains)
    return tuple(Link(block, i, block.body[i]) for i in range(low, high + 1))
