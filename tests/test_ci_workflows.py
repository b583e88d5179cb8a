"""The GitHub workflows the docs show: docs/workflows/*.yml and the ```yaml blocks of
docs/ci.md.  They parse, each file is shown verbatim in docs/ci.md, and the steps that
use our action pass only the inputs action.yml declares and read only its outputs."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from action_runner import EXPRESSION, ROOT, load_action

DOCS = ROOT / "docs"
WORKFLOW_FILES = sorted((DOCS / "workflows").glob("*.yml"))
BLOCK = re.compile(r"^```(?P<lang>\w+)\n(?P<body>.*?)^```", re.M | re.S)
ACTION_REF = re.compile(r"^flake8-asyncio-run/flake8-asyncio-run@(?P<ref>\S+)$")
STEP_OUTPUT = re.compile(r"steps\.(?P<id>[\w-]+)\.outputs\.(?P<name>[\w-]+)")


def yaml_blocks(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [m.group("body") for m in BLOCK.finditer(text) if m.group("lang") in {"yaml", "yml"}]


def documented_workflows() -> list[tuple[str, str]]:
    """(where, text) of every workflow: the files and the ci.md blocks with jobs."""
    found = [
        (path.relative_to(ROOT).as_posix(), path.read_text("utf-8")) for path in WORKFLOW_FILES
    ]
    for number, body in enumerate(yaml_blocks(DOCS / "ci.md")):
        loaded = yaml.safe_load(textwrap.dedent(body))
        if isinstance(loaded, dict) and "jobs" in loaded and "runs-on" in str(loaded):
            found.append((f"docs/ci.md block {number}", body))
    return found


WORKFLOWS = documented_workflows()


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def uses_action(step: dict[str, Any]) -> bool:
    return bool(ACTION_REF.match(str(step.get("uses", ""))))


def test_workflow_files_exist_and_are_shown_in_ci_md() -> None:
    names = {path.name for path in WORKFLOW_FILES}
    assert names == {"check.yml", "code-scanning.yml", "autofix-pr.yml", "autofix-push.yml"}
    shown = yaml_blocks(DOCS / "ci.md")
    for path in WORKFLOW_FILES:
        assert path.read_text(encoding="utf-8") in shown, f"{path.name} differs from docs/ci.md"
        assert f"(workflows/{path.name})" in (DOCS / "ci.md").read_text(encoding="utf-8")
    # And the other way: every block that uses the action is one of the files.
    files = {path.read_text(encoding="utf-8") for path in WORKFLOW_FILES}
    for body in shown:
        if "uses: flake8-asyncio-run/flake8-asyncio-run@" in body:
            assert body in files, body


@pytest.mark.parametrize("path", [DOCS / "ci.md", ROOT / "README.md"], ids=lambda p: p.name)
def test_every_yaml_block_parses(path: Path) -> None:
    for body in yaml_blocks(path):
        assert yaml.safe_load(textwrap.dedent(body)) is not None, body


@pytest.mark.parametrize(("where", "text"), WORKFLOWS, ids=[w for w, _ in WORKFLOWS])
def test_workflow_uses_only_what_the_action_declares(where: str, text: str) -> None:
    action = load_action()
    workflow = yaml.safe_load(text)
    for job in workflow["jobs"].values():
        ids = [step.get("id") for step in job["steps"]]
        ours = {step.get("id") for step in job["steps"] if uses_action(step)}
        for number, step in enumerate(job["steps"]):
            if uses_action(step):
                unknown = set(step.get("with", {})) - set(action["inputs"])
                assert not unknown, f"{where}: inputs the action does not declare: {unknown}"
                earlier = [s.get("uses", "") for s in job["steps"][:number]]
                assert any(u.startswith("actions/setup-python@") for u in earlier), (
                    f"{where}: the action needs Python set up before it"
                )
            for match in STEP_OUTPUT.finditer(yaml.safe_dump(step)):
                assert match.group("id") in ids[:number], f"{where}: no earlier step {match}"
                if match.group("id") in ours:
                    assert match.group("name") in action["outputs"], f"{where}: {match.group(0)}"


@pytest.mark.parametrize(("where", "text"), WORKFLOWS, ids=[w for w, _ in WORKFLOWS])
def test_no_expression_in_a_run_script(where: str, text: str) -> None:
    # What docs/ci.md preaches for action.yml holds for the recipes: values go through env.
    for step in steps(yaml.safe_load(text)):
        assert not EXPRESSION.search(step.get("run", "")), f"{where}: {step['run']}"


def permissions(path: str) -> dict[str, str]:
    workflow = yaml.safe_load((DOCS / "workflows" / path).read_text(encoding="utf-8"))
    granted: dict[str, str] = dict(workflow.get("permissions", {}))
    for job in workflow["jobs"].values():
        granted.update(job.get("permissions", {}))
    return granted


@pytest.mark.parametrize(
    ("path", "needed"),
    [
        ("check.yml", {"contents": "read"}),
        ("code-scanning.yml", {"contents": "read", "security-events": "write"}),
        ("autofix-pr.yml", {"contents": "write", "pull-requests": "write"}),
        ("autofix-push.yml", {"contents": "write"}),
    ],
)
def test_workflow_permissions(path: str, needed: dict[str, str]) -> None:
    assert permissions(path) == needed


def test_sarif_upload_reads_the_output_even_after_findings() -> None:
    workflow = yaml.safe_load((DOCS / "workflows" / "code-scanning.yml").read_text("utf-8"))
    (ours,) = [step for step in steps(workflow) if uses_action(step)]
    assert ours["with"]["output-format"] == "sarif"
    (upload,) = [s for s in steps(workflow) if "upload-sarif" in s.get("uses", "")]
    assert upload["with"]["sarif_file"] == f"${{{{ steps.{ours['id']}.outputs.sarif-file }}}}"
    # Findings fail our step: the upload's condition must not be the implied success().
    assert "!cancelled()" in upload["if"] or "always()" in upload["if"]


@pytest.mark.parametrize("path", ["autofix-pr.yml", "autofix-push.yml"])
def test_autofix_runs_fix_and_acts_only_on_exit_codes_0_and_1(path: str) -> None:
    workflow = yaml.safe_load((DOCS / "workflows" / path).read_text(encoding="utf-8"))
    (ours,) = [step for step in steps(workflow) if uses_action(step)]
    assert ours["with"]["args"].split()[0] == "fix" and ours["continue-on-error"] is True
    later = steps(workflow)[steps(workflow).index(ours) + 1 :]
    acting = later[0]
    assert acting["if"] == (
        f"steps.{ours['id']}.outputs.exit-code == '0' || "
        f"steps.{ours['id']}.outputs.exit-code == '1'"
    )
