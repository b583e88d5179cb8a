"""The rules: every code we ship, each declared once, next to the code that reports it.

A rule is a ``Rule`` row: its code, name, summary and description (what every output
format shows), what ``fix`` can do for it and which planner path does it, and its
*reporter*: the function that turns the analysis's facts into the rule's findings and
words their messages.  The analysis (``analysis.py``) finds the facts (which calls start
an event loop, how many along each path (``flow.py``), which globals hold loop-bound
resources) and calls each rule's reporter with a read-only view of them; a reporter never
sees the resolver or the scope builder.

Stability policy: a code is never reused or renumbered.  A removed rule stays here with
``status="removed"`` (and no reporter) and keeps its docs page, marked removed.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from flake8_asyncio_run.findings import Family, Finding, RunnerCall, ScopeRef, Span
from flake8_asyncio_run.flow import CallRecord, ScopeFlow
from flake8_asyncio_run.project.reach import Reach

DOCS_BASE = "https://github.com/flake8-asyncio-run/flake8-asyncio-run/blob/main/docs/rules/"

#: ruff's terms: what ``fix`` can do for a finding of this rule.
FixAvailability = Literal["sometimes", "always", "never"]
#: Which planner path fixes a rule's findings: "region" rewrites the statements between
#: the calls (combine or runner style); "await" turns one runner call into ``await``.
Fixer = Literal["region", "await"]


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


# --- ARO101, ARO102, ARO105: runner calls along one synchronous scope's paths ----------


@in_scopes("sync")
def report_paths(scope: ScopeView, flow: ScopeFlow[Any]) -> Iterator[Finding]:
    """ARO102 for a call that a loop of the scope repeats; ARO101 for the 2nd or later
    runner call along one path (ARO105 when every call on it is async_to_sync)."""
    for record in flow.calls:
        call = scope.call(record)
        if record.loop is not None:
            loop_span = scope.span(record.loop)
            yield Finding(
                "ARO102",
                f"{call.display} inside a loop starts a new event loop on every "
                f"iteration in '{scope.name}' "
                f"(loop at {scope.describe_line(loop_span.line, call.span.line)}); "
                "run the whole loop in one coroutine",
                call.span,
                scope.ref,
                (call,),
                loop=loop_span,
            )
        if record.count >= 2:
            first = scope.call(flow.calls[record.first])
            yield Finding(
                "ARO105" if record.a2s_only else "ARO101",
                f"{call.display} starts {_with_article(_ordinal(record.count))} event loop in "
                f"'{scope.name}' (first at {scope.describe_line(first.span.line, call.span.line)}"
                "); combine the awaits "
                "into one coroutine run once",
                call.span,
                scope.ref,
                (first, call),
            )


def _with_article(ordinal: str) -> str:
    """ "a 2nd", "an 8th", "an 11th", "an 18th", "an 80th", "a 110th": "an" where the
    number is said starting with a vowel (eight…, eleven…, eighteen…).  The number is
    said from its leading group of up to three digits (11,000 is "eleven thousand")."""
    digits = "".join(c for c in ordinal if c.isdigit())
    lead = digits[: len(digits) % 3 or 3]
    vowel = digits.startswith("8") or lead in ("11", "18")
    return f"{'an' if vowel else 'a'} {ordinal}"


def _ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


ARO101 = Rule(
    "ARO101",
    "multiple-event-loops",
    "A synchronous scope runs more than one event loop along one path.",
    "Each asyncio.run() creates and closes an event loop. Resources bound to the "
    "first loop (connection pools, HTTP clients) fail in the next one with "
    "'Event loop is closed' or 'another operation is in progress'. Combine the "
    "awaits into one coroutine and run it once.",
    "sometimes",
    fixer="region",
    reporter=report_paths,
)

ARO102 = Rule(
    "ARO102",
    "event-loop-in-loop",
    "An event loop is started on every iteration of a loop.",
    "A runner call inside a for/while body or a comprehension creates and closes "
    "an event loop per iteration. Move the loop into one coroutine.",
    "sometimes",
    fixer="region",
    reporter=report_paths,
)

ARO105 = Rule(
    "ARO105",
    "repeated-async-to-sync",
    "A synchronous scope calls async_to_sync() more than once along one path.",
    "Outside a running loop, each async_to_sync() call starts and closes an event "
    "loop, so loop-bound resources break between the calls. Combine them.",
    "sometimes",
    fixer="region",
    reporter=report_paths,
)


# --- ARO103: a runner called inside an async def ----------------------------------------

#: The runner's library -> what its call does inside a running loop, and what to do.
_IN_ASYNC: dict[Family, tuple[str, str]] = {
    "asyncio": (
        'raises "RuntimeError: asyncio.run() cannot be called from a running event loop"',
        "await the coroutine instead",
    ),
    "trio": (
        "blocks the running event loop until it finishes",
        "await the async function directly",
    ),
    # On the trio backend it blocks; on asyncio it fails before starting.
    "anyio": (
        "blocks the running event loop until it finishes, or fails at once under asyncio "
        '("Already running asyncio in this thread")',
        "await the async function directly",
    ),
    "custom": (
        "starts a nested event loop, which raises or blocks the running one",
        "await the coroutine instead",
    ),
    "asgiref": (
        'raises "RuntimeError: You cannot use AsyncToSync in the same thread as an async '
        'event loop"',
        "await the async function directly",
    ),
}


@in_scopes("async")
def report_in_async(scope: ScopeView, flow: ScopeFlow[Any]) -> Iterator[Finding]:
    """ARO103: every runner call of an ``async def`` (or of a notebook cell's top level,
    which runs in the kernel's loop), with what it does there."""
    cell = scope.ref.kind == "module"
    where = f"inside async function '{scope.name}'"
    if cell:
        where = "at the top level of a notebook cell (the kernel's event loop is running)"
    elif scope.ref.kind == "class":
        where = f"in the body of class '{scope.name}' (it runs in a running event loop)"
    for record in flow.calls:
        call = scope.call(record)
        effect, advice = _IN_ASYNC[call.family]
        if call.form == "entry":
            advice = "await the coroutine it runs instead"
        elif call.form == "run_until_complete":
            effect = 'raises "RuntimeError: This event loop is already running"'
            advice = "await its argument instead"
        if cell:
            advice += " (top-level 'await' works in a cell)"
        elif scope.ref.kind == "class":
            advice = "move the call into a coroutine and await it there"
        message = f"{call.display} {where} {effect}; {advice}"
        yield Finding("ARO103", message, call.span, scope.ref, (call,))


ARO103 = Rule(
    "ARO103",
    "asyncio-run-in-async",
    "An event-loop runner is called inside an async function.",
    "asyncio.run() raises 'cannot be called from a running event loop' inside a "
    "coroutine; anyio.run() and trio.run() block the running loop. So does a call of "
    "a function that runs one, anywhere in the project. Await instead.",
    "sometimes",
    fixer="await",
    reporter=report_in_async,
)


# --- ARO104: a managed runner and a hand-managed loop in one scope ----------------------


@in_scopes("sync")
def report_mixed_loops(scope: ScopeView, flow: ScopeFlow[Any]) -> Iterator[Finding]:
    """ARO104: each hand-managed loop call (``flow.observed``) that one path of the scope
    makes with a managed runner call (any but trio.run(), which leaves asyncio's loop
    alone), before or after it."""
    for observed in flow.observed:
        if observed.runner is None:
            continue
        runner = scope.call(flow.calls[observed.runner])
        advice = "use one asyncio.run() (or asyncio.Runner) alone"
        if observed.label == _GET_EVENT_LOOP and scope.probes_running_loop(observed.node):
            advice = (
                "to test for a running loop, call asyncio.get_running_loop() instead "
                "(it raises RuntimeError when none runs)"
            )
        span = scope.span(observed.node)
        yield Finding(
            "ARO104",
            f"{observed.label} in '{scope.name}', which also runs {runner.display} "
            f"({scope.describe_line(runner.span.line, span.line)}), mixes a managed event "
            f"loop with a hand-managed one; {advice}",
            span,
            scope.ref,
            (runner,),
        )


_GET_EVENT_LOOP = "asyncio.get_event_loop()"


ARO104 = Rule(
    "ARO104",
    "mixed-loop-management",
    "A scope mixes asyncio.run() with a hand-managed event loop.",
    "After asyncio.run() returns, get_event_loop() raises or returns a different "
    "loop depending on the Python version. Use one style of loop management.",
    "never",
    manual_fix="use one asyncio.run() or asyncio.Runner alone",
    reporter=report_mixed_loops,
)


# --- ARO201: a loop-bound resource in a module global -----------------------------------


@in_module
def report_loop_bound(module: ModuleView) -> Iterator[Finding]:
    """ARO201: every module global caching a loop-bound resource that a coroutine run
    on a fresh event loop reaches: from a synchronous function that starts loops, or
    an RQ job, anywhere in the project.  Module-level runs are no entry point: a
    script runs them once, on one loop."""
    for cached in module.cached_globals():
        for name in cached.names:
            reach = module.reach(name)
            if reach is None:
                continue
            how = (
                "runs as an RQ job on its own event loop"
                if reach.job
                else ("starts a new event loop per call")
            )
            yield Finding(
                "ARO201",
                f"{cached.resource} cached in module global '{name}' is bound to the first "
                f"event loop that uses it, but '{reach.entry}' (line {reach.line}) {how} "
                f"and reaches it ({' → '.join(reach.chain)}); create it inside the "
                "coroutine (async with) or keep one loop per worker",
                cached.span,
                cached.scope,
            )


ARO201 = Rule(
    "ARO201",
    "loop-bound-global",
    "A loop-bound resource cached in a module global is reached from code that starts "
    "new event loops.",
    "Pools and clients bind to the first event loop that uses them. A second task "
    "in the same process runs a new loop and fails with 'another operation is in "
    "progress', 'Event loop is closed' or 'attached to a different loop'. The "
    "task may be in another module than the global.",
    "never",
    manual_fix="create the resource inside the coroutine",
    reporter=report_loop_bound,
    needs_runner=False,
    factory_triggered=True,
)


# --- The registry ------------------------------------------------------------------------

RULES: dict[str, Rule] = {
    rule.code: rule for rule in (ARO101, ARO102, ARO103, ARO104, ARO105, ARO201)
}

#: Codes whose findings the fixer can rewrite (offered as quick fixes, planned by ``fix``).
FIXABLE = frozenset(code for code, rule in RULES.items() if rule.fixer is not None)
#: Codes fixed by rewriting a region of statements (combine or runner style).
REGION_CODES = tuple(code for code, rule in RULES.items() if rule.fixer == "region")


def reporters() -> tuple[Reporter, ...]:
    """Every registered rule's reporter, once each, in registry order.  Read from
    ``RULES`` at each call, so that a rule added to the registry is reported."""
    found = (rule.reporter for rule in RULES.values() if rule.reporter is not None)
    return tuple(dict.fromkeys(found))
