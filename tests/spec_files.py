"""The ``# error:`` annotations of spec files (tests/rules/ and the multi-module
fixture projects), and the flake8-style report lines every front end prints."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from flake8_asyncio_run.options import AnalysisOptions

#: One expected code, with the column it must be reported at when pinned.
_EXPECTED = r"ARO\d+(?::\d+)?"
_ERROR = re.compile(rf"#\s*error:\s*(?P<codes>{_EXPECTED}(?:\s*,\s*{_EXPECTED})*)\s*$")
_OPTIONS = re.compile(r"^#\s*options:\s*(?P<body>.+)$")
_FLAKE8_LINE = re.compile(
    r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) (?P<msg>.*)$"
)

#: (line, 1-based column, code, message): what every front end reports.
Report = tuple[int, int, str, str]


@dataclass(frozen=True)
class RuleFile:
    path: Path
    expected: frozenset[tuple[int, str]]
    options: tuple[tuple[str, tuple[str, ...]], ...]
    #: ((line, code), 1-based column) for the annotations that pin one.
    columns: tuple[tuple[tuple[int, str], int], ...] = ()

    @property
    def analysis_options(self) -> AnalysisOptions:
        values = dict(self.options)
        return AnalysisOptions(
            values.get("asyncio-runners", ()), values.get("loop-bound-factories", ())
        )

    @property
    def flags(self) -> list[str]:
        return [f"--{key}={','.join(names)}" for key, names in self.options]


def parse_rule_file(path: Path) -> RuleFile:
    expected: set[tuple[int, str]] = set()
    columns: dict[tuple[int, str], int] = {}
    options: list[tuple[str, tuple[str, ...]]] = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        match = _ERROR.search(line)
        if match:
            for item in match.group("codes").split(","):
                code, _, column = item.strip().partition(":")
                expected.add((number, code))
                if column:
                    columns[(number, code)] = int(column)
        option = _OPTIONS.match(line)
        if option and number <= 5:
            for part in option.group("body").split(";"):
                key, _, value = part.partition("=")
                names = tuple(n.strip() for n in value.split(",") if n.strip())
                options.append((key.strip(), names))
    return RuleFile(path, frozenset(expected), tuple(options), tuple(sorted(columns.items())))


def _parse_reports(output: str) -> dict[str, set[Report]]:
    reports: dict[str, set[Report]] = defaultdict(set)
    for line in output.splitlines():
        match = _FLAKE8_LINE.match(line)
        assert match, f"unexpected output line: {line!r}"
        reports[str(Path(match["path"]).resolve())].add(
            (int(match["line"]), int(match["col"]), match["code"], match["msg"])
        )
    return reports
