"""The fixer's public data: text edits, fix plans and the outcome of fixing one file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from flake8_asyncio_run.findings import Finding, Span

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
