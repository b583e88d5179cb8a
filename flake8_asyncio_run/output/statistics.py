"""Counts by code: ``--statistics`` (one row per code) and ``fix --show-fixes`` (the fixes
of each file, by code).

Rows are sorted as ruff sorts its statistics: by count, largest first, then by code.
The fixable mark has one of two sources, and a row says which (``fixed``):

- ``check``: the rule's declaration (``rules.FIXABLE``): ``[*]`` when ``fix`` has a
  rewrite for the rule.  Whether each finding gets one is known only by planning its
  fix with libcst, which ``check`` does not load for the text format; ``fixed`` is None.
- ``fix --diff``: this run's fixes, which it has already planned: ``fixed`` counts the
  findings they resolve; ``[*]`` all of the code's findings, ``[~]`` some, ``[ ]`` none.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flake8_asyncio_run.findings import FixOutcome
from flake8_asyncio_run.output.color import PLAIN, Palette
from flake8_asyncio_run.output.report import rule_name
from flake8_asyncio_run.rules import FIXABLE

#: The formats ``--statistics`` prints in; any other is a usage error.
STATISTICS_FORMATS = ("text", "json")


@dataclass(frozen=True)
class Statistic:
    code: str
    name: str
    count: int
    #: check: the rule declares a fix; fix --diff: every finding of the code is fixed.
    fixable: bool
    #: fix --diff: how many of the ``count`` findings this run's fixes resolve.
    fixed: int | None = None

    @property
    def mark(self) -> str:
        if self.fixable:
            return "[*]"
        return "[~]" if self.fixed else "[ ]"

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "count": self.count,
            "fixable": self.fixable,
            "fixed": self.fixed,
        }


def ranked(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """Codes with their counts, most frequent first, ties by code."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def code_statistics(
    codes: Iterable[str], fixed: Mapping[str, int] | None = None
) -> list[Statistic]:
    """One row per code of ``codes`` (one code per finding).  ``fixed``: how many of
    each code this run fixes (``fix --diff``); None marks by the rules' declarations."""
    rows = []
    for code, count in ranked(Counter(codes)):
        if fixed is None:
            rows.append(Statistic(code, rule_name(code), count, code in FIXABLE))
        else:
            done = min(fixed.get(code, 0), count)
            rows.append(Statistic(code, rule_name(code), count, done == count, done))
    return rows


def fixed_codes(outcome: FixOutcome) -> Counter[str]:
    """The findings each applied fix of ``outcome`` resolves, by code (none when the
    fixed text failed its check and nothing may be written)."""
    if outcome.internal_error is not None:
        return Counter()
    return Counter(f.code for plan in outcome.applied for f in plan.findings)


def render_statistics(rows: list[Statistic], output_format: str, palette: Palette = PLAIN) -> str:
    """``count<TAB>code<TAB>mark name`` lines, the counts and codes aligned; or, for
    ``json``, a list of objects (``[]`` when there is nothing to count)."""
    if output_format == "json":
        return json.dumps([row.to_json() for row in rows], indent=2, ensure_ascii=False) + "\n"
    if not rows:
        return ""
    count_width = max(len(str(row.count)) for row in rows)
    code_width = max(len(row.code) for row in rows)
    return "".join(
        f"{palette.count(str(row.count).rjust(count_width))}\t"
        f"{palette.code(row.code.ljust(code_width))}\t"
        f"{palette.mark(row.mark)} {row.name}\n"
        for row in rows
    )


def render_applied(by_file: Mapping[str, Counter[str]], diff: bool, palette: Palette) -> str:
    """``fix --show-fixes``: for each file with fixes, by path, its codes with how many
    findings their fixes resolved (``--diff``: would resolve)."""
    verb = "Would fix" if diff else "Fixed"
    lines: list[str] = []
    for path in sorted(p for p, codes in by_file.items() if codes):
        lines.append(f"{verb} {palette.path(path)}:")
        codes = ranked(by_file[path])
        width = max(len(str(count)) for _, count in codes)
        lines.extend(
            f"    {str(count).rjust(width)}  {palette.code(code)}  {rule_name(code)}"
            for code, count in codes
        )
    return "".join(f"{line}\n" for line in lines)
