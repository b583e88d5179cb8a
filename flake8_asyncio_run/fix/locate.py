"""Finding, in the libcst tree, the nodes the analysis reported by position.

One pass over the tree records, for every runner call the analysis found, its node,
the chain of statements (block, index) that hold it, the scopes around it, and whether
its value is used as a primary (``run(x).attr``), which decides parentheses later.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from flake8_asyncio_run.findings import RunnerCall, Span

#: A block of statements: the module or an indented block.
Block = cst.Module | cst.IndentedBlock
ScopeNode = cst.Module | cst.FunctionDef | cst.Lambda | cst.ClassDef
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


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
    positions: dict[cst.CSTNode, CodeRange]
    sites: dict[Span, CallSite]
    #: Function definitions (any depth) by the position of their ``def``/``async`` keyword.
    functions: dict[tuple[int, int], cst.FunctionDef]
    #: The names of functions (any depth, methods too) that contain a runner call.
    loop_functions: frozenset[str]

    def position(self, node: cst.CSTNode) -> CodeRange:
        return self.positions[node]


def locate(text: str, calls: Iterable[RunnerCall]) -> Located:
    """Parse ``text`` with libcst and find ``calls``.  Raises ``libcst.ParserSyntaxError``."""
    module = cst.parse_module(text)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = dict(wrapper.resolve(PositionProvider))
    wanted = {c.span: c for c in calls}
    visitor = _Locator(positions, wanted)
    module.visit(visitor)
    return Located(
        module, positions, visitor.sites, visitor.functions, frozenset(visitor.loop_functions)
    )


class _Locator(cst.CSTVisitor):
    def __init__(self, positions: dict[cst.CSTNode, CodeRange], wanted: dict[Span, RunnerCall]):
        super().__init__()
        self.positions = positions
        self.wanted = wanted
        self.sites: dict[Span, CallSite] = {}
        self.functions: dict[tuple[int, int], cst.FunctionDef] = {}
        self.loop_functions: set[str] = set()
        self._chain: list[Link] = []
        self._blocks: list[tuple[Block, dict[int, int]]] = []
        self._scopes: list[cst.CSTNode] = []
        self._parents: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.Module, cst.IndentedBlock)):
            self._blocks.append((node, {id(s): i for i, s in enumerate(node.body)}))
        elif isinstance(node, cst.BaseStatement) and self._blocks:
            block, indexes = self._blocks[-1]
            index = indexes.get(id(node))
            if index is not None:
                self._chain.append(Link(block, index, node))
        if isinstance(
            node, (cst.Module, cst.FunctionDef, cst.Lambda, cst.ClassDef, *_COMPREHENSIONS)
        ):
            self._scopes.append(node)
        if isinstance(node, cst.FunctionDef):
            start = self.positions[node].start
            self.functions[(start.line, start.column)] = node
        if isinstance(node, cst.Call):
            self._visit_call(node)
        self._parents.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self._parents.pop()
        node = original_node
        if isinstance(node, (cst.Module, cst.IndentedBlock)):
            self._blocks.pop()
        elif self._chain and self._chain[-1].statement is node:
            self._chain.pop()
        if self._scopes and self._scopes[-1] is node:
            self._scopes.pop()

    def _visit_call(self, node: cst.Call) -> None:
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
            _is_primary(self._parents[-1] if self._parents else None, node),
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
