"""The command line on awkward input and output, run as users run it (a subprocess):
diffs that ``patch`` applies whatever the file's newlines and encoding, a standard
output that cannot be written, a file named twice, and files that nest too deeply."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import IO

import pytest

TWO_CALLS = (
    "import asyncio\n"
    "\n"
    "\n"
    "def task(key):\n"
    "    raw = asyncio.run(fetch(key))\n"
    "    data = asyncio.run(parse(raw))\n"
    "    return data\n"
)


def cli(
    *args: str, cwd: Path, stdin: bytes | None = None, stdout: int | IO[str] = subprocess.PIPE
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", *args],
        cwd=cwd,
        input=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        check=False,
        timeout=300,
    )


# --- fix --diff output that patch applies


def _mixed_files() -> dict[str, bytes]:
    latin1 = (
        "# -*- coding: latin-1 -*-\n"
        "import asyncio\n"
        "\n"
        "\n"
        "def tâche(clé):\n"
        "    # données brutes, « café »\n"
        "    raw = asyncio.run(fetch(clé))\n"
        "    data = asyncio.run(parse(raw, 'été'))\n"
        "    return data  # prêt\n"
    )
    return {
        "cr_only.py": TWO_CALLS.replace("\n", "\r").encode(),
        "latin1.py": latin1.encode("latin-1"),
        "utf8.py": ("# naïve ≒\n" + TWO_CALLS).encode(),
        "crlf.py": TWO_CALLS.replace("\n", "\r\n").encode(),
        "no_final_newline.py": TWO_CALLS.rstrip("\n").encode(),
    }


def test_diff_of_cr_only_latin1_and_utf8_files_applies_with_patch(tmp_path: Path) -> None:
    if shutil.which("patch") is None:
        pytest.skip("no patch program")
    files = _mixed_files()
    diffed, fixed = tmp_path / "diffed", tmp_path / "fixed"
    for directory in (diffed, fixed):
        directory.mkdir()
        for name, data in files.items():
            (directory / name).write_bytes(data)
    names = list(files)

    diff = cli("fix", "--isolated", "--diff", *names, cwd=diffed)
    assert diff.returncode == 1, diff.stderr
    assert diff.stderr.decode().strip() == f"{len(files)} fixable"
    for name in names:
        assert diff.stdout.count(f"--- {name}\n".encode()) == 1
    # The latin-1 file's lines are in latin-1, as the file holds them, not in UTF-8.
    assert "    # données brutes, « café »\n".encode("latin-1") in diff.stdout
    assert "données".encode() not in diff.stdout
    assert all((diffed / name).read_bytes() == data for name, data in files.items())

    written = cli("fix", "--isolated", *names, cwd=fixed)
    assert written.returncode == 0, written.stderr
    applied = subprocess.run(
        ["patch", "-p0", "--batch"], cwd=diffed, input=diff.stdout, capture_output=True
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    for name in names:
        assert (diffed / name).read_bytes() == (fixed / name).read_bytes(), name
        assert (fixed / name).read_bytes() != files[name], name
    assert b"\n" not in (fixed / "cr_only.py").read_bytes()  # still CR-only


def test_diff_of_standard_input_is_in_its_encoding(tmp_path: Path) -> None:
    if shutil.which("patch") is None:
        pytest.skip("no patch program")
    data = _mixed_files()["latin1.py"]
    (tmp_path / "latin1.py").write_bytes(data)
    diff = cli(
        "fix", "--isolated", "--diff", "--stdin-filename", "latin1.py", "-",
        cwd=tmp_path, stdin=data,
    )  # fmt: skip
    assert diff.returncode == 1, diff.stderr
    fixed = cli("fix", "--isolated", "-", cwd=tmp_path, stdin=data)
    assert fixed.returncode == 0, fixed.stderr
    applied = subprocess.run(
        ["patch", "-p0", "--batch"], cwd=tmp_path, input=diff.stdout, capture_output=True
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert (tmp_path / "latin1.py").read_bytes() == fixed.stdout
