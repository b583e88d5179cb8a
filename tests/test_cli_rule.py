"""``flake8-asyncio-run rule CODE`` / ``rule --all``, through the real command line: every
rule's page and row, in text and JSON, from a source checkout and from a built wheel;
unknown codes and usage errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import urljoin

import pytest
from cli_helpers import cli

from flake8_asyncio_run.rules import RULES
from flake8_asyncio_run.rules.pages import absolute_links, split_page

ROOT = Path(__file__).resolve().parent.parent
RULE_DOCS = ROOT / "docs" / "rules"
CODES = list(RULES)
#: The fields of a rule's JSON object, in order.
FIELDS = [
    "code",
    "name",
    "plugin",
    "summary",
    "description",
    "fix",
    "manual_fix",
    "status",
    "url",
    "explanation",
]
#: The sections every page has (tests/test_project.py checks their order).
SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead")
_ANY_LINK = re.compile(r"\]\((?P<target>[^()\s]+)\)")


def page(code: str) -> str:
    return (RULE_DOCS / f"{code}.md").read_text("utf-8")


def linked(text: str, url: str) -> str:
    """What ``rule`` prints for a page's text: every link target resolved against the
    page's URL.  (No page has a link-like ``](`` in its code.)"""
    return _ANY_LINK.sub(lambda m: f"]({urljoin(url, m['target'])})", text)


def expected_fix_paragraph(code: str) -> str:
    rule = RULES[code]
    if rule.fix == "never":
        return f"Fix is never available; by hand: {rule.manual_fix}."
    return f"Fix is {rule.fix} available (`flake8-asyncio-run fix`; see Fix safety)."


def rule_cmd(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return cli(cwd, "rule", *args)


# --- The page and the row agree --------------------------------------------------------------


@pytest.mark.parametrize("code", CODES)
def test_page_title_and_lead_are_the_rows_code_name_and_summary(code: str) -> None:
    """``# CODE name``, then one paragraph that is the row's summary (Markdown code marks
    are formatting), then the sections."""
    split = split_page(page(code))
    rule = RULES[code]
    assert (split.code, split.name, split.summary) == (rule.code, rule.name, rule.summary)
    assert split.body.startswith("## What it does\n")


# --- Text -------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", CODES)
def test_text_is_the_page_with_the_fix_availability_after_its_lead(code: str) -> None:
    result = rule_cmd(code)
    assert (result.returncode, result.stderr) == (0, "")
    paragraphs = result.stdout.split("\n\n")
    assert paragraphs[0] == f"# {code} {RULES[code].name}"
    assert paragraphs[2] == expected_fix_paragraph(code)
    # Without that paragraph, the output is the page as written, links made absolute.
    without_fix = "\n\n".join(paragraphs[:2] + paragraphs[3:])
    assert without_fix == linked(page(code), RULES[code].docs_url)
    for section in SECTIONS:
        assert f"\n{section}\n" in result.stdout


def test_text_links_lead_somewhere_from_a_terminal() -> None:
    """The pages' relative links (``ARO103.md``, ``../fixing.md#...``) become the docs'
    URLs; none is left relative."""
    out = rule_cmd("ARO101").stdout
    base = "https://github.com/flake8-asyncio-run/flake8-asyncio-run/blob/main/docs/"
    assert f"[ARO103]({base}rules/ARO103.md)" in out
    assert f"[fixing.md]({base}fixing.md#fix-safety)" in out
    assert f"[the rule index]({base}rules/index.md#options)" in out
    targets = [m["target"] for m in _ANY_LINK.finditer(out)]
    assert targets and all(t.startswith("https://") for t in targets), targets
    assert "](ARO103.md)" in page("ARO101")  # the page itself stays relative


def test_lower_case_codes_name_the_same_rule() -> None:
    upper, lower = rule_cmd("ARO102"), rule_cmd("aro102")
    assert lower.returncode == 0 and lower.stdout == upper.stdout


def test_all_prints_every_page_once_in_registry_order() -> None:
    result = rule_cmd("--all")
    assert (result.returncode, result.stderr) == (0, "")
    titles = re.findall(r"^# (ARO\d+) ", result.stdout, re.M)
    assert titles == CODES
    # Each rule exactly as `rule CODE` prints it, one blank line between two.
    assert result.stdout == "\n".join(rule_cmd(code).stdout for code in CODES)


# --- JSON -------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", CODES)
def test_json_is_the_row_and_the_pages_sections(code: str) -> None:
    result = rule_cmd(code, "--output-format", "json")
    assert (result.returncode, result.stderr) == (0, "")
    obj = json.loads(result.stdout)
    rule = RULES[code]
    assert list(obj) == FIELDS
    assert obj == {
        "code": code,
        "name": rule.name,
        "plugin": "flake8-asyncio-run",
        "summary": rule.summary,
        "description": rule.description,
        "fix": rule.fix,
        "manual_fix": rule.manual_fix,
        "status": "stable",
        "url": rule.docs_url,
        "explanation": obj["explanation"],
    }
    # The explanation is the page after its title and lead, links made absolute.
    body = page(code).split("\n## What it does\n", 1)[1]
    assert obj["explanation"] == linked(f"## What it does\n{body}", rule.docs_url)
    assert not obj["explanation"].startswith(f"# {code}")
    assert rule.summary not in obj["explanation"].replace("`", "")
    assert (obj["manual_fix"] is None) == (rule.fix != "never")


def test_json_all_is_a_list_of_the_same_objects() -> None:
    result = rule_cmd("--all", "--output-format", "json")
    assert (result.returncode, result.stderr) == (0, "")
    objects = json.loads(result.stdout)
    assert isinstance(objects, list) and [o["code"] for o in objects] == CODES
    single = json.loads(rule_cmd("ARO201", "--output-format", "json").stdout)
    assert objects[-1] == single


# --- Errors -----------------------------------------------------------------------------------

_RULE_LIST = (
    "the rules are ARO101, ARO102, ARO103, ARO104, ARO105, ARO106, ARO201 "
    "(`flake8-asyncio-run rule --all` explains them all)"
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ARO999", f"unknown rule code 'ARO999'; {_RULE_LIST}"),
        ("XYZ", f"unknown rule code 'XYZ'; {_RULE_LIST}"),
        ("E999", f"unknown rule code 'E999'; {_RULE_LIST}"),  # flake8's, not a rule
        ("", f"unknown rule code ''; {_RULE_LIST}"),
        ("AR0101", "unknown rule code 'AR0101'; did you mean 'ARO101'?"),
        ("aro1o6", "unknown rule code 'aro1o6'; did you mean 'ARO106'?"),
        ("ARO2", "unknown rule code 'ARO2'; did you mean 'ARO201'?"),
        (
            "ARO1",
            "unknown rule code 'ARO1'; codes that start with it: "
            "ARO101, ARO102, ARO103, ARO104, ARO105, ARO106",
        ),
    ],
)
def test_an_unknown_code_is_a_usage_error(value: str, expected: str) -> None:
    result = rule_cmd(value)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"flake8-asyncio-run: error: {expected}\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "one of the arguments CODE --all is required"),
        (("--output-format", "json"), "one of the arguments CODE --all is required"),
        (("ARO101", "--all"), "not allowed with argument"),
        (("ARO101", "ARO102"), "unrecognized arguments: ARO102"),
        (("ARO101", "--output-format", "sarif"), "invalid choice: 'sarif'"),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...], message: str) -> None:
    result = rule_cmd(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert message in result.stderr and result.stderr.startswith("usage: flake8-asyncio-run")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_closed_pipe_ends_the_run_quietly(fmt: str) -> None:
    """``rule --all | head -1``: the reader goes away before the output is written."""
    process = subprocess.Popen(
        [sys.executable, "-m", "flake8_asyncio_run", "rule", "--all", "--output-format", fmt],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0
    assert stderr == ""


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_a_stdout_that_cannot_take_the_pages_gets_escapes_not_a_crash(encoding: str) -> None:
    """The pages are not ASCII (ARO201's ``→``); a redirect on Windows writes cp1252,
    which has no ``→`` either.  Text gets an escape in its place; JSON stays the same
    data, written in ASCII."""

    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "flake8_asyncio_run", "rule", "ARO201", *args],
            cwd=ROOT,
            env={**os.environ, "PYTHONIOENCODING": encoding},
            capture_output=True,
            check=False,
        )

    text = run()
    assert (text.returncode, text.stderr) == (0, b"")
    assert b"tasks.analyze_photo_task \\u2192 AnalysisRepository" in text.stdout
    data = run("--output-format", "json")
    assert (data.returncode, data.stderr) == (0, b"")
    data.stdout.decode("ascii")  # every byte ASCII
    utf8 = rule_cmd("ARO201", "--output-format", "json").stdout
    assert "→" in utf8 and json.loads(data.stdout) == json.loads(utf8)


# --- What ``rule`` costs others ---------------------------------------------------------------

_PLUGIN_IMPORTS = """
import sys
import flake8_asyncio_run.plugin
loaded = [m for m in sys.modules if m.startswith(("flake8_asyncio_run.rules.pages",
                                                  "flake8_asyncio_run.cli"))]
print(",".join(loaded))
"""


def test_the_plugin_loads_no_page_and_no_command() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PLUGIN_IMPORTS], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


# --- Links ------------------------------------------------------------------------------------

URL = "https://example.org/docs/rules/ARO101.md"


def test_absolute_links_resolves_relative_targets_only() -> None:
    text = (
        "See [ARO103](ARO103.md), [safety](../fixing.md#fix-safety), [below](#options)\n"
        "and [ruff](https://docs.astral.sh/ruff/).\n"
    )
    assert absolute_links(text, URL) == (
        "See [ARO103](https://example.org/docs/rules/ARO103.md), "
        "[safety](https://example.org/docs/fixing.md#fix-safety), "
        "[below](https://example.org/docs/rules/ARO101.md#options)\n"
        "and [ruff](https://docs.astral.sh/ruff/).\n"
    )


def test_absolute_links_leaves_code_alone() -> None:
    text = (
        "```python\nhandlers[0](event)\n```\n"
        "~~~~\n```\nx[1](y)\n~~~~\n"
        "Call `table[key](arg)` or read [ARO102](ARO102.md).\n"
    )
    assert absolute_links(text, URL) == text.replace(
        "(ARO102.md)", "(https://example.org/docs/rules/ARO102.md)"
    )


# --- From a built wheel -----------------------------------------------------------------------


@pytest.fixture
def wheel(built_wheel: Path) -> Path:
    return built_wheel


_WHERE = """
import flake8_asyncio_run.rules.pages as pages
print(pages.page_source("ARO101"))
"""


def _run_from(path: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Python with ``path`` (an install directory or the wheel itself) first on
    ``sys.path``, outside the checkout (whose directory ``-m`` would put first)."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env={"PYTHONPATH": str(path), "PATH": ""},
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )


def _assert_carries_every_page(wheel: Path) -> None:
    archive = zipfile.ZipFile(wheel)
    for code in CODES:
        shipped = archive.read(f"flake8_asyncio_run/rules/docs/{code}.md")
        assert shipped == (RULE_DOCS / f"{code}.md").read_bytes(), code


@pytest.mark.slow
def test_the_wheel_carries_every_page(wheel: Path) -> None:
    _assert_carries_every_page(wheel)


@pytest.mark.slow
def test_a_wheel_built_from_the_sdist_carries_every_page(tmp_path: Path) -> None:
    """``python -m build`` builds the wheel from the sdist (as pip does from PyPI's
    sdist, and distributions do): the sdist must hold docs/rules/ for it."""
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    (built,) = tmp_path.glob("*.whl")
    _assert_carries_every_page(built)


@pytest.mark.slow
@pytest.mark.parametrize("form", ["installed", "zipped"])
def test_rule_runs_from_the_wheel_as_from_the_checkout(
    wheel: Path, tmp_path: Path, form: str
) -> None:
    """pip-installed from the wheel (or imported from the wheel itself, as zip bundles
    do), ``rule`` reads the wheel's pages, never the checkout's, and prints the same."""
    if form == "installed":
        target = tmp_path / "site"
        installed = subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
             "--target", str(target), str(wheel)],
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
        assert installed.returncode == 0, installed.stderr
    else:
        target = wheel
    where = _run_from(target, tmp_path, "-c", _WHERE)
    assert where.returncode == 0, where.stderr
    assert where.stdout.startswith(str(target / "flake8_asyncio_run" / "rules" / "docs"))
    for args in (("ARO101",), ("--all", "--output-format", "json")):
        from_wheel = _run_from(target, tmp_path, "-m", "flake8_asyncio_run", "rule", *args)
        assert (from_wheel.returncode, from_wheel.stderr) == (0, "")
        assert from_wheel.stdout == rule_cmd(*args).stdout


@pytest.mark.slow
def test_an_installation_without_its_pages_says_so(wheel: Path, tmp_path: Path) -> None:
    """A broken install (the pages left out) is an error naming what is missing, not a
    page read from somewhere else."""
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    pages = target / "flake8_asyncio_run" / "rules" / "docs"
    for path in pages.iterdir():
        path.unlink()
    pages.rmdir()
    result = _run_from(target, tmp_path, "-m", "flake8_asyncio_run", "rule", "ARO101")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(
        "flake8-asyncio-run: error: the docs page of ARO101 is not installed: neither "
        f"{pages / 'ARO101.md'} nor "
    )
    assert "Traceback" not in result.stderr
