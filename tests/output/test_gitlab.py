"""The gitlab format (GitLab Code Quality) through the command line: GitLab's schema and
documented fields, fingerprints that survive re-runs and unrelated edits, each rule's
severity, notebook findings on the lines of the notebook's file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cli_helpers import cli

from flake8_asyncio_run.notebook.jsontext import read_json, source_line_offsets
from flake8_asyncio_run.rules import RULES

SCHEMAS = Path(__file__).parent / "schemas"
#: GitLab's own schema of one issue (see schemas/README.md).
GITLAB_ISSUE = json.loads((SCHEMAS / "gitlab-codequality.json").read_text(encoding="utf-8"))
#: Ours: what GitLab's documentation requires of each issue (its "Code Quality report
#: format" table) and what Code Climate's spec requires (type, categories).
DOCUMENTED: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": [
            "type",
            "check_name",
            "description",
            "categories",
            "severity",
            "fingerprint",
            "location",
        ],
        "properties": {
            "type": {"const": "issue"},
            "check_name": {"type": "string", "minLength": 1},
            "description": {"type": "string", "minLength": 1},
            "categories": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "enum": [
                        "Bug Risk",
                        "Clarity",
                        "Compatibility",
                        "Complexity",
                        "Duplication",
                        "Performance",
                        "Security",
                        "Style",
                    ]
                },
            },
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1, "not": {"pattern": "^(/|\\./)"}},
                    "lines": {
                        "type": "object",
                        "required": ["begin", "end"],
                        "properties": {
                            "begin": {"type": "integer", "minimum": 1},
                            "end": {"type": "integer", "minimum": 1},
                        },
                    },
                },
            },
        },
    },
}

TASKS = """\
import asyncio


def job():
    a = asyncio.run(one())
    b = asyncio.run(two(a))
    return b


async def handler():
    return asyncio.run(three())
"""
#: A second ARO101, in another function: a finding unrelated to those of TASKS.
OTHER_JOB = """

def other_job():
    asyncio.run(four())
    asyncio.run(five())
"""


def validate(issues: Any) -> None:
    jsonschema.Draft202012Validator(DOCUMENTED).validate(issues)
    for issue in issues:
        jsonschema.Draft7Validator(GITLAB_ISSUE).validate(issue)
        assert issue["location"]["lines"]["begin"] <= issue["location"]["lines"]["end"]


def gitlab(cwd: Path, *args: str, command: str = "check", code: int = 1) -> list[dict[str, Any]]:
    done = cli(cwd, command, *args, "--output-format", "gitlab", ".")
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    assert "\x1b" not in done.stdout  # never coloured
    issues = json.loads(done.stdout)
    validate(issues)
    return issues


def prints(issues: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """(path, code and description) -> fingerprint: the findings by what they say."""
    return {
        (i["location"]["path"], i["check_name"] + i["description"]): i["fingerprint"]
        for i in issues
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n', encoding="utf-8")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "tasks.py").write_text(TASKS, encoding="utf-8")
    (tmp_path / "clean.py").write_text("print('hello')\n", encoding="utf-8")
    return tmp_path


def test_the_report_gitlab_reads(project: Path) -> None:
    issues = gitlab(project)
    assert [
        (i["check_name"], i["severity"], i["location"]["path"], i["location"]["lines"])
        for i in issues
    ] == [
        ("ARO101", "major", "pkg/tasks.py", {"begin": 6, "end": 6}),
        ("ARO103", "critical", "pkg/tasks.py", {"begin": 11, "end": 11}),
    ]
    first = issues[0]
    assert first["type"] == "issue" and first["categories"] == ["Bug Risk"]
    assert first["description"].startswith("ARO101: asyncio.run() starts a 2nd event loop")
    assert RULES["ARO101"].docs_url in first["content"]["body"]
    # Nothing of the clean file, and no columns (GitLab's lines only).
    assert all("positions" not in i["location"] for i in issues)
    assert all(i["location"]["path"] != "clean.py" for i in issues)


def test_a_clean_tree_is_an_empty_array(tmp_path: Path) -> None:
    (tmp_path / "clean.py").write_text("print('hello')\n", encoding="utf-8")
    done = cli(tmp_path, "check", "--output-format", "gitlab", ".")
    assert (done.returncode, done.stdout) == (0, "[]\n")


def test_fingerprints_survive_a_rerun_and_lines_added_above(project: Path) -> None:
    before = gitlab(project)
    assert gitlab(project) == before
    tasks = project / "pkg" / "tasks.py"
    tasks.write_text('"""Tasks."""\n\nimport os\n' + TASKS, encoding="utf-8")
    after = gitlab(project)
    assert [i["location"]["lines"]["begin"] for i in after] == [9, 14]  # the lines moved
    assert [i["fingerprint"] for i in after] == [i["fingerprint"] for i in before]


def test_fingerprints_survive_an_unrelated_finding(project: Path) -> None:
    before = prints(gitlab(project))
    tasks = project / "pkg" / "tasks.py"
    tasks.write_text(TASKS.replace("\n\nasync def", OTHER_JOB + "\n\nasync def"), encoding="utf-8")
    (project / "pkg" / "more.py").write_text("import asyncio\n" + OTHER_JOB, encoding="utf-8")
    after = gitlab(project)
    assert len(after) == 4
    kept = {key: value for key, value in prints(after).items() if key in before}
    assert kept == before  # every old finding keeps its fingerprint
    new = {i["fingerprint"] for i in after} - set(before.values())
    assert len(new) == 2  # the new ones get new fingerprints, one per file


def test_fingerprints_change_with_the_finding(project: Path) -> None:
    before = gitlab(project)
    tasks = project / "pkg" / "tasks.py"
    tasks.write_text(TASKS.replace("three()", "four()"), encoding="utf-8")
    after = gitlab(project)
    assert after[0]["fingerprint"] == before[0]["fingerprint"]
    assert after[1]["fingerprint"] != before[1]["fingerprint"]  # another call is flagged
    (project / "pkg" / "copy.py").write_text(TASKS, encoding="utf-8")
    copied = gitlab(project)
    assert len({i["fingerprint"] for i in copied}) == len(copied) == 4  # another path


def test_identical_findings_in_one_scope_are_told_apart(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    source = "import asyncio\n\n\nasync def handler():\n" + "    asyncio.run(three())\n" * 3
    (tmp_path / "views.py").write_text(source, encoding="utf-8")
    issues = gitlab(tmp_path)
    assert [i["check_name"] for i in issues] == ["ARO103"] * 3
    assert len({i["fingerprint"] for i in issues}) == 3
    # Reformatting the call (a formatter's line breaks and spaces) changes nothing.
    for reformatted in ("asyncio.run( three( ) )", "asyncio.run(\n        three()\n    )"):
        (tmp_path / "views.py").write_text(
            source.replace("asyncio.run(three())", reformatted), encoding="utf-8"
        )
        assert [i["fingerprint"] for i in gitlab(tmp_path)] == [i["fingerprint"] for i in issues]


def test_every_rule_declares_a_severity_gitlab_knows() -> None:
    severities = {rule.code: rule.severity for rule in RULES.values()}
    assert set(severities.values()) <= {"info", "minor", "major", "critical", "blocker"}
    assert severities["ARO103"] == "critical" and severities["ARO106"] == "minor"


def test_a_syntax_error_blocks_and_an_unreadable_file_is_an_issue(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "broken.py").write_text("import asyncio\nasyncio.run(\n", encoding="utf-8")
    (tmp_path / "bad.ipynb").write_text("not json", encoding="utf-8")
    issues = gitlab(tmp_path, code=2)
    assert [(i["check_name"], i["severity"], i["location"]["path"]) for i in issues] == [
        ("E999", "blocker", "broken.py"),
        ("read-error", "blocker", "bad.ipynb"),
    ]
    assert "bad.ipynb" in issues[1]["description"]


NOTEBOOK_CELLS = [
    {"cell_type": "markdown", "metadata": {}, "source": ["# Photos\n"]},
    {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": ["import asyncio\n", "\n", "photos = asyncio.run(fetch())\n", "len(photos)"],
    },
    {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": "x = 1\nmore = asyncio.run(fetch())\n",
    },
]


def write_notebook(path: Path, cells: list[dict[str, Any]]) -> None:
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(notebook, indent=1) + "\n", encoding="utf-8")


def test_a_notebook_finding_is_on_the_line_of_the_notebook_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    notebook = tmp_path / "photos.ipynb"
    write_notebook(notebook, NOTEBOOK_CELLS)
    issues = gitlab(tmp_path)
    file_lines = notebook.read_text(encoding="utf-8").splitlines()
    assert [(i["location"]["path"], i["check_name"]) for i in issues] == [
        ("photos.ipynb", "ARO103"),
        ("photos.ipynb", "ARO103"),
    ]
    first, second = issues
    # A list of lines: the item of the flagged line.
    assert "photos = asyncio.run(fetch())" in file_lines[first["location"]["lines"]["begin"] - 1]
    assert first["description"].startswith("ARO103: cell 2, line 3: asyncio.run()")
    # One string: its line, which holds every line of the cell.
    assert (
        '"source": "x = 1\\nmore = asyncio.run'
        in file_lines[second["location"]["lines"]["begin"] - 1]
    )
    assert second["description"].startswith("ARO103: cell 3, line 2: ")
    # A cell added above moves the lines, not the fingerprints.
    write_notebook(notebook, [NOTEBOOK_CELLS[0], *NOTEBOOK_CELLS])
    moved = gitlab(tmp_path)
    assert [i["fingerprint"] for i in moved] == [i["fingerprint"] for i in issues]
    assert moved[0]["location"]["lines"]["begin"] > first["location"]["lines"]["begin"]


def test_fix_diff_reports_the_same_issues(project: Path) -> None:
    checked = gitlab(project)
    assert gitlab(project, "--diff", command="fix", code=1) == checked
    assert (project / "pkg" / "tasks.py").read_text(encoding="utf-8") == TASKS  # nothing written


@pytest.mark.parametrize(
    ("source", "starts"),
    [
        # one item per line: each line on its own item
        ('["a\\n", "b\\n", "c"]', ['"a', '"b', '"c']),
        # two lines in one item, then another
        ('["a\\nb\\n", "c"]', ['"a', '"a', '"c']),
        # empty items begin no line
        ('["", "a\\n", "", "b"]', ['"a', '"b']),
        # one string: every line on it
        ('"a\\nb"', ['"a', '"a']),
    ],
)
def test_source_line_offsets(source: str, starts: list[str]) -> None:
    text = '{"cells": [{"source": ' + source + "}]}"
    value = read_json(text).sources[0]
    assert value is not None
    offsets = source_line_offsets(text, value)
    assert [text[offset : offset + 2] for offset in offsets[: len(starts)]] == starts
