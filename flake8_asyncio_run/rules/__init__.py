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

The rules live in one module per family (``paths``: ARO101/ARO102/ARO105, ``in_async``:
ARO103, ``mixed``: ARO104, ``reentrant``: ARO106, ``loop_bound``: ARO201), on what
``base`` declares; this module is the registry, and what every front end imports.
"""

from __future__ import annotations

from flake8_asyncio_run.rules.base import (
    DOCS_BASE,
    CachedGlobal,
    FixAvailability,
    Fixer,
    ModuleReport,
    ModuleReporter,
    ModuleView,
    NamedCall,
    Reporter,
    Rule,
    ScopeReport,
    ScopeReporter,
    ScopeView,
    Severity,
    in_module,
    in_scopes,
)
from flake8_asyncio_run.rules.in_async import ARO103
from flake8_asyncio_run.rules.loop_bound import ARO201
from flake8_asyncio_run.rules.mixed import ARO104
from flake8_asyncio_run.rules.paths import ARO101, ARO102, ARO105
from flake8_asyncio_run.rules.reentrant import ARO106

# --- The registry ------------------------------------------------------------------------

RULES: dict[str, Rule] = {
    rule.code: rule for rule in (ARO101, ARO102, ARO103, ARO104, ARO105, ARO106, ARO201)
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


__all__ = [
    "ARO101",
    "ARO102",
    "ARO103",
    "ARO104",
    "ARO105",
    "ARO106",
    "ARO201",
    "DOCS_BASE",
    "FIXABLE",
    "REGION_CODES",
    "RULES",
    "CachedGlobal",
    "FixAvailability",
    "Fixer",
    "ModuleReport",
    "ModuleReporter",
    "ModuleView",
    "NamedCall",
    "Reporter",
    "Rule",
    "ScopeReport",
    "ScopeReporter",
    "ScopeView",
    "Severity",
    "in_module",
    "in_scopes",
]
