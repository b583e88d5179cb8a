"""Every format over the bundled examples, compared byte for byte with golden files.

Regenerate them only on purpose: ``pytest tests/output --update-golden``, then review
the diff.  The tool's version is replaced by ``<version>`` so that a release does not
change them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from flake8_asyncio_run import __version__

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).parent / "golden"
SCHEMA = json.loads((ROOT / "docs" / "output-schema.json").read_text(encoding="utf-8"))

#: (golden file, command arguments, expected exit code)
CASES = [
    ("check.txt", ["check", "examples"], 1),
    ("check.json", ["check", "--output-format", "json", "examples"], 1),
    ("check.sarif", ["check", "--output-format", "sarif", "examples"], 1),
    ("check.github", ["check", "--output-format", "github", "examples"], 1),
    ("check.rdjson", ["check", "--output-format", "rdjson", "examples"], 1),
    ("check.gitlab", ["check", "--output-format", "gitlab", "examples"], 1),
    ("fix-diff.txt", ["fix", "--diff", "examples"], 1),
    (
        "fix-diff-unsafe.json",
        ["fix", "--diff", "--unsafe-fixes", "--output-format", "json", "examples"],
        1,
    ),
    (
        "fix-diff-unsafe.rdjson",
        ["fix", "--diff", "--unsafe-fixes", "--output-format", "rdjson", "examples"],
        1,
    ),
    ("fix-diff.gitlab", ["fix", "--diff", "--output-format", "gitlab", "examples"], 1),
]
#: Pin what the fixes depend on, whatever Python runs the tests.
PYPROJECT = '[tool.flake8-asyncio-run]\ntarget-version = "py311"\n'


def run(tmp_path: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    work = tmp_path / "root"
    shutil.copytree(EXAMPLES, work / "examples")
    (work / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", *args],
        cwd=work,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )


def normalise(text: str) -> str:
    return text.replace(f'"{__version__}"', '"<version>"')


@pytest.mark.parametrize(("name", "args", "code"), CASES, ids=[c[0] for c in CASES])
def test_golden(
    name: str, args: list[str], code: int, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    assert any(EXAMPLES.rglob("*.py")), "examples/ holds no Python files"
    assert any(EXAMPLES.rglob("*.ipynb")), "examples/ holds no notebook"
    done = run(tmp_path, args)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == code, done.stderr
    output = normalise(done.stdout)
    golden = GOLDEN / name
    if request.config.getoption("--update-golden"):
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(output, encoding="utf-8", newline="\n")
    assert golden.is_file(), f"{golden} is missing: run pytest with --update-golden"
    assert output == golden.read_text(encoding="utf-8"), (
        f"{name} differs from its golden file; if the change is intended, run pytest "
        "tests/output --update-golden and review the diff"
    )


def test_golden_json_is_valid_and_covers_every_rule() -> None:
    """The golden json itself: valid against the schema, one finding per rule at least,
    and fixes with edits for the fixable rules."""
    data = json.loads((GOLDEN / "check.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    codes = {f["code"] for f in data["findings"]}
    assert {"ARO101", "ARO102", "ARO103", "ARO104", "ARO105", "ARO201"} <= codes
    assert any(f["fix"]["edits"] for f in data["findings"] if f["code"] == "ARO101")
    assert all(not f["fix"]["edits"] for f in data["findings"] if f["code"] in ("ARO104", "ARO201"))


def test_golden_sarif_is_valid() -> None:
    model = pytest.importorskip("pydantic_sarif.model")
    text = (GOLDEN / "check.sarif").read_text(encoding="utf-8")
    model.StaticAnalysisResultsFormatSarifVersion210JsonSchema.model_validate_json(text)
    run = json.loads(text)["runs"][0]
    assert any("fixes" in result for result in run["results"])


def test_golden_gitlab_is_valid_unique_and_covers_every_rule() -> None:
    from test_gitlab import validate

    issues = json.loads((GOLDEN / "check.gitlab").read_text(encoding="utf-8"))
    validate(issues)
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    codes = {issue["check_name"] for issue in issues}
    assert {"ARO101", "ARO102", "ARO103", "ARO104", "ARO105", "ARO106", "ARO201"} <= codes
    assert any(issue["location"]["path"].endswith(".ipynb") for issue in issues)
    # fix --diff describes the same findings: the gitlab format carries no fixes.
    assert (GOLDEN / "fix-diff.gitlab").read_text(encoding="utf-8") == (
        GOLDEN / "check.gitlab"
    ).read_text(encoding="utf-8")
