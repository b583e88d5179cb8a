"""What every rule is made of: the ``Rule`` row, the read-only views a reporter sees,
and the two kinds of reporter (``rules/__init__.py`` has the registry and says how a
rule is declared)."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from flake8_asyncio_run.findings import Finding, RunnerCall, ScopeRef, Span
from flake8_asyncio_run.flow import CallRecord, ScopeFlow
from flake8_asyncio_run.project.reach import Reach

DOCS_BASE = "https://github.com/flake8-asyncio-run/flake8-asyncio-run/blob/main/docs/rules/"

#: ruff's terms: what ``fix`` can do for a finding of this rule.
FixAvailability = Literal["sometimes", "always", "never"]
#: Which planner path fixes a rule's findings: "region" rewrites the statements between
#: the calls (combine or runner style); "await" turns one runner call into ``await``.
Fixer = Literal["region", "await"]
#: How bad a finding of the rule is, in Code Climate's words (the gitlab format reports
#: it as is): "critical", the code fails every time it runs; "major", it fails or
#: misbehaves at run time under common conditions; "minor", it works today on something
#: unsupported.
Severity = Literal["minor", "major", "critical"]


# --- What a reporter sees ----------------------------------------------------------------


@dataclass(frozen=True)
class ScopeView:
    """One scope whose calls start an event loop, as a reporter may see it."""

    ref: ScopeRef
    #: A node's position, in code-point columns.
    span: Callable[[ast.AST], Span]
    #: The runner call a record of the scope's flow stands for.
    call: Callable[[CallRecord[Any]], RunnerCall]
    #: Whether a call of the scope tests for a running loop with its result: in the
    #: body of a ``try`` catching RuntimeError, or with ``.is_running()`` called on it.
    probes_running_loop: Callable[[ast.AST], bool] = lambda node: False
    #: (line, line of the finding) -> how a message names the line: ``line 12``; in a
    #: notebook ``line 3`` of the finding's cell, or ``cell 2, line 3``.
    describe_line: Callable[[int, int], str] = lambda line, seen_from: f"line {line}"

    @property
    def name(self) -> str:
        """The qualified name messages show: ``outer.inner``, ``Settings``, ``<module>``."""
        return self.ref.name


@dataclass(frozen=True)
class CachedGlobal:
    """An assignment that caches a loop-bound resource in module globals."""

    #: The assignment statement.
    span: Span
    #: Where it is: the module, or a function that declares the names ``global``.
    scope: ScopeRef
    #: The module globals it binds, sorted.
    names: tuple[str, ...]
    #: What the resource is called in messages ("asyncpg pool").
    resource: str


@dataclass(frozen=True)
class NamedCall:
    """A call whose target resolves to a qualified name a rule asked for."""

    #: The call.
    span: Span
    #: The scope it runs in (a comprehension's or a default's: the scope around it).
    scope: ScopeRef
    #: The qualified name it resolved to (``nest_asyncio.apply``), whatever the
    #: import form (``from nest_asyncio import apply as patch``).
    qualname: str


@dataclass(frozen=True)
class ModuleView:
    """The whole file, as a module reporter may see it."""

    #: The synchronous scopes (module, functions, lambdas, class bodies) whose flow has
    #: runner calls, each before the scopes nested in it.
    loop_scopes: tuple[ScopeView, ...]
    #: The assignments that cache loop-bound resources in module globals, in source
    #: order; found on the first call (they cost a walk of the module).
    cached_globals: Callable[[], tuple[CachedGlobal, ...]]
    #: A global of this module -> how a coroutine run on a fresh event loop reaches
    #: it, from anywhere in the project (``project/reach.py``); None if none does.
    reach: Callable[[str], Reach | None]
    #: Qualified names -> every call of the file that resolves to one of them, in
    #: source order (resolved like runners: through imports, never through objects).
    calls_to: Callable[[tuple[str, ...]], tuple[NamedCall, ...]] = lambda names: ()


ScopeReport = Callable[[ScopeView, ScopeFlow[Any]], Iterator[Finding]]
ModuleReport = Callable[[ModuleView], Iterator[Finding]]


@dataclass(frozen=True)
class ScopeReporter:
    """Called once for each scope of the given kind that runs an event loop: "sync"
    (module, function, lambda, class body) or "async" (``async def``)."""

    scopes: Literal["sync", "async"]
    report: ScopeReport


@dataclass(frozen=True)
class ModuleReporter:
    """Called once per analysed file, after every scope was counted."""

    report: ModuleReport


Reporter = ScopeReporter | ModuleReporter


def in_scopes(kind: Literal["sync", "async"]) -> Callable[[ScopeReport], ScopeReporter]:
    def declare(report: ScopeReport) -> ScopeReporter:
        return ScopeReporter(kind, report)

    return declare


def in_module(report: ModuleReport) -> ModuleReporter:
    return ModuleReporter(report)


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    description: str
    fix: FixAvailability
    #: The planner path that fixes it; None exactly when ``fix == "never"``.
    fixer: Fixer | None = None
    #: For a rule without a fix: what the user should do instead (the "not fixed" reason).
    manual_fix: str | None = None
    status: Literal["stable", "removed"] = "stable"
    #: How bad a finding is (``Severity``); every row says it.
    severity: Severity = "major"
    #: The function that emits its findings (None only for a removed rule).  One
    #: reporter may emit several codes: each of them names it.
    reporter: Reporter | None = None
    #: What the text prefilter may assume: that every finding of this rule needs a
    #: runner call in the file (``prefilter.py`` says why that lets it skip files).
    needs_runner: bool = True
    #: For a rule that needs no runner: the dotted names of the calls that can trigger
    #: it (``nest_asyncio.apply``), each resolved like a runner, through an absolute
    #: import of its first part.  The prefilter lets a file through when one of them
    #: could resolve there.  A rule that needs no runner and names no trigger turns the
    #: prefilter off: every file is analysed.
    triggers: tuple[str, ...] = ()
    #: For a rule that needs no runner: the loop-bound factories (the known ones and
    #: the configured ``loop-bound-factories``) are its triggers too.
    factory_triggered: bool = False

    @property
    def docs_url(self) -> str:
        return f"{DOCS_BASE}{self.code}.md"
