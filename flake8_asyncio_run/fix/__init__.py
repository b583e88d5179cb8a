"""The libcst fixer.  Detect once, rewrite by position: the plans come from the one
analysis's findings; this package never decides what is a finding.

    plans = plan_fixes(text, analysis, findings, style="auto", target=(3, 11))
    new_text = apply_plans(text, plans, unsafe=False)
    outcome = fix_text(text, path, settings)      # the whole pipeline for one file
"""

from __future__ import annotations

from flake8_asyncio_run.fix.edits import apply_plans
from flake8_asyncio_run.fix.model import (
    Applicability,
    FixOutcome,
    FixPlan,
    Style,
    StyleOption,
    TextEdit,
)
from flake8_asyncio_run.fix.pipeline import fix_text
from flake8_asyncio_run.fix.planner import plan_fixes

__all__ = [
    "Applicability",
    "FixOutcome",
    "FixPlan",
    "Style",
    "StyleOption",
    "TextEdit",
    "apply_plans",
    "fix_text",
    "plan_fixes",
]
