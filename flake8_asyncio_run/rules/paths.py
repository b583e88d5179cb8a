"""ARO101, ARO102, ARO105: runner calls along one synchronous scope's paths."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flake8_asyncio_run.findings import Finding
from flake8_asyncio_run.flow import ScopeFlow
from flake8_asyncio_run.rules.base import Rule, ScopeView, in_scopes


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
    severity="major",
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
    severity="major",
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
    severity="major",
    reporter=report_paths,
)
