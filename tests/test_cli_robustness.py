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


# --- a standard output that cannot be written

STDOUT_FULL = "flake8-asyncio-run: error: cannot write to standard output: No space left on device"
STDOUT_CLOSED = "flake8-asyncio-run: error: cannot write to standard output: it is closed"


def _run(args: list[str], stdin: bytes | None = None, *more: object) -> object:
    return pytest.param(args, stdin, *more, id=" ".join(args[:1] + args[2:]))


STDOUT_RUNS = [
    _run(["check", "--isolated", "tasks.py"]),
    _run(["check", "--isolated", "--output-format", "json", "tasks.py"]),
    _run(["fix", "--isolated", "--diff", "tasks.py"]),
    _run(["fix", "--isolated", "--diff", "--output-format", "sarif", "tasks.py"]),
    _run(["fix", "--isolated", "-"], TWO_CALLS.encode()),
    _run(["fix", "--isolated", "--diff", "-"], TWO_CALLS.encode()),
]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
@pytest.mark.parametrize(("args", "stdin"), STDOUT_RUNS)
def test_a_full_stdout_is_an_error_on_one_line(
    tmp_path: Path, args: list[str], stdin: bytes | None
) -> None:
    (tmp_path / "tasks.py").write_text(TWO_CALLS, encoding="utf-8")
    with open("/dev/full", "w") as full:
        result = cli(*args, cwd=tmp_path, stdin=stdin, stdout=full)
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [STDOUT_FULL]
    assert (tmp_path / "tasks.py").read_text(encoding="utf-8") == TWO_CALLS


@pytest.mark.skipif(shutil.which("sh") is None, reason="no POSIX shell")
@pytest.mark.parametrize(("args", "stdin"), STDOUT_RUNS)
def test_a_closed_stdout_is_an_error_on_one_line(
    tmp_path: Path, args: list[str], stdin: bytes | None
) -> None:
    (tmp_path / "tasks.py").write_text(TWO_CALLS, encoding="utf-8")
    result = subprocess.run(
        ["sh", "-c", 'exec "$0" -m flake8_asyncio_run "$@" >&-', sys.executable, *args],
        cwd=tmp_path,
        input=stdin,
        capture_output=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [STDOUT_CLOSED]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_nothing_to_write_needs_no_stdout(tmp_path: Path) -> None:
    (tmp_path / "clean.py").write_text("import asyncio\n\nasyncio.run(main())\n", "utf-8")
    with open("/dev/full", "w") as full:
        result = cli("check", "--isolated", "clean.py", cwd=tmp_path, stdout=full)
    assert (result.returncode, result.stderr) == (0, b"")


def _with_closed_pipe(args: list[str], cwd: Path, stdin: bytes | None = None) -> tuple[int, str]:
    """Run with a stdout pipe whose reader is gone before anything is written."""
    process = subprocess.Popen(
        [sys.executable, "-m", "flake8_asyncio_run", *args],
        cwd=cwd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdout.close()
    _, stderr = process.communicate(stdin or b"", timeout=300)
    return process.returncode, stderr.decode()


@pytest.mark.parametrize(
    ("args", "stdin", "code"),
    [
        # The run's own code: clean JSON is 0 (it was 1, the findings code, before).
        _run(["check", "--isolated", "--output-format", "json", "clean.py"], None, 0),
        _run(["check", "--isolated", "tasks.py"], None, 1),
        _run(["fix", "--isolated", "--diff", "tasks.py"], None, 1),
        _run(["fix", "--isolated", "-"], TWO_CALLS.encode(), 0),
    ],
)
def test_a_closed_pipe_ends_quietly_with_the_runs_own_exit_code(
    tmp_path: Path, args: list[str], stdin: bytes | None, code: int
) -> None:
    (tmp_path / "tasks.py").write_text(TWO_CALLS, encoding="utf-8")
    (tmp_path / "clean.py").write_text("import asyncio\n\nasyncio.run(main())\n", "utf-8")
    returncode, stderr = _with_closed_pipe(args, tmp_path, stdin)
    assert returncode == code, stderr
    assert "Traceback" not in stderr and "Error" not in stderr
    assert "cannot write" not in stderr


# --- the same file named twice


def _findings(result: subprocess.CompletedProcess[bytes]) -> list[str]:
    return [line.split(":")[0] for line in result.stdout.decode().splitlines()]


@pytest.mark.parametrize(
    ("args", "reported"),
    [
        (["a.py", "a.py"], ["a.py"]),
        (["a.py", "./a.py"], ["a.py"]),
        (["./a.py", "a.py", "sub/../a.py"], ["./a.py"]),
        ([".", "a.py"], ["./a.py", "./b.py"]),
        (["b.py", ".", "a.py"], ["b.py", "./a.py"]),
        (["link.py", "a.py"], ["link.py"]),
        (["a.py", "hard.py", "b.py"], ["a.py", "b.py"]),
        ([".", "."], ["./a.py", "./b.py"]),
    ],
)
def test_a_file_named_twice_is_checked_once(
    tmp_path: Path, args: list[str], reported: list[str]
) -> None:
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    (work / "a.py").write_text(TWO_CALLS, encoding="utf-8")
    (work / "b.py").write_text(TWO_CALLS, encoding="utf-8")
    (work / "hard.py").hardlink_to(work / "a.py")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "link.py").symlink_to(work / "a.py")
    (work / "link.py").symlink_to(tmp_path / "elsewhere" / "link.py")  # a chain of links
    if args[0] in (".", "b.py"):  # the walk would find the links and the hard link too
        for name in ("hard.py", "link.py"):
            (work / name).unlink()
    result = cli("check", "--isolated", *args, cwd=work)
    assert result.returncode == 1, result.stderr
    assert _findings(result) == reported
    count = len(reported)
    files = "file" if count == 1 else "files"
    finding = "finding" if count == 1 else "findings"
    assert result.stderr.decode().strip() == f"Found {count} {finding} in {count} {files}."


def test_a_file_named_twice_is_fixed_and_diffed_once(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(TWO_CALLS, encoding="utf-8")
    (tmp_path / "link.py").symlink_to(tmp_path / "a.py")
    names = ["a.py", "./a.py", "link.py", "."]
    diff = cli("fix", "--isolated", "--diff", *names, cwd=tmp_path)
    assert diff.returncode == 1, diff.stderr
    assert diff.stdout.count(b"\n--- ") + diff.stdout.startswith(b"--- ") == 1
    assert diff.stdout.startswith(b"--- a.py\n+++ a.py\n")
    assert diff.stderr.decode().strip() == "1 fixable"
    if shutil.which("patch") is not None:
        copy = tmp_path / "copy"
        copy.mkdir()
        (copy / "a.py").write_text(TWO_CALLS, encoding="utf-8")
        applied = subprocess.run(
            ["patch", "-p0", "--batch"], cwd=copy, input=diff.stdout, capture_output=True
        )
        assert applied.returncode == 0, applied.stdout + applied.stderr
    fixed = cli("fix", "--isolated", *names, cwd=tmp_path)
    assert (fixed.returncode, fixed.stderr.decode().strip()) == (0, "1 fixed")
    if shutil.which("patch") is not None:
        assert (copy / "a.py").read_bytes() == (tmp_path / "a.py").read_bytes()
    assert (tmp_path / "link.py").is_symlink()
