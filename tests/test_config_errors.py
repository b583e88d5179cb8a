"""Configuration mistakes are errors, never ignored: an unknown key in
``[tool.flake8-asyncio-run]``, a code no rule starts with, a target-version we do not
know.  Each names its source (the file, or "command line") and the key, suggests the
closest valid spelling, and exits 2 without a traceback, through both front ends; the
language server shows it and keeps running with the default settings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

TWO_LOOPS = "import asyncio\n\n\ndef task():\n    asyncio.run(a())\n    asyncio.run(b())\n"
ERROR = "flake8-asyncio-run: error: "


def run(front_end: str, cwd: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    if front_end == "flake8":
        command = [sys.executable, "-m", "flake8", "--select", "ARO", *flags, "tasks.py"]
    else:
        command = [sys.executable, "-m", "flake8_asyncio_run", front_end, *flags, "tasks.py"]
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, encoding="utf-8", check=False
    )


def project(tmp_path: Path, table: str, **files: str) -> Path:
    (tmp_path / "tasks.py").write_text(TWO_LOOPS, encoding="utf-8")
    text = '[project]\nname = "demo"\n\n[tool.flake8-asyncio-run]\n' + table
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    for name, content in files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    return tmp_path


def assert_error(result: subprocess.CompletedProcess[str], message: str) -> None:
    """Exit 2, nothing on stdout, and exactly this one error line on stderr."""
    assert "Traceback" not in result.stderr
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [ERROR + message]


FRONT_ENDS = ("check", "fix", "flake8")


@pytest.mark.parametrize("front_end", FRONT_ENDS)
@pytest.mark.parametrize(
    ("key", "suggested"),
    [
        ("extend-ignores", "extend-ignore"),
        ("asyncio-runner", "asyncio-runners"),
        ("asyncio_runner", "asyncio-runners"),
        ("loop-bound-factory", "loop-bound-factories"),
    ],
)
def test_unknown_key_in_pyproject(tmp_path: Path, front_end: str, key: str, suggested: str) -> None:
    root = project(tmp_path, f'{key} = ["ARO1"]\n')
    assert_error(
        run(front_end, root),
        f"{root / 'pyproject.toml'}: unknown key {key!r} in [tool.flake8-asyncio-run]; "
        f"did you mean {suggested!r}?",
    )


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_unknown_key_without_a_close_match(tmp_path: Path, front_end: str) -> None:
    root = project(tmp_path, "colour = true\n")
    assert_error(
        run(front_end, root),
        f"{root / 'pyproject.toml'}: unknown key 'colour' in [tool.flake8-asyncio-run]",
    )


@pytest.mark.parametrize("front_end", FRONT_ENDS)
@pytest.mark.parametrize(
    ("value", "hint"),
    [("banana", ""), ("py3.12", "; did you mean 'py312'?"), ("PY311", "; did you mean 'py311'?")],
)
def test_bad_target_version_in_pyproject(
    tmp_path: Path, front_end: str, value: str, hint: str
) -> None:
    root = project(tmp_path, f'target-version = "{value}"\n')
    assert_error(
        run(front_end, root),
        f"{root / 'pyproject.toml'}: 'target-version' must be one of py310, py311, py312, "
        f"py313, py314, not {value!r}{hint}",
    )


def test_bad_target_version_in_the_flake8_section(tmp_path: Path) -> None:
    root = project(tmp_path, "", **{"setup.cfg": "[flake8]\ntarget-version = banana\n"})
    assert_error(
        run("check", root),
        f"{root / 'setup.cfg'}: 'target-version' must be one of py310, py311, py312, "
        "py313, py314, not 'banana'",
    )


@pytest.mark.parametrize("command", ["check", "fix"])
@pytest.mark.parametrize(
    ("flag", "value", "bad", "suggested"),
    [
        ("--select", "AR0", "AR0", "ARO"),
        ("--extend-select", "ARO1,aro2", "aro2", "ARO2"),
        ("--ignore", "ARO11", "ARO11", "ARO101"),
        ("--extend-ignore", "ARO3", "ARO3", "ARO"),
    ],
)
def test_unknown_code_on_the_command_line(
    tmp_path: Path, command: str, flag: str, value: str, bad: str, suggested: str
) -> None:
    root = project(tmp_path, "")
    assert_error(
        run(command, root, flag, value),
        f"command line: {flag}: {bad!r} is not a flake8-asyncio-run code or the start "
        f"of one; did you mean {suggested!r}?",
    )


def test_unknown_code_in_per_file_ignores_on_the_command_line(tmp_path: Path) -> None:
    root = project(tmp_path, "")
    assert_error(
        run("check", root, "--per-file-ignores", "tasks.py:ARO101,F401"),
        "command line: --per-file-ignores: 'F401' is not a flake8-asyncio-run code or "
        "the start of one",
    )


@pytest.mark.parametrize("front_end", FRONT_ENDS)
@pytest.mark.parametrize(
    ("table", "key", "bad", "suggested"),
    [
        ('select = ["AR0"]\n', "select", "AR0", "ARO"),
        ('extend-ignore = ["ARO2", "ARO-101"]\n', "extend-ignore", "ARO-101", "ARO101"),
        ('per-file-ignores = { "tests/*" = ["ARO1O1"] }\n', "per-file-ignores", "ARO1O1", "ARO101"),
        ('per-file-ignores = "tests/*:ARO9"\n', "per-file-ignores", "ARO9", "ARO"),
    ],
)
def test_unknown_code_in_pyproject(
    tmp_path: Path, front_end: str, table: str, key: str, bad: str, suggested: str
) -> None:
    root = project(tmp_path, table)
    assert_error(
        run(front_end, root),
        f"{root / 'pyproject.toml'}: {key!r}: {bad!r} is not a flake8-asyncio-run code "
        f"or the start of one; did you mean {suggested!r}?",
    )


@pytest.mark.parametrize(
    "flags",
    [
        ["--select", "ARO"],
        ["--select", "ARO1,ARO201"],
        ["--select", "E", "--ignore", "E999"],
        ["--select", "ARO", "--extend-ignore", "ARO2", "--extend-select", "ARO102"],
        ["--per-file-ignores", "other.py:ARO1 tasks.py:ARO2"],
    ],
    ids=" ".join,
)
def test_known_prefixes_still_accepted(tmp_path: Path, flags: list[str]) -> None:
    root = project(tmp_path, 'select = ["ARO"]\nextend-ignore = ["ARO2"]\n')
    result = run("check", root, *flags)
    assert result.returncode in (0, 1), result.stderr
    assert ERROR not in result.stderr


@pytest.mark.parametrize("front_end", ["check", "flake8"])
def test_flake8_section_is_shared_with_other_plugins(tmp_path: Path, front_end: str) -> None:
    """Its unknown keys and other plugins' codes are none of our business."""
    section = (
        "[flake8]\nmax-line-length = 100\nselect = E,F,W,ARO\nextend-ignore = E501\n"
        "per-file-ignores = tests/*:F401,ARO101\nbanana-option = 3\n"
    )
    root = project(tmp_path, "", **{"setup.cfg": section})
    result = run(front_end, root)
    assert "Traceback" not in result.stderr
    assert result.returncode == 1, result.stderr
    assert "ARO101" in result.stdout


def test_language_server_shows_the_error_and_uses_the_defaults(tmp_path: Path) -> None:
    pytest.importorskip("pygls")
    from lsprotocol import types

    from flake8_asyncio_run.config import Settings
    from flake8_asyncio_run.lsp.server import AsyncioRunServer

    root = project(tmp_path, 'extend-ignores = ["ARO1"]\n')
    server = AsyncioRunServer()
    shown: list[types.ShowMessageParams] = []
    server.window_show_message = shown.append  # type: ignore[method-assign]
    assert server.settings_for(root) == Settings()
    assert server.settings_for(root) == Settings()  # cached: shown once
    assert [(m.type, m.message) for m in shown] == [
        (
            types.MessageType.Warning,
            f"flake8-asyncio-run: {root / 'pyproject.toml'}: unknown key 'extend-ignores' "
            "in [tool.flake8-asyncio-run]; did you mean 'extend-ignore'? "
            "(using the default settings)",
        )
    ]
