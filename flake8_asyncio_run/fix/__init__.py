"""The libcst fixer.  Detect once, rewrite by position: the plans come from the one
analysis's findings; this package never decides what is a finding.

    plans = plan_fixes(text, analysis, findings, style="auto", target=(3, 11))
    new_text = apply_plans(text, plans, unsafe=False)
    outcome = fix_text(text, path, settings)      # the whole pipeline for one file
    plans = plan_result(result, settings, target)  # plans for a checker FileResult

The data types live in ``flake8_asyncio_run.findings`` (importable without libcst) and
are re-exported here.
"""

from __future__ import annotations

from flake8_asyncio_run.analysis import analyze_source
from flake8_asyncio_run.checker import FileResult
from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.findings import (
    Applicability,
    FixOutcome,
    FixPlan,
    Style,
    StyleOption,
    TextEdit,
)
from flake8_asyncio_run.fix.pipeline import apply_plans, fix_text
from flake8_asyncio_run.fix.planner import plan_fixes
from flake8_asyncio_run.selection import SYNTAX_ERROR

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
    "plan_result",
]


def plan_result(
    result: FileResult, settings: Settings | None, target: tuple[int, int], style: str = "auto"
) -> list[FixPlan]:
    """The plans for one checked file (empty when it has nothing to fix): what the
    machine formats attach to findings and the language server offers."""
    fixable = [f for f in result.findings if f.code != SYNTAX_ERROR]
    if not fixable or result.source is None:
        return []
    analysis = result.analysis
    in_notebook = result.source.notebook is not None
    if analysis is None or not analysis.findings:
        # Parallel checking drops the analysis to keep results small: analyse again.
        options = settings.analysis if settings else None
        projects = result.projects
        context = projects.context(result.path, False) if projects is not None else None
        text = result.source.text
        analysis = analyze_source(text, result.path, options, context, in_notebook)
    return plan_fixes(
        result.source.text,
        analysis,
        fixable,
        style=style,
        target=target,
        path=result.path,
        in_notebook=in_notebook,
    )
