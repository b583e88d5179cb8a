"""The annotated rule files under tests/rules/ are the specification of every rule.

A line that must be reported ends with ``# error: ARO101`` (several codes
comma-separated); every other line of the file must not be reported.  A file may start
with ``# options: asyncio-runners=a.b,c.d; loop-bound-factories=x.y`` to run with
options, which the harness passes to every front end.

Each file is checked three ways, and all three must agree exactly:

* the analysis API (``analyze_source``);
* flake8 with the installed plugin, in a subprocess (``flake8 --select ARO``);
* the ``flake8-asyncio-run check`` command, in a subprocess.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from flake8_asyncio_run.analysis import analyze_source
from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.rules import RULES

RULES_DIR = Path(__file__).parent / "rules"
RULE_FILES = sorted(RULES_DIR.glob("*.py"))

_ERROR = re.compile(r"#\s*error:\s*(?P<codes>ARO\d+(?:\s*,\s*ARO\d+)*)\s*$")
_OPTIONS = re.compile(r"^#\s*options:\s*(?P<body>.+)$")
_FLAKE8_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) (?P<msg>.*)$")

#: (line, 1-based column, code, message): what every front end reports.
Report = tuple[int, int, str, str]


@dataclass(frozen=True)
class RuleFile:
    path: Path
    expected: frozenset[tuple[int, str]]
    options: tuple[tuple[str, tuple[str, ...]], ...]

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
    options: list[tuple[str, tuple[str, ...]]] = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        match = _ERROR.search(line)
        if match:
            for code in match.group("codes").split(","):
                expected.add((number, code.strip()))
        option = _OPTIONS.match(line)
        if option and number <= 5:
            for part in option.group("body").split(";"):
                key, _, value = part.partition("=")
                names = tuple(n.strip() for n in value.split(",") if n.strip())
                options.append((key.strip(), names))
    return RuleFile(path, frozenset(expected), tuple(options))


def _parse_reports(output: str) -> dict[str, set[Report]]:
    reports: dict[str, set[Report]] = defaultdict(set)
    for line in output.splitlines():
        match = _FLAKE8_LINE.match(line)
        assert match, f"unexpected output line: {line!r}"
        reports[str(Path(match["path"]).resolve())].add(
            (int(match["line"]), int(match["col"]), match["code"], match["msg"])
        )
    return reports


def _groups() -> dict[tuple[str, ...], list[Path]]:
    groups: dict[tuple[str, ...], list[Path]] = defaultdict(list)
    for path in RULE_FILES:
        groups[tuple(parse_rule_file(path).flags)].append(path)
    return groups


@cache
def flake8_reports(tmp: str) -> dict[str, set[Report]]:
    """One flake8 run per option set, from an empty directory (no config files)."""
    reports: dict[str, set[Report]] = {}
    for flags, paths in _groups().items():
        result = subprocess.run(
            [sys.executable, "-m", "flake8", "--isolated", "--select", "ARO", *flags,
             *(str(p) for p in paths)],
            cwd=tmp, capture_output=True, text=True, encoding="utf-8", check=False,
        )
        assert result.returncode in (0, 1), result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        reports.update(_parse_reports(result.stdout))
    return reports


@cache
def check_reports(tmp: str) -> dict[str, set[Report]]:
    """One ``flake8-asyncio-run check`` run per option set."""
    reports: dict[str, set[Report]] = {}
    for flags, paths in _groups().items():
        result = subprocess.run(
            [sys.executable, "-m", "flake8_asyncio_run", "check", "--isolated", *flags,
             *(str(p) for p in paths)],
            cwd=tmp, capture_output=True, text=True, encoding="utf-8", check=False,
        )
        assert result.returncode in (0, 1), result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        reports.update(_parse_reports(result.stdout))
    return reports


@pytest.fixture(scope="module")
def empty_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("empty"))


def api_reports(rule_file: RuleFile) -> set[Report]:
    analysis = analyze_source(
        rule_file.path.read_text("utf-8"), str(rule_file.path), rule_file.analysis_options
    )
    return {(f.span.line, f.span.col + 1, f.code, f.message) for f in analysis.findings}


def _describe(missing: set[tuple[int, str]], extra: set[tuple[int, str]]) -> str:
    parts = []
    if missing:
        parts.append("not reported: " + ", ".join(f"{line}:{code}" for line, code in sorted(missing)))
    if extra:
        parts.append("reported but not annotated: " + ", ".join(f"{line}:{code}" for line, code in sorted(extra)))
    return "; ".join(parts)


def test_rule_files_exist() -> None:
    assert len(RULE_FILES) >= 9
    annotated = set()
    for path in RULE_FILES:
        annotated |= {code for _, code in parse_rule_file(path).expected}
    assert annotated == set(RULES), "every rule needs annotated positives"


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.name for p in RULE_FILES])
def test_analysis_api(path: Path) -> None:
    rule_file = parse_rule_file(path)
    found = {(line, code) for line, _, code, _ in api_reports(rule_file)}
    assert found == rule_file.expected, _describe(rule_file.expected - found, found - rule_file.expected)


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.name for p in RULE_FILES])
def test_flake8_plugin(path: Path, empty_dir: str) -> None:
    rule_file = parse_rule_file(path)
    reports = flake8_reports(empty_dir).get(str(path.resolve()), set())
    found = {(line, code) for line, _, code, _ in reports}
    assert found == rule_file.expected, _describe(rule_file.expected - found, found - rule_file.expected)


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.name for p in RULE_FILES])
def test_check_command(path: Path, empty_dir: str) -> None:
    rule_file = parse_rule_file(path)
    reports = check_reports(empty_dir).get(str(path.resolve()), set())
    found = {(line, code) for line, _, code, _ in reports}
    assert found == rule_file.expected, _describe(rule_file.expected - found, found - rule_file.expected)


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.name for p in RULE_FILES])
def test_front_ends_identical(path: Path, empty_dir: str) -> None:
    """Line, column, code and message are the same through every front end."""
    rule_file = parse_rule_file(path)
    api = api_reports(rule_file)
    key = str(path.resolve())
    assert flake8_reports(empty_dir).get(key, set()) == api
    assert check_reports(empty_dir).get(key, set()) == api


def test_harness_reads_annotations(tmp_path: Path) -> None:
    """The harness itself: annotations and option headers are parsed as documented."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "# options: asyncio-runners=a.b, c.d; loop-bound-factories=x.y\n"
        "x = 1  # error: ARO101, ARO102\n"
        "y = 2  # error: not-a-code\n",
        "utf-8",
    )
    parsed = parse_rule_file(sample)
    assert parsed.expected == {(2, "ARO101"), (2, "ARO102")}
    assert parsed.analysis_options == AnalysisOptions(("a.b", "c.d"), ("x.y",))
    assert parsed.flags == ["--asyncio-runners=a.b,c.d", "--loop-bound-factories=x.y"]
