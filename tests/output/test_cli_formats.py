"""The formats through the command line, with the real fixer: payload on stdout only,
exit codes unchanged, and json edits that reproduce what ``fix`` writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from sample import TASKS

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "output-schema.json").read_text(encoding="utf-8"))
SEED_TASK = """\
import asyncio


def analyze(key, user_id):
    note = "vérifié ✓"
    photo = asyncio.run(storage.download(key))
    result = asyncio.run(fraudlens.verify(photo))
    user = asyncio.run(users.get(user_id))
    return result, user


async def handler():
    return asyncio.run(fetch())
"""


def run(cwd: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nrequires-python = ">=3.11"\n', encoding="utf-8"
    )
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "seed.py").write_text(SEED_TASK, encoding="utf-8")
    (tmp_path / "jobs" / "tasks.py").write_text(TASKS, encoding="utf-8")
    (tmp_path / "clean.py").write_text("print('hello')\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("output_format", ["json", "sarif", "rdjson"])
def test_stdout_is_only_the_document(project: Path, output_format: str) -> None:
    done = run(project, "check", "--output-format", output_format, ".")
    assert done.returncode == 1, done.stderr
    json.loads(done.stdout)  # nothing else on stdout
    assert done.stderr == "Found 5 findings in 2 files.\n"


def test_github_stdout_is_only_commands(project: Path) -> None:
    done = run(project, "check", "--output-format", "github", ".")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert len(lines) == 5 and all(line.startswith("::error file=jobs/") for line in lines)


def test_exit_zero_and_clean_trees(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    assert run(project, "check", "--output-format", "json", "--exit-zero", ".").returncode == 0
    empty = tmp_path_factory.mktemp("clean")
    (empty / "ok.py").write_text("import asyncio\nasyncio.run(main())\n", encoding="utf-8")
    for output_format in ("json", "sarif", "rdjson"):
        done = run(empty, "check", "--output-format", output_format, ".")
        assert done.returncode == 0 and done.stderr == ""
        data = json.loads(done.stdout)
        assert data.get("findings", data.get("diagnostics", data.get("runs"))) is not None
    assert run(empty, "check", "--output-format", "github", ".").stdout == ""


def test_usage_error_leaves_stdout_empty(project: Path) -> None:
    done = run(project, "check", "--output-format", "json", "missing/")
    assert done.returncode == 2 and done.stdout == ""
    assert "missing/" in done.stderr


def test_stdin_uses_the_stdin_filename(project: Path) -> None:
    done = run(
        project,
        "check",
        "--output-format",
        "json",
        "--stdin-filename",
        "jobs/x.py",
        "-",
        stdin=SEED_TASK,
    )
    data = json.loads(done.stdout)
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert {f["path"] for f in data["findings"]} == {"jobs/x.py"}


def _apply(text: str, findings: list[dict[str, object]]) -> str:
    """Apply each applied fix once (by id), edits from last to first."""
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    edits: dict[tuple[int, int], tuple[int, str]] = {}
    seen: set[int] = set()
    for finding in findings:
        fix = finding["fix"]
        assert isinstance(fix, dict)
        if not fix["applied"] or fix["id"] in seen:
            continue
        seen.add(fix["id"])
        for edit in fix["edits"]:
            start, end = edit["range"]["start"], edit["range"]["end"]
            begin = starts[start["line"] - 1] + start["column"] - 1
            stop = starts[end["line"] - 1] + end["column"] - 1
            edits[(begin, stop)] = (stop, edit["content"])
    for begin, stop in sorted(edits, reverse=True):
        text = text[:begin] + edits[(begin, stop)][1] + text[stop:]
    return text


@pytest.mark.parametrize("extra", [[], ["--style", "runner"]])
def test_json_edits_reproduce_fix(project: Path, extra: list[str]) -> None:
    check = run(project, "fix", "--diff", "--output-format", "json", *extra, "jobs/seed.py")
    assert check.returncode == 1, check.stderr
    data = json.loads(check.stdout)
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert {f["fix"]["style"] for f in data["findings"]} == (
        {"combine", "await"} if not extra else {"runner", "await"}
    )
    expected = _apply(SEED_TASK, data["findings"])
    assert run(project, "fix", *extra, "jobs/seed.py").returncode == 0
    assert (project / "jobs" / "seed.py").read_text(encoding="utf-8") == expected


def test_check_json_fixes_match_fix_defaults(project: Path) -> None:
    data = json.loads(run(project, "check", "--output-format", "json", "jobs/seed.py").stdout)
    expected = _apply(SEED_TASK, data["findings"])
    run(project, "fix", "jobs/seed.py")
    assert (project / "jobs" / "seed.py").read_text(encoding="utf-8") == expected


def test_text_github_and_gitlab_never_load_libcst(project: Path) -> None:
    code = (
        "import sys\nfrom flake8_asyncio_run.cli import main\n"
        "for fmt in ('text', 'github', 'gitlab'):\n"
        "    main(['check', '--output-format', fmt, '.'])\n"
        "sys.stdout.write('\\nLIBCST=' + str('libcst' in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=project, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.endswith("LIBCST=False")
