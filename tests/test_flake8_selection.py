"""What docs/usage.md says about selecting our codes in flake8, through flake8's command
line: flake8 7 reports an installed plugin's codes by default, so plain ``flake8`` shows
ARO findings; ``--select ARO`` keeps only ours; an explicit ``select`` without ARO hides
them, and ``extend-select = ARO`` brings them back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

#: One ARO101 (line 14) and one E302 (line 7: one blank line before a def).
SOURCE = """\
import asyncio


async def a():
    return 1

async def b(x):
    return x


def task():
    x = asyncio.run(a())
    y = asyncio.run(b(x))
    return y
"""


def _flake8(where: Path, *args: str, config: str | None = None) -> tuple[int, set[str]]:
    (where / "pyproject.toml").write_text("", "utf-8")  # the project root, for our cache
    (where / "t.py").write_text(SOURCE, "utf-8")
    if config is not None:
        (where / "setup.cfg").write_text(f"[flake8]\n{config}\n", "utf-8")
    isolated = [] if config is not None else ["--isolated"]
    done = subprocess.run(
        [sys.executable, "-m", "flake8", *isolated, "-j", "1", *args, "t.py"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    codes = {line.split(": ", 1)[1].split()[0] for line in done.stdout.splitlines()}
    return done.returncode, codes


def test_plain_flake8_reports_our_codes(tmp_path: Path) -> None:
    assert _flake8(tmp_path) == (1, {"ARO101", "E302"})


@pytest.mark.parametrize(
    ("args", "config", "expected"),
    [
        (["--select", "ARO"], None, (1, {"ARO101"})),
        (["--select", "E,W"], None, (1, {"E302"})),
        (["--select", "E,W", "--extend-select", "ARO"], None, (1, {"ARO101", "E302"})),
        ([], "select = E,W,F", (1, {"E302"})),
        ([], "select = E,W,F\nextend-select = ARO", (1, {"ARO101", "E302"})),
        ([], "extend-ignore = E302", (1, {"ARO101"})),
    ],
)
def test_selection(
    tmp_path: Path, args: list[str], config: str | None, expected: tuple[int, set[str]]
) -> None:
    assert _flake8(tmp_path, *args, config=config) == expected
