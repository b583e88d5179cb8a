"""ARO104: a managed runner and a hand-managed loop in one scope."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flake8_asyncio_run.findings import Finding
from flake8_asyncio_run.flow import ScopeFlow
from flake8_asyncio_run.rules.base import Rule, ScopeView, in_scopes


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
    severity="major",
    reporter=report_mixed_loops,
)
