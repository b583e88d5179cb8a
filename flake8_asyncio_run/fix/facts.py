"""What a region of statements reads and writes, for moving it into a coroutine.

A flow walk over libcst statements, in evaluation order, that tracks which names are
*definitely* assigned at each point.  From it come the names the region assigns, those
it reads before its own assignment has surely happened, those assigned on some paths
only, and the facts the safety policy needs (yields, returns, escaping break/continue,
``locals()``, zero-argument ``super()``, the calls made by synchronous code).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from flake8_asyncio_run.fix.walk import children, descendants
from flake8_asyncio_run.project.every_path import meet

_DYNAMIC = {"locals", "vars", "exec", "eval"}
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_COMPREHENSION_TYPES = frozenset(_COMPREHENSIONS)


@dataclass
class Facts:
    #: Names bound at the scope's level, in order of first binding.
    stores: dict[str, None] = field(default_factory=dict)
    #: Annotations of names bound with ``name: T = value`` (or ``name: T``).
    annotations: dict[str, cst.Annotation] = field(default_factory=dict)
    #: Names of ``stores`` that only a bare ``name: T`` binds: it makes a function's
    #: name local, but assigns nothing (a module needs no ``global`` for it).
    annotation_only: set[str] = field(default_factory=set)
    #: Names read while not definitely assigned by the walked code itself.
    unassigned_reads: set[str] = field(default_factory=set)
    #: Names read at the scope's level.
    loads: set[str] = field(default_factory=set)
    #: Names mentioned inside nested functions, lambdas and classes, and read lazily by
    #: generator expressions: what a closure may read after the region.
    nested: set[str] = field(default_factory=set)
    #: Names bound by ``:=`` or removed by ``del`` (their state after is path-dependent).
    unsettled: set[str] = field(default_factory=set)
    #: Calls made by the scope's own code (not inside nested functions or lambdas).
    calls: list[cst.Call] = field(default_factory=list)
    yields: bool = False
    returns: list[cst.Return] = field(default_factory=list)
    #: "break"/"continue" statements that leave the walked statements.
    escapes: list[str] = field(default_factory=list)
    dynamic: set[str] = field(default_factory=set)
    zero_arg_super: bool = False
    declarations: set[str] = field(default_factory=set)
    imports: bool = False
    withs: bool = False
    #: Names definitely assigned when the walked statements complete normally; None
    #: when they cannot complete normally (they end in return/raise).
    definite: frozenset[str] | None = frozenset()

    @property
    def early_reads(self) -> set[str]:
        """Names the code assigns but may read before its own assignment."""
        return self.unassigned_reads & set(self.stores)


def region_facts(statements: Sequence[cst.BaseStatement]) -> Facts:
    walker = _Walker(skip=frozenset())
    walker.facts.definite = walker.block(statements, frozenset())
    return walker.facts


def scope_facts(body: Sequence[cst.BaseStatement], skip: Iterable[cst.CSTNode]) -> Facts:
    """Facts about a scope's statements other than ``skip`` (the region)."""
    walker = _Walker(skip=frozenset(id(s) for s in skip))
    walker.block(body, frozenset())
    return walker.facts


def defined_before(body: Sequence[cst.BaseStatement], first: cst.CSTNode) -> Defined | None:
    """Names surely bound whenever ``first`` (a statement of the scope) starts; None when
    the walk does not reach it."""
    walker = _Walker(skip=frozenset(), mark=id(first))
    walker.block(body, frozenset())
    return walker.at_mark


def parameter_names(node: cst.FunctionDef | cst.Lambda) -> set[str]:
    params = node.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            every.append(star)
    return {p.name.value for p in every}


def mentioned_names(node: cst.CSTNode) -> set[str]:
    """Every identifier in a subtree."""
    return {n.value for n in descendants(node) if isinstance(n, cst.Name)}


#: The names definitely assigned at a point of the walk.
Defined = frozenset[str]


class _Walker:
    def __init__(self, skip: frozenset[int], mark: int | None = None) -> None:
        self.facts = Facts()
        self.skip = skip
        self.loop_depth = 0
        #: The statement whose entry state ``at_mark`` collects (over every visit).
        self.mark = mark
        self.at_mark: Defined | None = None

    # Statements ---------------------------------------------------------------------
    def block(self, body: Sequence[cst.BaseStatement], assigned: Defined) -> Defined | None:
        current: Defined | None = assigned
        for statement in body:
            if id(statement) == self.mark and current is not None:
                self.at_mark = current if self.at_mark is None else self.at_mark & current
            if id(statement) in self.skip:
                continue
            if current is None:
                current = assigned  # unreachable code: still walk it, from the block's start
                self.stmt(statement, current)
                current = None
                continue
            current = self.stmt(statement, current)
        return current

    def suite(self, body: cst.BaseSuite, assigned: Defined) -> Defined | None:
        if isinstance(body, cst.IndentedBlock):
            return self.block(body.body, assigned)
        assert isinstance(body, cst.SimpleStatementSuite)
        return self._smalls(body.body, assigned)

    def stmt(self, node: cst.BaseStatement, assigned: Defined) -> Defined | None:
        handler = _STATEMENTS.get(type(node))
        if handler is None:
            # Anything else: walk its expressions.
            self.expr(node, assigned)
            return assigned
        return handler(self, node, assigned)

    def _smalls(self, body: Sequence[cst.BaseSmallStatement], assigned: Defined) -> Defined | None:
        current: Defined | None = assigned
        for small in body:
            if current is None:
                return None
            current = self.small(small, current)
        return current

    def _simple_line(self, node: cst.SimpleStatementLine, assigned: Defined) -> Defined | None:
        return self._smalls(node.body, assigned)

    def _if(self, node: cst.If, assigned: Defined) -> Defined | None:
        self.expr(node.test, assigned)
        taken = self.suite(node.body, assigned)
        orelse = node.orelse
        if orelse is None:
            other: Defined | None = assigned
        elif isinstance(orelse, cst.If):
            other = self._if(orelse, assigned)
        else:
            other = self.suite(orelse.body, assigned)
        return meet(taken, other)

    def _loop(self, node: cst.For | cst.While, assigned: Defined) -> Defined | None:
        if isinstance(node, cst.For):
            self.expr(node.iter, assigned)
            body_start = assigned | self.target(node.target, assigned)
        else:
            self.expr(node.test, assigned)
            body_start = assigned
        self.loop_depth += 1
        self.suite(node.body, body_start)
        self.loop_depth -= 1
        if node.orelse is not None:
            self.suite(node.orelse.body, assigned)
        return assigned

    def _try(self, node: cst.Try | cst.TryStar, assigned: Defined) -> Defined | None:
        ends: list[Defined | None] = []
        body_end = self.suite(node.body, assigned)
        if node.orelse is not None and body_end is not None:
            body_end = self.suite(node.orelse.body, body_end)
        ends.append(body_end)
        for handler in node.handlers:
            start = assigned
            if handler.type is not None:
                self.expr(handler.type, assigned)
            name: set[str] = set()
            if handler.name is not None and isinstance(handler.name.name, cst.Name):
                name = {handler.name.name.value}
                start = assigned | self.bind(handler.name.name.value)
                self.facts.unsettled |= name  # deleted when the handler ends
            end = self.suite(handler.body, start)
            ends.append(None if end is None else end - name)
        result = ends[0]
        for end in ends[1:]:
            result = meet(result, end)
        if node.finalbody is not None:
            after_finally = self.suite(node.finalbody.body, assigned)
            if result is None or after_finally is None:
                return None
            return result | after_finally
        return result

    def _with(self, node: cst.With, assigned: Defined) -> Defined | None:
        self.facts.withs = True
        current = assigned
        for item in node.items:
            self.expr(item.item, current)
            if item.asname is not None:
                current = current | self.target(item.asname.name, current)
        return self.suite(node.body, current)

    def _function(self, node: cst.FunctionDef, assigned: Defined) -> Defined | None:
        for decorator in node.decorators:
            self.expr(decorator.decorator, assigned)
        self._parameters(node.params, assigned)
        if node.returns is not None:
            self.expr(node.returns.annotation, assigned)
        self.nested(node.body)
        return assigned | self.bind(node.name.value)

    def _class(self, node: cst.ClassDef, assigned: Defined) -> Defined | None:
        for decorator in node.decorators:
            self.expr(decorator.decorator, assigned)
        for arg in (*node.bases, *node.keywords):
            self.expr(arg.value, assigned)
        self.nested(node.body)
        return assigned | self.bind(node.name.value)

    def _match(self, node: cst.Match, assigned: Defined) -> Defined | None:
        self.expr(node.subject, assigned)
        for case in node.cases:
            captures = assigned | self.pattern(case.pattern)
            if case.guard is not None:
                self.expr(case.guard, captures)
            self.suite(case.body, captures)
        return assigned

    # Small statements -----------------------------------------------------------------
    def small(self, node: cst.BaseSmallStatement, assigned: Defined) -> Defined | None:
        handler = _SMALL_STATEMENTS.get(type(node))
        if handler is None:
            # Expressions, assert, pass...: walk their expressions.
            self.expr(node, assigned)
            return assigned
        return handler(self, node, assigned)

    def _assign(self, node: cst.Assign, assigned: Defined) -> Defined | None:
        self.expr(node.value, assigned)
        bound: Defined = frozenset()
        for target in node.targets:
            bound = bound | self.target(target.target, assigned)
        return assigned | bound

    def _ann_assign(self, node: cst.AnnAssign, assigned: Defined) -> Defined | None:
        if node.value is not None:
            self.expr(node.value, assigned)
        self.expr(node.annotation.annotation, assigned)
        if isinstance(node.target, cst.Name):
            self.facts.annotations[node.target.value] = node.annotation
            if node.value is None:
                name = node.target.value
                # Still annotation-only when every earlier binding was a bare annotation.
                only = name not in self.facts.stores or name in self.facts.annotation_only
                self.bind(name)
                if only:
                    self.facts.annotation_only.add(name)
                return assigned
        return assigned | self.target(node.target, assigned)

    def _aug_assign(self, node: cst.AugAssign, assigned: Defined) -> Defined | None:
        if isinstance(node.target, cst.Name):
            self.read(node.target.value, assigned)
        self.expr(node.value, assigned)
        return assigned | self.target(node.target, assigned)

    def _return(self, node: cst.Return, assigned: Defined) -> Defined | None:
        if node.value is not None:
            self.expr(node.value, assigned)
        self.facts.returns.append(node)
        return None

    def _raise(self, node: cst.Raise, assigned: Defined) -> Defined | None:
        if node.exc is not None:
            self.expr(node.exc, assigned)
        if node.cause is not None:
            self.expr(node.cause.item, assigned)
        return None

    def _loop_exit(self, node: cst.Break | cst.Continue, assigned: Defined) -> Defined | None:
        if self.loop_depth == 0:
            self.facts.escapes.append("break" if isinstance(node, cst.Break) else "continue")
        return None

    def _del(self, node: cst.Del, assigned: Defined) -> Defined | None:
        removed = self._deleted(node.target, assigned)
        return assigned - removed

    def _declaration(self, node: cst.Global | cst.Nonlocal, assigned: Defined) -> Defined | None:
        self.facts.declarations.update(item.name.value for item in node.names)
        return assigned

    def _import(self, node: cst.Import, assigned: Defined) -> Defined | None:
        self.facts.imports = True
        names = set()
        for alias in node.names:
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                names.add(alias.asname.name.value)
            else:
                names.add(_root(alias.name))
        return assigned | self.bind(*names)

    def _import_from(self, node: cst.ImportFrom, assigned: Defined) -> Defined | None:
        self.facts.imports = True
        if isinstance(node.names, cst.ImportStar):
            self.facts.dynamic.add("import *")
            return assigned
        names = set()
        for alias in node.names:
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                names.add(alias.asname.name.value)
            elif isinstance(alias.name, cst.Name):
                names.add(alias.name.value)
        return assigned | self.bind(*names)

    def _deleted(self, target: cst.BaseExpression, assigned: Defined) -> set[str]:
        if isinstance(target, cst.Name):
            self.read(target.value, assigned)
            self.bind(target.value)
            self.facts.unsettled.add(target.value)
            return {target.value}
        if isinstance(target, (cst.Tuple, cst.List)):
            removed: set[str] = set()
            for element in target.elements:
                removed |= self._deleted(element.value, assigned)
            return removed
        self.expr(target, assigned)
        return set()

    # Binding --------------------------------------------------------------------------
    def bind(self, *names: str) -> Defined:
        for name in names:
            self.facts.stores.setdefault(name, None)
        if self.facts.annotation_only:
            self.facts.annotation_only.difference_update(names)
        return frozenset(names)

    def target(self, node: cst.BaseExpression, assigned: Defined) -> Defined:
        """Bind an assignment target; subscripts and attributes only read."""
        if isinstance(node, cst.Name):
            return self.bind(node.value)
        if isinstance(node, (cst.Tuple, cst.List)):
            bound: Defined = frozenset()
            for element in node.elements:
                value = element.value
                bound = bound | self.target(value, assigned)
            return bound
        if isinstance(node, cst.StarredElement):
            return self.target(node.value, assigned)
        self.expr(node, assigned)
        return frozenset()

    def pattern(self, node: cst.CSTNode) -> Defined:
        names: set[str] = set()
        for sub in descendants(node):
            if (isinstance(sub, cst.MatchAs) and isinstance(sub.name, cst.Name)) or (
                isinstance(sub, cst.MatchStar) and isinstance(sub.name, cst.Name)
            ):
                names.add(sub.name.value)
            elif isinstance(sub, cst.MatchMapping) and isinstance(sub.rest, cst.Name):
                names.add(sub.rest.value)
            elif isinstance(sub, cst.MatchValue):
                self.expr(sub.value, frozenset())
        return self.bind(*names)

    def read(self, name: str, assigned: Defined) -> None:
        self.facts.loads.add(name)
        if name not in assigned:
            self.facts.unassigned_reads.add(name)

    # Expressions ----------------------------------------------------------------------
    def expr(
        self, node: cst.CSTNode, assigned: Defined, shadow: frozenset[str] = frozenset()
    ) -> None:
        # Exact type tests: libcst's classes are ABCs and isinstance on them is slow.
        kind = type(node)
        if kind is cst.Name:
            value = node.value  # type: ignore[attr-defined]
            if value not in shadow:
                self.read(value, assigned)
            return
        if kind is cst.Attribute:
            self.expr(node.value, assigned, shadow)  # type: ignore[attr-defined]
            return
        if kind is cst.Call:
            self._call(node, assigned, shadow)  # type: ignore[arg-type]
            return
        if kind is cst.Lambda:
            self._parameters(node.params, assigned)  # type: ignore[attr-defined]
            self.nested(node.body)  # type: ignore[attr-defined]
            return
        if kind in _COMPREHENSION_TYPES:
            self._comprehension(node, assigned, shadow)
            return
        if kind is cst.NamedExpr:
            assert isinstance(node, cst.NamedExpr)
            self.expr(node.value, assigned, shadow)
            if isinstance(node.target, cst.Name):
                self.bind(node.target.value)
                self.facts.unsettled.add(node.target.value)
            return
        if kind is cst.Yield:
            self.facts.yields = True
        if self.skip and id(node) in self.skip:
            return
        for child in children(node):
            self.expr(child, assigned, shadow)

    def _call(self, node: cst.Call, assigned: Defined, shadow: frozenset[str]) -> None:
        self.facts.calls.append(node)
        func = node.func
        if isinstance(func, cst.Name):
            if func.value in _DYNAMIC or (func.value == "dir" and not node.args):
                self.facts.dynamic.add(f"{func.value}()")
            if func.value == "super" and not node.args:
                self.facts.zero_arg_super = True
        self.expr(func, assigned, shadow)
        for arg in node.args:
            self.expr(arg.value, assigned, shadow)

    def _comprehension(self, node: cst.CSTNode, assigned: Defined, shadow: frozenset[str]) -> None:
        assert isinstance(node, _COMPREHENSIONS)
        inner = shadow
        compfor: cst.CompFor | None = node.for_in
        first = True
        while compfor is not None:
            # The first iterable is evaluated outside the comprehension's own scope.
            self.expr(compfor.iter, assigned, shadow if first else inner)
            first = False
            inner = inner | frozenset(_target_names(compfor.target))
            for condition in compfor.ifs:
                self.expr(condition.test, assigned, inner)
            compfor = compfor.inner_for_in
        if isinstance(node, cst.DictComp):
            self.expr(node.key, assigned, inner)
            self.expr(node.value, assigned, inner)
        else:
            self.expr(node.elt, assigned, inner)
        if isinstance(node, cst.GeneratorExp):
            # Lazy: everything but the first iterable is read when the generator runs,
            # maybe after the region, as a closure reads it.
            self.facts.nested.update(
                sub.value
                for part in (node.elt, node.for_in.inner_for_in, *node.for_in.ifs)
                if part is not None
                for sub in descendants(part)
                if isinstance(sub, cst.Name)
            )

    def _parameters(self, params: cst.Parameters, assigned: Defined) -> None:
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                every.append(star)
        for param in every:
            if param.default is not None:
                self.expr(param.default, assigned)
            if param.annotation is not None:
                self.expr(param.annotation.annotation, assigned)

    def nested(self, node: cst.CSTNode) -> None:
        """A nested function, lambda or class body: names it mentions, and dynamic calls."""
        for sub in descendants(node):
            kind = type(sub)
            if kind is cst.Name:
                self.facts.nested.add(sub.value)  # type: ignore[attr-defined]
            elif kind is cst.Call:
                func = sub.func  # type: ignore[attr-defined]
                if type(func) is cst.Name and func.value in _DYNAMIC:
                    self.facts.dynamic.add(f"{func.value}()")


#: A statement kind's method of ``_Walker``: (walker, node, names assigned before) ->
#: names assigned after (None: the statement does not complete normally).
_Handler = Callable[[_Walker, Any, Defined], Defined | None]

#: Statement type -> its method (exact types: libcst's classes are ABCs, and isinstance
#: against an ABC is slow).  Any other statement only has its expressions walked.
_STATEMENTS: dict[type, _Handler] = {
    cst.SimpleStatementLine: _Walker._simple_line,
    cst.If: _Walker._if,
    cst.For: _Walker._loop,
    cst.While: _Walker._loop,
    cst.Try: _Walker._try,
    cst.TryStar: _Walker._try,
    cst.With: _Walker._with,
    cst.FunctionDef: _Walker._function,
    cst.ClassDef: _Walker._class,
    cst.Match: _Walker._match,
}
_SMALL_STATEMENTS: dict[type, _Handler] = {
    cst.Assign: _Walker._assign,
    cst.AnnAssign: _Walker._ann_assign,
    cst.AugAssign: _Walker._aug_assign,
    cst.Return: _Walker._return,
    cst.Raise: _Walker._raise,
    cst.Break: _Walker._loop_exit,
    cst.Continue: _Walker._loop_exit,
    cst.Del: _Walker._del,
    cst.Global: _Walker._declaration,
    cst.Nonlocal: _Walker._declaration,
    cst.Import: _Walker._import,
    cst.ImportFrom: _Walker._import_from,
}


def _target_names(node: cst.CSTNode) -> set[str]:
    if isinstance(node, cst.Name):
        return {node.value}
    if isinstance(node, (cst.Tuple, cst.List)):
        names: set[str] = set()
        for element in node.elements:
            names |= _target_names(element.value)
        return names
    if isinstance(node, cst.StarredElement):
        return _target_names(node.value)
    return set()


def _root(name: cst.Attribute | cst.Name) -> str:
    node: cst.BaseExpression = name
    while isinstance(node, cst.Attribute):
        node = node.value
    return node.value if isinstance(node, cst.Name) else ""
