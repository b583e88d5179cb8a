"""The one analysis every front end reports: ``analyze_source`` and ``analyze_tree``."""

from __future__ import annotations

import ast
import dataclasses
import sys
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from flake8_asyncio_run import rules
from flake8_asyncio_run.cached_globals import cached_assignments, walk_scopes
from flake8_asyncio_run.collector import collector_paused
from flake8_asyncio_run.findings import Finding, RunnerCall, ScopeRef, Span
from flake8_asyncio_run.flow import CallRecord, PathCounter, ScopeFlow
from flake8_asyncio_run.identifiers import identifiers
from flake8_asyncio_run.lines import ColumnMap, split_lines, statement_lines
from flake8_asyncio_run.notebook.cells import CellMap
from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.parsing import parse_source
from flake8_asyncio_run.prefilter import NOTEBOOK_WORDS, might_run_event_loops
from flake8_asyncio_run.probes import running_loop_probes
from flake8_asyncio_run.project.context import ModuleContext, prefilter_hints
from flake8_asyncio_run.project.index import ProjectIndex
from flake8_asyncio_run.project.layout import ModuleName, module_name, project_root
from flake8_asyncio_run.project.summarize import summarize
from flake8_asyncio_run.resolution import (
    Resolver,
    RunnerKind,
    RunnerMatch,
    Scope,
    ScopeBuilder,
    ScopeKind,
    needed_definitions,
    runner_table,
    spelled,
)
from flake8_asyncio_run.rules import (
    CachedGlobal,
    ModuleReporter,
    ModuleView,
    NamedCall,
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


def analyze_source(
    source: str,
    filename: str = "<unknown>",
    options: AnalysisOptions | None = None,
    context: ModuleContext | None = None,
    in_notebook: bool = False,
) -> Analysis:
    """Analyse Python source text.  Raises SyntaxError for text that does not parse.
    Without a ``context``, the file is a project of its own.  ``in_notebook``: the text
    is a notebook's cells (``notebook.cells``), whose top level runs in the kernel's
    event loop and may ``await``."""
    options = options or AnalysisOptions()
    if context is None:
        context = lone_context(filename, options)
    words, factories = prefilter_hints(context, source)
    if in_notebook:
        words |= NOTEBOOK_WORDS
    if not might_run_event_loops(source, options, words, factories):
        return EMPTY
    tree = parse_source(source, filename, in_notebook)
    return analyze_tree(tree, split_lines(source), options, context, in_notebook)


def lone_context(filename: str, options: AnalysisOptions) -> ModuleContext | None:
    """A file analysed as a project of its own, named as in its project (so that
    messages match the other front ends'); None for a nameless one."""
    if filename in ("<unknown>", "<stdin>", "-", ""):
        return None
    name = module_name(filename, project_root(filename))
    return ModuleContext(ProjectIndex((), options), name, trusted=False)


def analyze_tree(
    tree: ast.Module,
    lines: list[str],
    options: AnalysisOptions | None = None,
    context: ModuleContext | None = None,
    in_notebook: bool = False,
) -> Analysis:
    options = options or AnalysisOptions()
    # Scopes, bindings and path counts are many objects and few cycles: with the
    # collector running, one function of 3,200 branches grew faster than N log N.
    with collector_paused():
        return _analyze(tree, lines, options, context, in_notebook)


def _analyze(
    tree: ast.Module,
    lines: list[str],
    options: AnalysisOptions,
    context: ModuleContext | None,
    in_notebook: bool,
) -> Analysis:
    try:
        return _FileAnalysis(tree, lines, options, context, in_notebook).run()
    except RecursionError:
        pass
    # Very deep expressions (generated tables, long operator chains) parse fine but take
    # a few Python frames per level in our visitors: retry with room for them.
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, _depth(tree) * 4 + 1000))
    try:
        return _FileAnalysis(tree, lines, options, context, in_notebook).run()
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
    def __init__(
        self,
        tree: ast.Module,
        lines: list[str],
        options: AnalysisOptions,
        context: ModuleContext | None,
        in_notebook: bool = False,
    ) -> None:
        self.tree = tree
        #: A notebook's top level runs inside the kernel's event loop, as an async
        #: function's body does; its messages name lines within cells.
        self.in_notebook = in_notebook
        self.describe_line = _plain_line
        if in_notebook:
            self.describe_line = CellMap.of_lines(lines).describe
        self.columns = ColumnMap(lines)
        self.text = text = "".join(lines)
        self.name = context.name if context is not None else _LONE_MODULE
        name = self.name
        package = name.name if name.is_package else name.name.rpartition(".")[0]
        self.options = options
        self.declarations = "global" in text or "nonlocal" in text
        self.package = package
        self.index = _project_index(tree, name, options, context)
        #: The last part of every dotted name a call can resolve to and matter.
        self.words = _words(options, self.index)
        # The first walk: scopes only for the definitions that can hold a call of
        # interest (a file that passes the prefilter rarely has more than a few).
        needed = needed_definitions(tree, lines, self.words)
        self.builder = ScopeBuilder(tree, self.declarations, package, needed)
        self.resolver = self._resolver(self.builder)
        self.findings: list[Finding] = []
        self.runner_calls: dict[int, RunnerCall] = {}

    def _resolver(self, builder: ScopeBuilder) -> Resolver:
        options = self.options
        return Resolver(
            builder,
            options.runners,
            options.factories,
            self.name.name,
            self.index.role,
            self.index.canonical,
        )

    # Resolution ---------------------------------------------------------------------------
    def classify(self, call: ast.Call) -> RunnerMatch | None:
        """The loop a call starts, as counted in its scope: a call of an entry (a
        function running its own coroutine) counts only inside ``async def``."""
        scope = self.builder.scope_of_call.get(id(call))
        if scope is None:
            return None
        match = self.resolver.runner(call, scope)
        in_loop = self._in_running_loop(scope)
        if match is None:
            return self._loop_method(call, scope) if in_loop else None
        if match.kind.form == "entry" and not in_loop:
            return None
        return match

    def _in_running_loop(self, scope: Scope) -> bool:
        """Whether the scope's code runs while an event loop runs in the thread: an
        ``async def``'s body, or a notebook cell's top level, and a class body that
        either defines (it runs where it is defined)."""
        runs_in = scope.function_scope()
        while runs_in.kind == "class" and runs_in.parent is not None:
            runs_in = runs_in.parent.function_scope()
        kind = runs_in.kind
        return kind == "async_function" or (self.in_notebook and kind == "module")

    def _loop_method(self, call: ast.Call, scope: Scope) -> RunnerMatch | None:
        """``loop.run_until_complete(x)`` at a notebook's top level: it raises, as the
        kernel's loop is running.  ``await x`` does the same when ``loop`` is that
        running loop (``asyncio.get_event_loop()`` there, or a name bound once to it)."""
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr != "run_until_complete":
            return None
        made_by = self.resolver.constructor_of(func.value, scope)
        running = made_by in _RUNNING_LOOP
        kind = RunnerKind("asyncio", "run_until_complete", f"{spelled(func)}()")
        return RunnerMatch(kind, kind, running)

    def runs_loops(self, scope: Scope) -> bool:
        """Whether any call of the scope starts an event loop.  Scopes without one can
        report nothing, so the path-sensitive count (the costly part) skips them."""
        calls = self.builder.calls_by_owner.get(id(scope), ())
        return any(self.classify(call) is not None for call in calls)

    def observe(self, call: ast.Call) -> str | None:
        scope = self.builder.scope_of_call.get(id(call))
        return None if scope is None else self.resolver.loop_management(call, scope)

    def count(self, body: list[ast.stmt] | ast.expr) -> ScopeFlow[RunnerMatch]:
        counter: PathCounter[RunnerMatch] = PathCounter(
            self.classify,
            self.observe,
            is_a2s=lambda m: m.library.family == "asgiref",
            # trio.run() leaves asyncio's current loop alone: ARO104 ignores it.
            is_managed=lambda m: m.library.family != "trio",
        )
        return counter.run(body)

    # Scopes and reporters --------------------------------------------------------------
    def run(self) -> Analysis:
        reporters = rules.reporters()
        in_scopes = [r for r in reporters if isinstance(r, ScopeReporter)]
        loop_scopes: list[ScopeView] = []
        for scope in walk_scopes(self.builder.module):
            if scope.kind == "comprehension" or not self.runs_loops(scope):
                continue
            body = _scope_body(scope)
            flow = self.count(body)
            for record in flow.calls:
                self.runner_calls[id(record.node)] = self._runner_call(record)
            view = ScopeView(
                self._scope_ref(scope),
                self.columns.span,
                self._call_of,
                _prober(body),
                self.describe_line,
            )
            kind = "async" if self._in_running_loop(scope) else "sync"
            for scope_reporter in in_scopes:
                if scope_reporter.scopes == kind:
                    self.findings.extend(scope_reporter.report(view, flow))
            if kind == "sync" and flow.calls:
                loop_scopes.append(view)
        module = ModuleView(
            tuple(loop_scopes),
            self._cached_globals,
            lambda name: self.index.reach(self.name.name, name),
            self._calls_to,
        )
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

    def _runner_call(self, record: CallRecord[RunnerMatch]) -> RunnerCall:
        match = record.info
        return RunnerCall(
            self.columns.span(record.node),
            match.library.family,
            match.kind.form,
            match.display,
            match.passthrough,
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
        return tuple(
            CachedGlobal(
                self.columns.span(found.statement),
                self._scope_ref(found.scope),
                found.names,
                found.resource,
            )
            for found in cached_assignments(self.builder, self.resolver)
        )

    # Facts for rules triggered by named calls (ARO106) ----------------------------------
    def _calls_to(self, names: tuple[str, ...]) -> tuple[NamedCall, ...]:
        """Every call that resolves to one of ``names``.  A call resolves to a name only
        through an import of its root, which ASCII text must spell as it is (other text
        may spell it in a form that NFKC folds to it), so other files need no walk."""
        wanted = frozenset(names)
        roots = {name.partition(".")[0] for name in wanted}
        if self.text.isascii() and not any(root in self.text for root in roots):
            return ()
        builder, resolver = self.builder, self.resolver
        if any(name.rpartition(".")[2] not in self.words for name in wanted):
            # Not a rule's trigger: the first walk did not look for it.
            builder = ScopeBuilder(self.tree, self.declarations, self.package)
            resolver = self._resolver(builder)
        found: list[NamedCall] = []
        for scope in walk_scopes(builder.module):
            for call in builder.calls_by_owner.get(id(scope), ()):
                at = builder.scope_of_call[id(call)]
                qualname = resolver.named(call, at, wanted)
                if qualname is not None:
                    ref = self._scope_ref(scope)
                    found.append(NamedCall(self.columns.span(call), ref, qualname))
        return tuple(sorted(found, key=lambda named: named.span))


def _plain_line(line: int, seen_from: int) -> str:
    return f"line {line}"


#: What ``loop`` is in ``loop.run_until_complete()`` when it is the running loop.
_RUNNING_LOOP = frozenset(
    f"asyncio{sub}.{name}"
    for sub in ("", ".events")
    for name in ("get_event_loop", "get_running_loop")
)

#: The name of a file analysed as a project of its own.
_LONE_MODULE = ModuleName("__main__", False)


def _project_index(
    tree: ast.Module, name: ModuleName, options: AnalysisOptions, context: ModuleContext | None
) -> ProjectIndex:
    """The context's index when it was built from this very text; otherwise that index
    (or an empty one) with this module's facts in place of what it had."""
    if context is not None and context.trusted and name.name in context.index.modules:
        return context.index
    facts = summarize(tree, name.name, name.is_package, options)
    base = context.index if context is not None else ProjectIndex((), options)
    return base.replaced(facts)


def _words(options: AnalysisOptions, index: ProjectIndex) -> frozenset[str]:
    """The last part of every dotted name whose calls can give a finding outside
    module-level code (``needed_definitions``): runners, the project's pass-throughs
    and entries, rule triggers.  Loop management and factory calls need none: the
    first counts only in a scope with a runner call, the second only at module level
    or in a function declaring ``global``, which are always built."""
    # The registry is read on every call (a rule added to it counts); the rest is the
    # same for every file of an index, so it is computed once per index.
    triggers = tuple(trigger for rule in rules.RULES.values() for trigger in rule.triggers)
    cached = _WORDS.get(index)
    if cached is not None and cached[0] == (options, triggers):
        return cached[1]
    names = [*runner_table(options.runners), *index.roles, *triggers]
    words = {name.rpartition(".")[2] for name in names}
    words.add("run_until_complete")  # a notebook's loop.run_until_complete()
    # A re-export under another name (``from .impl import run_sync as rs``) reaches a
    # name of interest only through ``canonical``: its own name counts too.
    words.update(alias for alias, last in _renames(index) if last in words)
    found = frozenset(words)
    _WORDS[index] = ((options, triggers), found)
    return found


#: Per project index: ``_words``'s answer and what it was computed for.
_WORDS: weakref.WeakKeyDictionary[
    ProjectIndex, tuple[tuple[AnalysisOptions, tuple[str, ...]], frozenset[str]]
] = weakref.WeakKeyDictionary()


#: Per project index: (alias, the last part of what it stands for) for each module
#: alias that renames, computed once per index.
_RENAMES: weakref.WeakKeyDictionary[ProjectIndex, tuple[tuple[str, str], ...]] = (
    weakref.WeakKeyDictionary()
)


def _renames(index: ProjectIndex) -> tuple[tuple[str, str], ...]:
    found = _RENAMES.get(index)
    if found is None:
        pairs = []
        for module in index.modules.values():
            for alias, target in module.aliases.items():
                # Only an alias that renames at its own hop can start a renaming chain
                # whose words are not already its later hops' (those are checked too).
                if target.rpartition(".")[2] == alias:
                    continue
                last = index.canonical(f"{module.name}.{alias}").rpartition(".")[2]
                if last != alias:
                    pairs.append((alias, last))
        found = _RENAMES[index] = tuple(pairs)
    return found


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


def _scope_body(scope: Scope) -> list[ast.stmt] | ast.expr:
    node = scope.node
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        # Never asked for: a comprehension's calls count for the scope around it.
        raise ValueError("a comprehension has no body of its own")
    return node.body


def _prober(body: list[ast.stmt] | ast.expr) -> Callable[[ast.AST], bool]:
    """``ScopeView.probes_running_loop``: the scope is walked on the first question."""
    probes: list[frozenset[int]] = []

    def probes_running_loop(node: ast.AST) -> bool:
        if not probes:
            probes.append(running_loop_probes(body))
        return id(node) in probes[0]

    return probes_running_loop


def _one_per_line(findings: list[Finding]) -> list[Finding]:
    """Two findings of one code on one line give one report, at the first of them.  Its
    message names the other calls, which its fix (or the reason for none) covers too."""
    kept: dict[tuple[str, int], Finding] = {}
    others: dict[tuple[str, int], list[str]] = {}
    for finding in sorted(findings, key=Finding.sort_key):
        key = (finding.code, finding.span.line)
        if key in kept:
            earlier = kept[key]
            merged = earlier.calls + tuple(c for c in finding.calls if c not in earlier.calls)
            kept[key] = dataclasses.replace(earlier, calls=merged)
            if finding.calls and finding.calls[-1] not in earlier.calls:
                others.setdefault(key, []).append(finding.calls[-1].display)
        else:
            kept[key] = finding
    for key, displays in others.items():
        finding = kept[key]
        also = f"; also on this line: {', '.join(displays)}"
        kept[key] = dataclasses.replace(finding, message=finding.message + also)
    return sorted(kept.values(), key=Finding.sort_key)


__all__ = ["EMPTY", "Analysis", "Span", "analyze_source", "analyze_tree", "parse_source"]
