"""The one form every front end reports from, and the fixer's public data.

Positions are 1-based lines and 0-based columns counted in code points (not the UTF-8
bytes that ``ast`` gives).  Every output format converts from this form.

The fix types (``TextEdit``, ``FixPlan``, ``FixOutcome``...) live here rather than in
the fixer so that the output formats and the language server can name them without
importing libcst.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: How a runner call hands its work to the event loop, which decides how the fixer
#: turns it into an ``await``:
#:   coroutine      ``asyncio.run(coro)``            -> ``await coro``
#:   callable       ``anyio.run(fn, *args)``         -> ``await fn(*args)``
#:   async_to_sync  ``async_to_sync(fn)(*args)``     -> ``await fn(*args)``
#:   wrapper        ``run_sync(...)``: a pass-through found in the project, or a
#:                  configured runner
#:   entry          ``notify(uid)``: a function that runs its own coroutine (only a
#:                  call inside ``async def`` is reported; it has no await form)
#:   run_until_complete  ``loop.run_until_complete(x)`` at a notebook's top level
#:                  -> ``await x``, when ``loop`` is the kernel's running loop
CallForm = Literal[
    "coroutine",
    "callable",
    "async_to_sync",
    "a2s_callable",
    "wrapper",
    "entry",
    "run_until_complete",
]

#: The library whose event loop a runner starts.  A configured runner whose library
#: cannot be known is ``"custom"``.
Family = Literal["asyncio", "anyio", "trio", "asgiref", "custom"]


@dataclass(frozen=True, order=True)
class Span:
    line: int
    col: int
    end_line: int
    end_col: int


@dataclass(frozen=True)
class RunnerCall:
    """One call that starts (and closes) an event loop."""

    span: Span
    family: Family
    form: CallForm
    #: What the message calls it: ``asyncio.run()``, ``run_sync() (wraps asyncio.run())``.
    display: str
    #: For a wrapper: True when ``wrapper(x)`` is exactly ``runner(x)``; for
    #: ``loop.run_until_complete(x)``: when ``loop`` is the running loop.  Either way
    #: the fixer may turn the call into ``await x``.
    passthrough: bool = False


@dataclass(frozen=True)
class ScopeRef:
    """The scope a finding belongs to, located by the position of its ``def``/``class``."""

    kind: Literal["module", "function", "async_function", "class"]
    name: str
    #: Position of the ``def``/``class`` keyword line (decorators excluded); 0 for module.
    line: int
    col: int


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    span: Span
    scope: ScopeRef
    #: For ARO101/ARO105: every runner call on the reported path, in order, ending
    #: with the reported one.  For ARO102/ARO103: the reported call alone.
    calls: tuple[RunnerCall, ...] = ()
    #: For ARO102: the ``for``/``while`` statement (or comprehension) that repeats it.
    loop: Span | None = None

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def col(self) -> int:
        return self.span.col

    def sort_key(self) -> tuple[int, int, str]:
        return (self.span.line, self.span.col, self.code)


# Fixes -----------------------------------------------------------------------------------
#: ruff's terms: applied by default, applied only with --unsafe-fixes, or no fix at all.
Applicability = Literal["safe", "unsafe", "none"]
#: combine: one new coroutine run once; runner: ``with asyncio.Runner()``;
#: await: ARO103's ``asyncio.run(x)`` -> ``await x``.
Style = Literal["combine", "runner", "await"]
#: What ``--style`` asks for.
StyleOption = Literal["auto", "combine", "runner"]


@dataclass(frozen=True, order=True)
class TextEdit:
    """Replace the text of ``span`` (code points, exclusive end) with ``replacement``."""

    span: Span
    replacement: str


@dataclass(frozen=True)
class FixPlan:
    #: The findings this fix resolves (or, for "none", the findings left without one).
    findings: tuple[Finding, ...]
    applicability: Applicability
    style: Style | None
    #: Why the fix is unsafe or absent, as one short phrase; None for a safe fix.
    reason: str | None
    title: str
    edits: tuple[TextEdit, ...] = ()
    #: What the user can do to get a fix: "use --unsafe-fixes or --style runner".
    hint: str | None = None

    @property
    def fixable(self) -> bool:
        return self.applicability != "none" and bool(self.edits)

    def applies(self, unsafe: bool) -> bool:
        return self.fixable and (self.applicability == "safe" or unsafe)


@dataclass(frozen=True)
class FixOutcome:
    """What ``fix_text`` did to one file's text."""

    path: str
    source: str
    #: The fixed text; equal to ``source`` when nothing changed.
    text: str
    #: Every plan applied, over all passes.
    applied: tuple[FixPlan, ...] = ()
    #: Selected findings (after noqa) left in the fixed text.
    remaining: tuple[Finding, ...] = ()
    #: For each remaining finding, why it was not fixed (parallel to ``remaining``).
    reasons: tuple[str, ...] = ()
    #: For each remaining finding, what the user can do (may be None).
    hints: tuple[str | None, ...] = ()
    #: The file was not fixed because it does not parse (the SyntaxError message).
    syntax_error: str | None = None
    #: The fix produced code that does not compile; nothing may be written.
    internal_error: str | None = None
    #: Findings before fixing, for reporting.
    initial: tuple[Finding, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return self.text != self.source and self.internal_error is None

    @property
    def fixed_count(self) -> int:
        return sum(len(plan.findings) for plan in self.applied)
