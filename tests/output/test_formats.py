"""Each machine format against its schema or its consumer's documented shape."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sample import TASKS, check, make_project, plans_for

from flake8_asyncio_run import __version__
from flake8_asyncio_run.checker import FileResult
from flake8_asyncio_run.findings import Span
from flake8_asyncio_run.findings import TextEdit as Edit
from flake8_asyncio_run.output import FORMATS, write_report
from flake8_asyncio_run.output.github import escape_data, escape_property
from flake8_asyncio_run.output.rdjson import whole_line_suggestion
from flake8_asyncio_run.rules import RULES

DOCS = Path(__file__).resolve().parents[2] / "docs"
SCHEMA = json.loads((DOCS / "output-schema.json").read_text(encoding="utf-8"))
LINE_5 = TASKS.splitlines()[4]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[FileResult]:
    make_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    return check(tmp_path)


def render(output_format: str, results: list[FileResult], unsafe: bool = False) -> str:
    plans = {r.path: plans_for(r) for r in results if r.findings}
    stream = io.StringIO()
    write_report(output_format, results, stream, plans=plans, unsafe=unsafe)
    return stream.getvalue()


def test_every_format_is_registered() -> None:
    assert sorted(FORMATS) == ["github", "gitlab", "json", "rdjson", "sarif", "text"]


# json -------------------------------------------------------------------------------


def test_json_matches_the_published_schema(project: list[FileResult]) -> None:
    data = json.loads(render("json", project))
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert data["version"] == 1
    assert data["tool"] == {"name": "flake8-asyncio-run", "version": __version__}
    first, second = data["findings"]
    assert (first["path"], first["code"], first["rule"]) == (
        "pkg/tasks.py",
        "ARO101",
        "multiple-event-loops",
    )
    # 1-based code-point columns, exclusive end.
    assert first["range"] == {"start": {"line": 6, "column": 9}, "end": {"line": 6, "column": 28}}
    assert first["url"] == RULES["ARO101"].docs_url
    assert first["scope"] == {"kind": "function", "name": "job", "line": 4}
    fix = first["fix"]
    assert fix["applicability"] == "safe" and fix["applied"] is True
    assert fix["title"] == "Combine event loops into one coroutine"
    assert fix["edits"][0] == {
        "range": {"start": {"line": 5, "column": 1}, "end": {"line": 5, "column": 1}},
        "content": fix["edits"][0]["content"],
    }
    # Column 19 is 'a' after the two non-ASCII characters (code points, not bytes).
    assert fix["edits"][1]["range"]["start"] == {"line": 5, "column": 19}
    assert LINE_5[19 - 1] == "a"
    assert second["code"] == "ARO103" and second["fix"]["style"] == "await"
    assert second["fix"]["id"] != fix["id"]
    assert data["errors"] == []


def test_json_schema_rejects_what_it_must() -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    good: dict[str, Any] = {
        "version": 1,
        "tool": {"name": "flake8-asyncio-run", "version": "1"},
        "findings": [],
        "errors": [],
    }
    validator.validate(good)
    for broken in ({**good, "version": 2}, {**good, "extra": 1}, {"version": 1}):
        with pytest.raises(jsonschema.ValidationError):
            validator.validate(broken)


def test_json_finding_without_a_plan_says_why(project: list[FileResult]) -> None:
    stream = io.StringIO()
    write_report("json", project, stream, plans={})
    data = json.loads(stream.getvalue())
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    for finding in data["findings"]:
        assert finding["fix"]["applicability"] == "none"
        assert finding["fix"]["edits"] == [] and finding["fix"]["reason"]


def test_json_unsafe_fix_is_applied_only_with_unsafe_fixes(project: list[FileResult]) -> None:
    result = next(r for r in project if r.findings)
    unsafe = [
        type(plan)(
            plan.findings,
            "unsafe",
            plan.style,
            "'return' between the calls",
            plan.title,
            plan.edits,
        )
        for plan in plans_for(result)
    ]
    for allowed in (False, True):
        stream = io.StringIO()
        write_report("json", project, stream, plans={result.path: unsafe}, unsafe=allowed)
        data = json.loads(stream.getvalue())
        jsonschema.Draft202012Validator(SCHEMA).validate(data)
        fix = data["findings"][0]["fix"]
        assert fix["applicability"] == "unsafe"
        assert fix["reason"] == "'return' between the calls"
        assert fix["applied"] is allowed


def test_json_reports_unreadable_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    results = [FileResult(str(tmp_path / "gone.py"), error="gone.py: No such file or directory")]
    stream = io.StringIO()
    write_report("json", results, stream, plans={})
    data = json.loads(stream.getvalue())
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert data["errors"] == [{"path": "gone.py", "message": "gone.py: No such file or directory"}]


# sarif ------------------------------------------------------------------------------


def test_sarif_is_valid_sarif_2_1_0(project: list[FileResult]) -> None:
    model = pytest.importorskip("pydantic_sarif.model")
    text = render("sarif", project)
    # The typed model generated from the official SARIF 2.1.0 schema (extra='forbid').
    model.StaticAnalysisResultsFormatSarifVersion210JsonSchema.model_validate_json(text)


def test_sarif_required_properties_and_fixes(project: list[FileResult]) -> None:
    data = json.loads(render("sarif", project))
    assert data["version"] == "2.1.0"
    assert data["$schema"].endswith("sarif-2.1.0.json")
    (run,) = data["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    driver = run["tool"]["driver"]
    assert driver["name"] == "flake8-asyncio-run"
    rules = driver["rules"]
    assert [rule["id"] for rule in rules] == sorted(RULES)
    for rule in rules:
        registered = RULES[rule["id"]]
        assert rule["shortDescription"]["text"] == registered.summary
        assert rule["fullDescription"]["text"] == registered.description
        assert rule["helpUri"] == registered.docs_url
    first, second = run["results"]
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"] == "ARO101"
    assert rules[second["ruleIndex"]]["id"] == second["ruleId"] == "ARO103"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "pkg/tasks.py"
    assert location["region"] == {"startLine": 6, "startColumn": 9, "endLine": 6, "endColumn": 28}
    (fix,) = first["fixes"]
    assert fix["description"]["text"] == "Combine event loops into one coroutine"
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "pkg/tasks.py"
    insert, replace = change["replacements"]
    assert insert["deletedRegion"] == {
        "startLine": 5,
        "startColumn": 1,
        "endLine": 5,
        "endColumn": 1,
    }
    assert insert["insertedContent"]["text"].startswith("    async def _job_async():")
    # 'a' follows 'é' and '😀': column 19 in code points (20 in UTF-16, 23 in UTF-8 bytes).
    assert replace["deletedRegion"]["startColumn"] == 19
    assert second["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"] == {
        "text": "await three()"
    }
    assert run["invocations"][0]["executionSuccessful"] is True


def test_sarif_uris_are_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "my dir"
    directory.mkdir()
    (directory / "t.py").write_text(TASKS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    from flake8_asyncio_run.checker import check_files
    from flake8_asyncio_run.config import Settings

    results = check_files([str(directory / "t.py")], Settings())
    data = json.loads(render("sarif", results))
    uri = data["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri["uri"] == "my%20dir/t.py"


# github -----------------------------------------------------------------------------


def test_github_annotations(project: list[FileResult]) -> None:
    lines = render("github", project).splitlines()
    assert len(lines) == 2
    message = project[0].findings[0].message
    assert lines[0] == (
        "::error file=pkg/tasks.py,line=6,col=9,endLine=6,endColumn=27,title=ARO101::"
        f"{message} (multiple-event-loops)"
    )
    assert lines[1].startswith(
        "::error file=pkg/tasks.py,line=11,col=12,endLine=11,endColumn=31,title=ARO103::"
    )


def test_github_escaping() -> None:
    assert escape_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"


def test_github_escapes_odd_file_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    odd = tmp_path / "a,b:c%.py"
    odd.write_text(TASKS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    from flake8_asyncio_run.checker import check_files
    from flake8_asyncio_run.config import Settings

    stream = io.StringIO()
    write_report("github", check_files([str(odd)], Settings()), stream)
    first = stream.getvalue().splitlines()[0]
    assert first.startswith("::error file=a%2Cb%3Ac%25.py,line=6,")


# rdjson -----------------------------------------------------------------------------

#: reviewdog's DiagnosticResult, transcribed from its protocol definition (rdf).
_POSITION = {
    "type": "object",
    "properties": {
        "line": {"type": "integer", "minimum": 1},
        "column": {"type": "integer", "minimum": 1},
    },
    "additionalProperties": False,
}
_RANGE = {
    "type": "object",
    "required": ["start"],
    "properties": {"start": _POSITION, "end": _POSITION},
    "additionalProperties": False,
}
RDJSON_SHAPE = {
    "type": "object",
    "required": ["diagnostics"],
    "additionalProperties": False,
    "properties": {
        "source": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string"}, "url": {"type": "string"}},
            "additionalProperties": False,
        },
        "severity": {"enum": ["UNKNOWN_SEVERITY", "ERROR", "WARNING", "INFO"]},
        "diagnostics": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["message", "location"],
                "additionalProperties": False,
                "properties": {
                    "message": {"type": "string"},
                    "location": {
                        "type": "object",
                        "required": ["path"],
                        "properties": {"path": {"type": "string"}, "range": _RANGE},
                        "additionalProperties": False,
                    },
                    "severity": {"enum": ["UNKNOWN_SEVERITY", "ERROR", "WARNING", "INFO"]},
                    "source": {"type": "object"},
                    "code": {
                        "type": "object",
                        "required": ["value"],
                        "properties": {"value": {"type": "string"}, "url": {"type": "string"}},
                        "additionalProperties": False,
                    },
                    "suggestions": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["range", "text"],
                            "properties": {"range": _RANGE, "text": {"type": "string"}},
                            "additionalProperties": False,
                        },
                    },
                    "original_output": {"type": "string"},
                },
            },
        },
    },
}


def test_rdjson_shape_and_byte_columns(project: list[FileResult]) -> None:
    data = json.loads(render("rdjson", project))
    jsonschema.Draft202012Validator(RDJSON_SHAPE).validate(data)
    assert data["source"]["name"] == "flake8-asyncio-run"
    first, second = data["diagnostics"]
    assert first["location"] == {
        "path": "pkg/tasks.py",
        "range": {"start": {"line": 6, "column": 9}, "end": {"line": 6, "column": 28}},
    }
    assert first["code"] == {"value": "ARO101", "url": RULES["ARO101"].docs_url}
    # One line-wise suggestion per fix: lines 5-6 as they read after the fix.
    (suggestion,) = first["suggestions"]
    assert suggestion["range"] == {"start": {"line": 5}, "end": {"line": 6}}
    assert suggestion["text"].startswith("    async def _job_async():\n")
    assert suggestion["text"].endswith(
        '    label = "é😀"; a = None\n    b = asyncio.run(_job_async())'
    )
    assert second["suggestions"][0]["text"] == "    return await three()"


def test_rdjson_columns_count_utf8_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        "import asyncio\n\n\ndef job():\n"
        '    x = "é😀"; a = asyncio.run(one()); b = asyncio.run(two())\n'
    )
    (tmp_path / "t.py").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    from flake8_asyncio_run.checker import check_files
    from flake8_asyncio_run.config import Settings

    data = json.loads(render_plain("rdjson", check_files(["t.py"], Settings())))
    (diagnostic,) = data["diagnostics"]
    line = text.splitlines()[4]
    prefix = line[: line.index("asyncio.run(two")]
    assert diagnostic["location"]["range"]["start"]["column"] == len(prefix.encode()) + 1


def render_plain(output_format: str, results: list[FileResult]) -> str:
    stream = io.StringIO()
    write_report(output_format, results, stream, plans={})
    return stream.getvalue()


def test_rdjson_suggests_a_shared_fix_once(project: list[FileResult]) -> None:
    result = next(r for r in project if r.findings)
    both = result.findings
    plan = plans_for(result)[0]
    shared = type(plan)(tuple(both), plan.applicability, plan.style, None, plan.title, plan.edits)
    stream = io.StringIO()
    write_report("rdjson", project, stream, plans={result.path: [shared]})
    diagnostics = json.loads(stream.getvalue())["diagnostics"]
    assert ["suggestions" in d for d in diagnostics] == [True, False]


def test_rdjson_leaves_unsafe_fixes_to_unsafe_runs(project: list[FileResult]) -> None:
    result = next(r for r in project if r.findings)
    unsafe = [
        type(p)(p.findings, "unsafe", p.style, "why", p.title, p.edits) for p in plans_for(result)
    ]
    for allowed in (False, True):
        stream = io.StringIO()
        write_report("rdjson", project, stream, plans={result.path: unsafe}, unsafe=allowed)
        diagnostics = json.loads(stream.getvalue())["diagnostics"]
        assert all(("suggestions" in d) is allowed for d in diagnostics)


@pytest.mark.parametrize(
    ("text", "edits", "expected"),
    [
        ("a\nb\nc\n", [Edit(Span(2, 0, 2, 1), "B")], (2, 2, "B")),
        ("a\nb\nc\n", [Edit(Span(2, 0, 2, 0), "new\n")], (2, 2, "new\nb")),
        # Deleting a whole line (up to column 0 of the next) leaves an empty suggestion.
        ("a\nb\nc\n", [Edit(Span(2, 0, 3, 0), "")], (2, 2, "")),
        # Joining two lines takes the next line in.
        ("a\nb\nc\n", [Edit(Span(2, 1, 3, 0), " ")], (2, 3, "b c")),
        ("a\r\nb\r\nc", [Edit(Span(3, 0, 3, 1), "C")], (3, 3, "C")),
        (
            "a\r\nb\r\nc",
            [Edit(Span(1, 1, 1, 1), "!"), Edit(Span(2, 0, 2, 1), "B")],
            (1, 2, "a!\r\nB"),
        ),
    ],
)
def test_whole_line_suggestion(
    text: str, edits: list[Edit], expected: tuple[int, int, str]
) -> None:
    assert whole_line_suggestion(text, tuple(edits)) == expected


# all formats ------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["json", "sarif", "github", "gitlab", "rdjson"])
def test_output_is_deterministic_and_sorted(project: list[FileResult], output_format: str) -> None:
    forward = render(output_format, project)
    assert forward == render(output_format, list(reversed(project)))
    assert os.sep == "/" or "\\" not in forward


def test_a_fixer_failure_keeps_the_report(
    project: list[FileResult], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import flake8_asyncio_run.fix

    def broken(*args: object, **kwargs: object) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr(flake8_asyncio_run.fix, "plan_fixes", broken)
    stream = io.StringIO()
    write_report("json", project, stream)
    data = json.loads(stream.getvalue())
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert len(data["findings"]) == 2
    for finding in data["findings"]:
        assert finding["fix"]["applicability"] == "none"
        assert finding["fix"]["reason"] == "internal error in the fixer (RuntimeError: boom)"
    assert "pkg/tasks.py: internal error in the fixer" in capsys.readouterr().err


def test_syntax_errors_in_every_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "broken.py").write_text("import asyncio\nasyncio.run(\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    from flake8_asyncio_run.checker import check_files
    from flake8_asyncio_run.config import Settings

    results = check_files(["broken.py"], Settings())
    assert [f.code for f in results[0].findings] == ["E999"]
    data = json.loads(render_plain("json", results))
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    (finding,) = data["findings"]
    assert finding["rule"] == "syntax-error" and finding["url"] is None
    assert finding["fix"]["reason"] == "the file does not parse"
    sarif = render_plain("sarif", results)
    model = pytest.importorskip("pydantic_sarif.model")
    model.StaticAnalysisResultsFormatSarifVersion210JsonSchema.model_validate_json(sarif)
    run = json.loads(sarif)["runs"][0]
    (result,) = run["results"]
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "E999"
    assert render_plain("github", results).startswith("::error file=broken.py,line=")
    rdjson = json.loads(render_plain("rdjson", results))
    assert rdjson["diagnostics"][0]["code"] == {"value": "E999"}
