"""The rule registry: every code we ship, with the metadata each output format needs.

Stability policy: a code is never reused or renumbered.  A removed rule stays here with
``status="removed"`` and keeps its docs page, marked removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DOCS_BASE = "https://github.com/flake8-asyncio-run/flake8-asyncio-run/blob/main/docs/rules/"

#: ruff's terms: what ``fix`` can do for a finding of this rule.
FixAvailability = Literal["sometimes", "always", "never"]
#: Which planner path fixes a rule's findings: "region" rewrites the statements between
#: the calls (combine or runner style); "await" turns one runner call into ``await``.
Fixer = Literal["region", "await"]


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

    @property
    def docs_url(self) -> str:
        return f"{DOCS_BASE}{self.code}.md"


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            "ARO101",
            "multiple-event-loops",
            "A synchronous scope runs more than one event loop along one path.",
            "Each asyncio.run() creates and closes an event loop. Resources bound to the "
            "first loop (connection pools, HTTP clients) fail in the next one with "
            "'Event loop is closed' or 'another operation is in progress'. Combine the "
            "awaits into one coroutine and run it once.",
            "sometimes",
            fixer="region",
        ),
        Rule(
            "ARO102",
            "event-loop-in-loop",
            "An event loop is started on every iteration of a loop.",
            "A runner call inside a for/while body or a comprehension creates and closes "
            "an event loop per iteration. Move the loop into one coroutine.",
            "sometimes",
            fixer="region",
        ),
        Rule(
            "ARO103",
            "asyncio-run-in-async",
            "An event-loop runner is called inside an async function.",
            "asyncio.run() raises 'cannot be called from a running event loop' inside a "
            "coroutine; anyio.run() and trio.run() block the running loop. Await instead.",
            "sometimes",
            fixer="await",
        ),
        Rule(
            "ARO104",
            "mixed-loop-management",
            "A scope mixes asyncio.run() with a hand-managed event loop.",
            "After asyncio.run() returns, get_event_loop() raises or returns a different "
            "loop depending on the Python version. Use one style of loop management.",
            "never",
            manual_fix="use one asyncio.run() or asyncio.Runner alone",
        ),
        Rule(
            "ARO105",
            "repeated-async-to-sync",
            "A synchronous scope calls async_to_sync() more than once along one path.",
            "Outside a running loop, each async_to_sync() call starts and closes an event "
            "loop, so loop-bound resources break between the calls. Combine them.",
            "sometimes",
            fixer="region",
        ),
        Rule(
            "ARO201",
            "loop-bound-global",
            "A loop-bound resource is cached in a module global of a module that starts "
            "new event loops.",
            "Pools and clients bind to the first event loop that uses them. A second task "
            "in the same process runs a new loop and fails with 'another operation is in "
            "progress', 'Event loop is closed' or 'attached to a different loop'.",
            "never",
            manual_fix="create the resource inside the coroutine",
        ),
    )
}

#: Codes whose findings the fixer can rewrite (offered as quick fixes, planned by ``fix``).
FIXABLE = frozenset(code for code, rule in RULES.items() if rule.fixer is not None)
#: Codes fixed by rewriting a region of statements (combine or runner style).
REGION_CODES = tuple(code for code, rule in RULES.items() if rule.fixer == "region")
