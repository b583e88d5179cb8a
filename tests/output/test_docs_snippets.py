"""The configuration snippets in docs/editors.md and docs/ci.md parse, start our server,
and name hooks and formats that exist."""

from __future__ import annotations

import json
import re
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from flake8_asyncio_run.output import FORMATS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DOCS = Path(__file__).resolve().parents[2] / "docs"
ROOT = DOCS.parent
BLOCK = re.compile(r"^```(?P<lang>\w+)\n(?P<body>.*?)^```", re.M | re.S)


def blocks(name: str, lang: str) -> list[str]:
    text = (DOCS / name).read_text(encoding="utf-8")
    return [m.group("body") for m in BLOCK.finditer(text) if m.group("lang") == lang]


def test_vscode_settings_are_json_and_start_the_server() -> None:
    settings = [json.loads(body) for body in blocks("editors.md", "json")]
    generic = next(s for s in settings if "glspc.server.command" in s)
    assert generic["glspc.server.command"] == "flake8-asyncio-run"
    assert generic["glspc.server.commandArguments"] == ["lsp"]
    assert generic["glspc.server.languageId"] == ["python"]
    flake8 = next(s for s in settings if "flake8.args" in s)
    assert flake8["flake8.args"] == ["--extend-select=ARO"]


def test_helix_languages_toml() -> None:
    (body,) = blocks("editors.md", "toml")
    config = tomllib.loads(body)
    server = config["language-server"]["flake8-asyncio-run"]
    assert (server["command"], server["args"]) == ("flake8-asyncio-run", ["lsp"])
    (python,) = config["language"]
    assert "flake8-asyncio-run" in python["language-servers"]


@pytest.mark.parametrize("lang", ["lua", "elisp"])
def test_other_editors_start_the_server(lang: str) -> None:
    """Each block starts our server, or (Neovim) maps our fix-all, by its exact kind."""
    found = blocks("editors.md", lang)
    assert found
    for body in found:
        starts = re.search(r'"flake8-asyncio-run",?\s+"lsp"', body)
        fix_all = lang == "lua" and '"source.fixAll.flake8-asyncio-run"' in body
        assert starts or fix_all, body
        assert body.count("(") == body.count(")") and body.count("{") == body.count("}")


def test_neovim_07_recipe_uses_the_07_api() -> None:
    """Neovim 0.7 has no vim.fs, vim.lsp.start nor code_action's apply."""
    lua = blocks("editors.md", "lua")
    start = next(b for b in lua if "vim.lsp.start_client" in b)
    assert "vim.lsp.buf_attach_client" in start and "vim.fs" not in start
    apply = next(b for b in lua if "vim.lsp.buf_request" in b)
    assert '"textDocument/codeAction"' in apply
    assert "vim.lsp.util.apply_workspace_edit" in apply and "apply = true" not in apply
    from flake8_asyncio_run.lsp.server import FIX_ALL  # the kind the server offers

    assert f'"{FIX_ALL}"' in apply


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def _uses_the_action(workflow: dict[str, Any]) -> bool:
    """Whether a step uses our GitHub Action (tests/test_ci_workflows.py checks those)."""
    return any(
        s.get("uses", "").startswith("flake8-asyncio-run/flake8-asyncio-run@")
        for s in _steps(workflow)
    )


def test_github_workflows_are_valid_yaml_using_our_formats() -> None:
    """The recipes that install with pip and run the command line themselves."""
    workflows = [yaml.safe_load(body) for body in blocks("ci.md", "yaml")]
    github = [
        w for w in workflows if isinstance(w, dict) and "jobs" in w and not _uses_the_action(w)
    ]
    assert len(github) == 3
    commands = [s["run"] for w in github for s in _steps(w) if "run" in s]
    used = {m for c in commands for m in re.findall(r"--output-format (\w+)", c)}
    assert used == {"github", "sarif", "rdjson"} and used <= set(FORMATS)
    sarif = next(w for w in github if "sarif" in json.dumps(w))
    upload = next(s for s in _steps(sarif) if "upload-sarif" in s.get("uses", ""))
    assert upload["with"]["sarif_file"] in " ".join(commands)
    job = next(iter(sarif["jobs"].values()))
    assert job["permissions"]["security-events"] == "write"


def test_gitlab_job() -> None:
    workflows = [yaml.safe_load(body) for body in blocks("ci.md", "yaml")]
    gitlab = next(w["flake8-asyncio-run"] for w in workflows if "flake8-asyncio-run" in w)
    assert gitlab["script"][-1] == "flake8-asyncio-run check ."
    report = gitlab["artifacts"]["reports"]["codequality"]
    assert f"--output-format gitlab --exit-zero . > {report}" in gitlab["script"][-2]
    assert gitlab["artifacts"]["when"] == "always"


def test_pre_commit_snippets_name_our_hooks() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["flake8-asyncio-run"]["entry"] == "flake8-asyncio-run check --force-exclude"
    assert hooks["flake8-asyncio-run-fix"]["entry"] == "flake8-asyncio-run fix --force-exclude"
    config = next(
        yaml.safe_load(body) for body in blocks("ci.md", "yaml") if body.startswith("repos:")
    )
    ids = [hook["id"] for repo in config["repos"] for hook in repo["hooks"]]
    assert ids == ["flake8-asyncio-run-fix", "flake8-asyncio-run"]
    variants = next(body for body in blocks("ci.md", "yaml") if "--unsafe-fixes" in body)
    parsed = yaml.safe_load(textwrap.dedent(variants))
    assert [h["args"] for h in parsed] == [
        ["--unsafe-fixes"],
        ["--style", "runner"],
        ["--select", "ARO1"],
    ]
    assert all(h["id"] in hooks for h in parsed)
