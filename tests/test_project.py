"""Project-level promises: every rule is documented, changelogged and tested; the wheel
ships only the package; the flake8 plugin never imports libcst; the bundled examples
show every rule; our own linter is clean on our own code."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from flake8_asyncio_run.rules import RULES

ROOT = Path(__file__).resolve().parent.parent
RULE_DOCS = ROOT / "docs" / "rules"
RULE_TESTS = ROOT / "tests" / "rules"
EXAMPLES = ROOT / "examples"
#: ``# error: ARO101`` or ``# error: ARO101:5, ARO102`` (see tests/test_rules.py).
_ANNOTATION = re.compile(
    r"#\s*error:\s*(?P<codes>ARO\d+(?::\d+)?(?:\s*,\s*ARO\d+(?::\d+)?)*)\s*$", re.M
)
#: The sections every rule page has, in this order (ruff's shape).
SECTIONS = (
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## Fix safety",
    "## Known limitations",
)


def annotated_codes() -> set[str]:
    codes: set[str] = set()
    for path in RULE_TESTS.glob("*.py"):
        for match in _ANNOTATION.finditer(path.read_text("utf-8")):
            codes.update(item.split(":")[0].strip() for item in match["codes"].split(","))
    return codes


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_has_a_docs_page(code: str) -> None:
    page = RULE_DOCS / f"{code}.md"
    assert page.is_file(), f"docs/rules/{code}.md is missing"
    text = page.read_text("utf-8")
    rule = RULES[code]
    first = text.splitlines()[0]
    assert first.startswith("# ") and code in first and rule.name in first
    if rule.status == "removed":
        assert "removed" in text.lower()
        return
    positions = [text.find(section) for section in SECTIONS]
    assert all(p >= 0 for p in positions), f"{code}.md lacks one of {SECTIONS}"
    assert positions == sorted(positions), f"{code}.md sections out of order"
    assert "```python" in text


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_is_in_the_changelog(code: str) -> None:
    changelog = ROOT / "CHANGELOG.md"
    assert changelog.is_file()
    assert code in changelog.read_text("utf-8"), f"CHANGELOG.md never mentions {code}"


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_has_annotated_tests(code: str) -> None:
    assert code in annotated_codes(), f"no file under tests/rules/ annotates {code}"


#: A row of the table in docs/rules/index.md: | [CODE](CODE.md) | name | summary | fix |
_INDEX_ROW = re.compile(
    r"^\| \[(?P<code>[A-Z]+\d+)\]\((?P<page>[A-Z]+\d+)\.md\) \| (?P<name>[^|]+?) \| "
    r"(?P<summary>[^|]+?) \| (?P<fix>[^|]+?) \|$",
    re.M,
)


def test_rule_index_rows_are_the_registry_rows() -> None:
    """The index table says, word for word, what the registry says: code, name, summary
    and fix availability, in registry order.  (Markdown code marks are formatting: the
    table's `asyncio.run()` is the row's asyncio.run().)"""
    index = (RULE_DOCS / "index.md").read_text("utf-8")
    table = [
        (m["code"], m["page"], m["name"], m["summary"].replace("`", ""), m["fix"])
        for m in _INDEX_ROW.finditer(index)
    ]
    registry = [(r.code, r.code, r.name, r.summary, r.fix) for r in RULES.values()]
    assert table == registry


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_fix_availability_matches_its_fixer(code: str) -> None:
    """fix == "never" exactly when no planner path fixes it; then the rule says what to
    do by hand instead."""
    rule = RULES[code]
    assert (rule.fix == "never") == (rule.fixer is None)
    assert (rule.manual_fix is not None) == (rule.fixer is None)


def test_rule_index_states_the_stability_policy() -> None:
    index = (RULE_DOCS / "index.md").read_text("utf-8").lower()
    assert "never reused" in index and "renumbered" in index and "removed" in index


#: The first line of a block that is one file of a multi-module example: ``# app/db.py``.
_FILE_HEADER = re.compile(r"# (?P<path>[\w/]+\.py)\n")


def _first_block(text: str, heading: str) -> str:
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, f"no python block under {heading!r}"
    return match.group(1)


def _example_codes(text: str, heading: str, where: Path) -> list[str]:
    """The codes reported for a section's example: its first python block, or, when
    that block starts with a file name (``# app/db.py``), the consecutive blocks that
    do, as one project (every module seeing the others, as ``check`` does)."""
    from flake8_asyncio_run.analysis import analyze_source

    first = _first_block(text, heading)
    if not _FILE_HEADER.match(first):
        return [f.code for f in analyze_source(first).findings]
    from flake8_asyncio_run.options import AnalysisOptions
    from flake8_asyncio_run.project.registry import Projects

    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    files: list[Path] = []
    for block in re.findall(r"```python\n(.*?)```", section, re.S):
        header = _FILE_HEADER.match(block)
        if header is None:
            break
        path = where / header["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(block, "utf-8")
        files.append(path)
    (where / "pyproject.toml").write_text("", "utf-8")
    for directory in {p.parent for p in files} - {where}:
        (directory / "__init__.py").touch()
    projects = Projects(AnalysisOptions(), (), [str(p) for p in files], use_cache=False)
    return [
        f.code
        for p in files
        for f in analyze_source(
            p.read_text("utf-8"), str(p), context=projects.context(str(p))
        ).findings
    ]


@pytest.mark.parametrize("code", sorted(RULES))
def test_docs_examples_are_what_the_rule_reports(code: str, tmp_path: Path) -> None:
    """The page's "Example" is reported under its code; "Use instead" is clean of it.
    An example of several modules is checked as a project of its own."""
    text = (RULE_DOCS / f"{code}.md").read_text("utf-8")
    assert code in _example_codes(text, "## Example", tmp_path / "example")
    assert _example_codes(text, "## Use instead", tmp_path / "use_instead") == []


# --- Examples -----------------------------------------------------------------------------


def test_examples_show_every_rule() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", "check", "--isolated", "examples"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    codes = {line.split(": ")[1].split()[0] for line in result.stdout.splitlines()}
    assert codes == set(RULES)
    assert "clean.py" not in result.stdout


def test_examples_compile() -> None:
    for path in EXAMPLES.glob("*.py"):
        compile(path.read_text("utf-8"), str(path), "exec")


# --- Packaging ----------------------------------------------------------------------------


@pytest.mark.slow
def test_wheel_ships_only_the_package(built_wheel: Path) -> None:
    wheel = built_wheel
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert "flake8_asyncio_run" in tops
    assert "flake8_asyncio_run/plugin.py" in names
    assert "flake8_asyncio_run/py.typed" in names
    for unwanted in ("reference_worker", "tests", "bench", "examples", "docs"):
        assert unwanted not in tops, f"{unwanted}/ is in the wheel"
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "ARO = flake8_asyncio_run.plugin:Plugin" in text
    assert "flake8-asyncio-run = flake8_asyncio_run.cli:main" in text


# --- The plugin stays cheap -------------------------------------------------------------------

_NO_LIBCST = """
import ast, sys
import flake8_asyncio_run.plugin as plugin
source = "import asyncio\\ndef f():\\n    asyncio.run(a())\\n    asyncio.run(b())\\n"
found = list(plugin.Plugin(ast.parse(source), source.splitlines(True)).run())
assert len(found) == 1, found
bad = sorted(m for m in sys.modules if m == "libcst" or m.startswith("libcst."))
print(",".join(bad))
"""


def test_plugin_never_imports_libcst() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _NO_LIBCST], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"the plugin imported {result.stdout.strip()}"


_LIBCST_IMPORTERS = """
import builtins, sys
culprits = []
original = builtins.__import__

def watch(name, globals=None, locals=None, fromlist=(), level=0):
    importer = (globals or {}).get("__name__") or ""
    if importer.startswith("flake8_asyncio_run") and name.split(".")[0] == "libcst":
        culprits.append(importer)
    return original(name, globals, locals, fromlist, level)

builtins.__import__ = watch
PRELOAD
from flake8.main.cli import main
try:
    main(["--isolated", "--select", "ARO", "-j", "1", "tasks.py"])
except SystemExit:
    pass
ours = [m for m in sys.modules if m.startswith("flake8_asyncio_run.fix")]
print("LIBCST" if culprits or ours else "CLEAN", file=sys.stderr)
"""


def test_flake8_run_never_imports_libcst_through_us(tmp_path: Path) -> None:
    """A whole flake8 run: other plugins (flake8-async) may import libcst; we must not."""
    (tmp_path / "tasks.py").write_text(
        "import asyncio\ndef f():\n    asyncio.run(a())\n    asyncio.run(b())\n", "utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-c", _LIBCST_IMPORTERS.replace("PRELOAD", "")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "ARO101" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == "CLEAN"
    # The watch itself works: importing our fixer is caught.
    caught = subprocess.run(
        [
            sys.executable,
            "-c",
            _LIBCST_IMPORTERS.replace("PRELOAD", "import flake8_asyncio_run.fix"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert caught.stderr.strip().splitlines()[-1] == "LIBCST"


# --- Dogfooding -------------------------------------------------------------------------------


def test_our_linter_is_clean_on_our_code() -> None:
    result = subprocess.run(
        ["flake8-asyncio-run", "check", "flake8_asyncio_run", "reference_worker"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


@pytest.mark.slow
def test_flake8_with_our_plugin_is_clean_on_our_code() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flake8",
            "--select",
            "ARO",
            "flake8_asyncio_run",
            "reference_worker",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
