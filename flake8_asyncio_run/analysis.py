"""The one analysis every front end reports: ``analyze_source`` and ``analyze_tree``."""

from __future__ import annotations

import ast
import dataclasses
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from flake8_asyncio_run import rules
from flake8_asyncio_run.findings import Finding, RunnerCall, ScopeRef, Span
from flake8_asyncio_run.flow import CallRecord, PathCounter, ScopeFlow
from flake8_asyncio_run.identifiers import identifiers
from flake8_asyncio_run.lines import ColumnMap, split_lines, statement_lines
from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.prefilter import might_run_event_loops
from flake8_asyncio_run.resolution import (
    Resolver,
    RunnerKind,
    Scope,
    ScopeBuilder,
    ScopeKind,
    WrapperInfo,
    iter_own_statements,
    iter_target_names,
)
from flake8_asyncio_run.rules import (
    CachedGlobal,
    ModuleReporter,
    ModuleView,
    ScopeReporter,
    ScopeView,
)


@dataclass(frozen=True)
class Analysis:
    findings: tuple[Finding, ...]
    #: Every runner call in the file, reported or not, for the fixer to rewrite.
    runner_calls: tuple[RunnerCall, ...]
    #: For the fixer and noqa, when there are findings: the first line of each top-level
    #: statement (a decorated definition's first decorator), to find statements by
    #: line, and every identifier in the file, so that new names clash with none.
    statement_lines: tuple[int, ...] = ()
    identifiers: frozenset[str] = frozenset()


EMPTY = Analysis((), ())


@dataclass(frozen=True)
class _Resolved:
    kind: RunnerKind
    display: str
    wrapper: WrapperInfo | None

    @property
    def library_runner(self) -> RunnerKind:
        return self.wrapper.runner if self.wrapper else self.kind


def analyze_source(
    source: str, filename: str = "<unknown>", options: AnalysisOptions | None = None
) -> Analysis:
    """Analyse Python source text.  Raises SyntaxError for text that does not parse."""
    options = options or AnalysisOptions()
    if not might_run_event_loops(source, options):
        return EMPTY
    tree = ast.parse(source, filename)
    return analyze_tree(tree, split_lines(source), options)


def analyze_tree(
    tree: ast.Module, lines: list[str], options: AnalysisOptions | None = None
) -> Analysis:
    options = options or AnalysisOptions()
    try:
        return _FileAnalysis(tree, lines, options).run()
    except RecursionError:
        pass
    # Very deep expressions (generated tables, long operator chains) parse fine but take
    # a few Python frames per level in our visitors: retry with room for them.
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, _depth(tree) * 4 + 1000))
    try:
        return _FileAnalysis(tree, lines, options).run()
    finally:
        sys.setrecursionlimit(previous)


def _depth(tree: ast.AST) -> int:
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


class _FileAnalysis:
    def __init__(self, tree: ast.Module, lines: list[str], options: AnalysisOptions) -> None:
        self.tree = tree
        self.columns = ColumnMap(lines)
        text = "".join(lines)
        self.builder = ScopeBuilder(tree, "global" in text or "nonlocal" in text)
        self.resolver = Resolver(self.builder, options.runners, options.factories)
        self.findings: list[Finding] = []
        self.runner_calls: dict[int, RunnerCall] = {}

    # Resolution ---------------------------------------------------------------------------
    def classify(self, call: ast.Call) -> _Resolved | None:
        scope = self.builder.scope_of_call.get(id(call))
        if scope is None:
            return None
        found = self.resolver.runner_kind(call, scope)
        if found is None:
            return None
        kind, display = found
        wrapper = self.resolver.wrapper(call.func, scope) if kind.form == "wrapper" else None
        return _Resolved(kind, display, wrapper)

    def runs_loops(self, scope: Scope) -> bool:
        """Whether any call of the scope starts an event loop.  Scopes without one can
        report nothing, so the path-sensitive count (the costly part) skips them."""
        calls = self.builder.calls_by_owner.get(id(scope), ())
        return any(self.classify(call) is not None for call in calls)

    def observe(self, call: ast.Call) -> str | None:
        scope = self.builder.scope_of_call.get(id(call))
        return None if scope is None else self.resolver.loop_management(call, scope)

    def count(self, body: list[ast.stmt] | ast.expr) -> ScopeFlow[_Resolved]:
        counter: PathCounter[_Resolved] = PathCounter(
            self.classify, self.observe, is_a2s=lambda r: r.library_runner.family == "asgiref"
        )
        return counter.run(body)

    def find_wrappers(self) -> None:
        """Module-level functions and lambdas that run a loop on every returning path."""
        candidates: dict[str, ast.FunctionDef | ast.Lambda] = {}
        for name, bindings in self.builder.module.bindings.items():
            if len(bindings) != 1 or bindings[0].node is None:
                continue
            node = bindings[0].node
            if isinstance(node, (ast.FunctionDef, ast.Lambda)):
                candidates[name] = node
        changed = True
        while changed:
            changed = False
            for name, node in candidates.items():
                if name in self.resolver.wrappers:
                    continue
                if not self.runs_loops(self.builder.scope_of[id(node)]):
                    continue
                flow = self.count(node.body)
                if not flow.calls or not flow.least_at_exit:
                    continue
                behind = flow.calls[0].info.library_runner
                self.resolver.add_wrapper(
                    WrapperInfo(name, behind, self._is_passthrough(node, flow), node)
                )
                changed = True

    def _is_passthrough(
        self, node: ast.FunctionDef | ast.Lambda, flow: ScopeFlow[_Resolved]
    ) -> bool:
        """``def w(c): return asyncio.run(c)`` (or a lambda of that shape)."""
        if len(flow.calls) != 1:
            return False
        args = node.args
        if args.posonlyargs or args.vararg or args.kwarg or args.kwonlyargs or args.defaults:
            return False
        if len(args.args) != 1:
            return False
        if isinstance(node, ast.Lambda):
            returned: ast.AST | None = node.body
        else:
            body = [s for s in node.body if not _is_docstring(s)]
            returned = body[0].value if len(body) == 1 and isinstance(body[0], ast.Return) else None
        record = flow.calls[0]
        resolved = record.info
        return (
            returned is record.node
            and not record.node.keywords
            and len(record.node.args) == 1
            and isinstance(record.node.args[0], ast.Name)
            and record.node.args[0].id == args.args[0].arg
            and (
                resolved.kind.form == "coroutine"
                or (resolved.wrapper is not None and resolved.wrapper.passthrough)
            )
        )

    # Scopes and reporters --------------------------------------------------------------
    def run(self) -> Analysis:
        self.find_wrappers()
        reporters = rules.reporters()
        in_scopes = [r for r in reporters if isinstance(r, ScopeReporter)]
        loop_scopes: list[ScopeView] = []
        for scope in _walk_scopes(self.builder.module):
            if scope.kind == "comprehension" or not self.runs_loops(scope):
                continue
            flow = self.count(_scope_body(scope))
            for record in flow.calls:
                self.runner_calls[id(record.node)] = self._runner_call(record)
            view = ScopeView(self._scope_ref(scope), self.columns.span, self._call_of)
            kind = "async" if scope.kind == "async_function" else "sync"
            for scope_reporter in in_scopes:
                if scope_reporter.scopes == kind:
                    self.findings.extend(scope_reporter.report(view, flow))
            if kind == "sync" and flow.calls:
                loop_scopes.append(view)
        module = ModuleView(tuple(loop_scopes), self._cached_globals)
        for reporter in reporters:
            if isinstance(reporter, ModuleReporter):
                self.findings.extend(reporter.report(module))
        findings = _one_per_line(self.findings)
        calls = sorted(self.runner_calls.values(), key=lambda c: c.span)
        if not findings:
            return Analysis((), tuple(calls))
        return Analysis(
            tuple(findings),
            tuple(calls),
            statement_lines(self.tree),
            identifiers(self.tree),
        )

    def _runner_call(self, record: CallRecord[_Resolved]) -> RunnerCall:
        resolved = record.info
        passthrough = resolved.wrapper.passthrough if resolved.wrapper else False
        return RunnerCall(
            self.columns.span(record.node),
            resolved.library_runner.family,
            resolved.kind.form,
            resolved.display,
            passthrough,
        )

    def _call_of(self, record: CallRecord[Any]) -> RunnerCall:
        return self.runner_calls[id(record.node)]

    def _scope_ref(self, scope: Scope) -> ScopeRef:
        node = scope.node
        line = getattr(node, "lineno", 0)
        col = self.columns.char_col(line, getattr(node, "col_offset", 0)) if line else 0
        return ScopeRef(_REF_KINDS[scope.kind], scope.name, line, col)

    # Facts for ARO201 ------------------------------------------------------------------
    def _cached_globals(self) -> tuple[CachedGlobal, ...]:
        """Assignments of a loop-bound resource to module globals: at module level, or
        in a function that declares the names ``global``; in source order."""
        module = self.builder.module
        targets: list[tuple[ast.stmt, ast.AST, set[str], Scope]] = []
        for node in iter_own_statements(self.tree.body):
            targets.extend(_assignments(node, None, module))
        for scope in _walk_scopes(module):
            function = scope.node
            if scope.declared_global and isinstance(
                function, (ast.FunctionDef, ast.AsyncFunctionDef)
            ):
                for node in iter_own_statements(function.body):
                    targets.extend(_assignments(node, scope.declared_global, scope))
        cached: list[CachedGlobal] = []
        for statement, value, names, scope in sorted(
            targets, key=lambda t: (t[0].lineno, t[0].col_offset)
        ):
            resource = self._factory_in(value, scope)
            if resource is not None:
                cached.append(
                    CachedGlobal(
                        self.columns.span(statement),
                        self._scope_ref(scope),
                        tuple(sorted(names)),
                        resource,
                    )
                )
        return tuple(cached)

    def _factory_in(self, value: ast.AST, scope: Scope) -> str | None:
        stack = [value]
        while stack:
            node = stack.pop(0)
            if isinstance(node, ast.Lambda):
                continue
            if isinstance(node, ast.Call):
                call_scope = self.builder.scope_of_call.get(id(node), scope)
                resource = self.resolver.factory(node, call_scope)
                if resource is not None:
                    return resource
            stack.extend(ast.iter_child_nodes(node))
        return None


def _assignments(
    node: ast.AST, only: set[str] | None, scope: Scope
) -> Iterator[tuple[ast.stmt, ast.AST, set[str], Scope]]:
    """(statement, value, global names it binds, scope) for assignments of interest."""
    if isinstance(node, ast.Assign):
        targets: list[ast.AST] = list(node.targets)
        value: ast.AST | None = node.value
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets, value = [node.target], node.value
    else:
        return
    if value is None:
        return
    names = {n for t in targets for n in iter_target_names(t)}
    if only is not None:
        names &= only
    if names:
        yield node, value, names, scope


#: The kinds of ``ScopeRef``.
RefKind = Literal["module", "function", "async_function", "class"]
#: A scope's kind as findings name it: a lambda is a function.  (A comprehension is
#: never a finding's scope: its calls count for the scope around it.)
_REF_KINDS: dict[ScopeKind, RefKind] = {
    "module": "module",
    "function": "function",
    "lambda": "function",
    "async_function": "async_function",
    "class": "class",
}


def _walk_scopes(scope: Scope) -> Iterator[Scope]:
    yield scope
    for child in scope.children:
        yield from _walk_scopes(child)


def _scope_body(scope: Scope) -> list[ast.stmt] | ast.expr:
    node = scope.node
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        # Never asked for: a comprehension's calls count for the scope around it.
        raise ValueError("a comprehension has no body of its own")
    return node.body


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _one_per_line(findings: list[Finding]) -> list[Finding]:
    """Two findings of one code on one line give one report, at the first of them."""
    kept: dict[tuple[str, int], Finding] = {}
    for finding in sorted(findings, key=Finding.sort_key):
        key = (finding.code, finding.span.line)
        if key in kept:
            earlier = kept[key]
            merged = earlier.calls + tuple(c for c in finding.calls if c not in earlier.calls)
            kept[key] = dataclasses.replace(earlier, calls=merged)
        else:
            kept[key] = finding
    return sorted(kept.values(), key=Finding.sort_key)


__all__ = ["EMPTY", "Analysis", "Span", "analyze_source", "analyze_tree"]
