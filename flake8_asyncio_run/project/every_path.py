"""Which calls a function makes on every path that returns from it.

A must-analysis over the statements: the set of call targets met so far on the path
that falls through, intersected where paths join, and intersected over every
``return`` (and the end of the body).  A path that raises returns nothing, so it
constrains nothing.  Loop bodies may run no time at all, ``except`` handlers may
start before any statement of their ``try``, and the calls of a short-circuit or
conditional expression's later parts may not run: they never count.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from typing import Any

from flake8_asyncio_run.resolution import NESTED_SCOPES

#: A call -> its key (the target it calls), or None for calls that do not matter.
Key = Callable[[ast.Call], "str | None"]
#: The keys met along a path; None for a path that cannot get here.
Met = frozenset[str] | None

_SKIPPED = (*NESTED_SCOPES, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def calls_on_every_path(body: list[ast.stmt] | ast.expr, key: Key) -> frozenset[str]:
    """The keys of the calls that every returning path makes (a lambda's body counts
    as one ``return``).  Empty for a function that never returns."""
    walker = _Walker(key)
    if isinstance(body, ast.expr):
        return frozenset(walker.expression(body))
    end = walker.block(body, frozenset())
    returns = meet(walker.returns, end)
    return returns or frozenset()


def meet(a: Met, b: Met) -> Met:
    """What two paths both met; None is a path that cannot get here (it meets anything)."""
    if a is None:
        return b
    if b is None:
        return a
    return a & b


class _Walker:
    def __init__(self, key: Key) -> None:
        self.key = key
        #: What every ``return`` met so far had met; None before the first.
        self.returns: Met = None

    def expression(self, node: ast.AST | None) -> set[str]:
        return {k for call in _surely_evaluated(node) if (k := self.key(call)) is not None}

    def block(self, body: list[ast.stmt], met: Met) -> Met:
        for statement in body:
            if met is None:
                return None
            met = self.statement(statement, met)
        return met

    def statement(self, node: ast.stmt, met: frozenset[str]) -> Met:
        if isinstance(node, ast.Return):
            self.returns = meet(self.returns, met | self.expression(node.value))
            return None
        if isinstance(node, ast.Raise):
            return None
        if isinstance(node, ast.If):
            met = met | self.expression(node.test)
            return _join(self.block(node.body, met), self.block(node.orelse, met))
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            head = node.test if isinstance(node, ast.While) else node.iter
            met = met | self.expression(head)
            self.block(node.body, met)  # its returns count; its fall-through may not run
            return _join(met, self.block(node.orelse, met))
        if isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                met = met | self.expression(item.context_expr)
            return self.block(node.body, met)
        if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":  # 3.11's try/except*
            return self._try(node, met)
        if isinstance(node, ast.Match):
            met = met | self.expression(node.subject)
            ends = [self.block(case.body, met) for case in node.cases]
            return _join(met, *ends)  # no case may match
        if isinstance(node, NESTED_SCOPES):
            return met | self._decorators(node)
        return met | self.expression(node)

    def _try(self, node: Any, met: frozenset[str]) -> Met:
        after_body = self.block(node.body, met)
        ends = [self.block(node.orelse, after_body)]
        ends.extend(self.block(handler.body, met) for handler in node.handlers)
        joined = _join(*ends)
        if not node.finalbody:
            return joined
        return self.block(node.finalbody, joined) if joined is not None else None

    def _decorators(self, node: ast.AST) -> set[str]:
        found: set[str] = set()
        for decorator in getattr(node, "decorator_list", ()):
            found |= self.expression(decorator)
        return found


def _join(*ends: Met) -> Met:
    """Paths that meet again: what all of those that can get here had met."""
    reached = [end for end in ends if end is not None]
    if not reached:
        return None
    result = reached[0]
    for end in reached[1:]:
        result = result & end
    return result


def _surely_evaluated(node: ast.AST | None) -> Iterator[ast.Call]:
    """The calls an expression (or simple statement) always evaluates."""
    if node is None:
        return
    stack: list[ast.AST] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, _SKIPPED):
            continue
        if isinstance(current, ast.Call):
            yield current
        if isinstance(current, ast.BoolOp):
            stack.append(current.values[0])
        elif isinstance(current, ast.IfExp):
            stack.append(current.test)
        else:
            stack.extend(ast.iter_child_nodes(current))
