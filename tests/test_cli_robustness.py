"""The command line on awkward input and output, run as users run it (a subprocess):
diffs that ``patch`` applies whatever the file's newlines and encoding, a standard
output that cannot be written, a file named twice, and files that nest too deeply."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

import pytest

from flake8_asyncio_run.cli import deep, main
from flake8_asyncio_run.cli import fix as cli_fix
from flake8_asyncio_run.fix import fix_text as real_fix_text

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
        (["b.py", ".", "a.py"], ["./a.py", "b.py"]),  # spelled as first met, sorted
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


# --- files that nest deeply


def _deep_program(terms: int) -> str:
    """A function with two runner calls and a ``terms``-term sum between them (which
    CPython compiles and runs), and the coroutines, so that it runs before and after."""
    total = " + ".join(["1"] * terms)
    return (
        "import asyncio\n"
        "\n"
        "\n"
        "async def fetch(key):\n"
        "    return key * 2\n"
        "\n"
        "\n"
        "async def parse(raw, extra):\n"
        "    return raw + extra\n"
        "\n"
        "\n"
        "def task(key):\n"
        "    raw = asyncio.run(fetch(key))\n"
        f"    extra = {total}\n"
        "    data = asyncio.run(parse(raw, extra))\n"
        "    return data\n"
        "\n"
        "\n"
        "print(task(10))\n"
    )


def _runs(path: Path) -> str:
    done = subprocess.run([sys.executable, str(path)], capture_output=True, check=True)
    return done.stdout.decode()


# 400 terms run libcst's walks out of frames; from about 700 the RecursionError comes
# back as the KeyError that libcst's position recording raises while it unwinds.
@pytest.mark.parametrize("terms", [400, 1000])
def test_a_deep_expression_is_fixed_and_the_other_files_too(tmp_path: Path, terms: int) -> None:
    deep = _deep_program(terms)
    (tmp_path / "deep.py").write_text(deep, encoding="utf-8")
    (tmp_path / "tasks.py").write_text(TWO_CALLS, encoding="utf-8")
    printed = f"{20 + terms}\n"
    assert _runs(tmp_path / "deep.py") == printed
    result = cli("fix", "--isolated", "deep.py", "tasks.py", cwd=tmp_path)
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr and "RecursionError" not in stderr
    assert (result.returncode, stderr.strip()) == (0, "2 fixed")
    fixed = (tmp_path / "deep.py").read_text(encoding="utf-8")
    assert fixed != deep and fixed.count("asyncio.run(") == 1
    assert (tmp_path / "tasks.py").read_text(encoding="utf-8") != TWO_CALLS
    assert _runs(tmp_path / "deep.py") == printed
    after = cli("check", "--isolated", "deep.py", "tasks.py", cwd=tmp_path)
    assert (after.returncode, after.stdout) == (0, b"")


def test_a_deep_expression_is_diffed_and_fixed_from_standard_input(tmp_path: Path) -> None:
    deep = _deep_program(400)
    (tmp_path / "deep.py").write_text(deep, encoding="utf-8")
    (tmp_path / "tasks.py").write_text(TWO_CALLS, encoding="utf-8")
    diff = cli("fix", "--isolated", "--diff", "deep.py", "tasks.py", cwd=tmp_path)
    assert (diff.returncode, diff.stderr.decode().strip()) == (1, "2 fixable")
    assert diff.stdout.count(b"+++ ") == 2
    piped = cli("fix", "--isolated", "-", cwd=tmp_path, stdin=deep.encode())
    assert (piped.returncode, piped.stderr.decode().strip()) == (0, "1 fixed")
    report = cli("fix", "--isolated", "--diff", "--output-format", "json", "deep.py", cwd=tmp_path)
    # The report's plans get the room too: no "internal error in the fixer".
    assert (report.returncode, report.stderr) == (1, b"1 fixable\n")
    (finding,) = json.loads(report.stdout)["findings"]
    assert finding["fix"]["applicability"] == "safe"
    fixed = cli("fix", "--isolated", "deep.py", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert (tmp_path / "deep.py").read_bytes() == piped.stdout
    if shutil.which("patch") is not None:
        copy = tmp_path / "copy"
        copy.mkdir()
        (copy / "deep.py").write_text(deep, encoding="utf-8")
        (copy / "tasks.py").write_text(TWO_CALLS, encoding="utf-8")
        applied = subprocess.run(
            ["patch", "-p0", "--batch"], cwd=copy, input=diff.stdout, capture_output=True
        )
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert (copy / "deep.py").read_bytes() == piped.stdout


def test_deeper_than_python_parses_is_skipped_and_the_run_goes_on(tmp_path: Path) -> None:
    # 100,000 terms are beyond what Python's own parser builds: a syntax error, as in
    # check, and the other file is fixed.
    (tmp_path / "huge.py").write_text(_deep_program(100_000), encoding="utf-8")
    (tmp_path / "tasks.py").write_text(TWO_CALLS, encoding="utf-8")
    result = cli("fix", "--isolated", "huge.py", "tasks.py", cwd=tmp_path)
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr
    assert result.returncode == 1  # the E999 finding is left
    assert "huge.py: skipped, not fixed: SyntaxError: maximum recursion depth" in stderr
    assert (tmp_path / "tasks.py").read_text(encoding="utf-8") != TWO_CALLS


def _too_deep_for(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixer runs out of recursion room on ``name`` whatever the limit."""

    def fix_text(text: str, path: str, *args: Any, **kwargs: Any) -> Any:
        if path == name:
            raise RecursionError("maximum recursion depth exceeded")
        return real_fix_text(text, path, *args, **kwargs)

    monkeypatch.setattr(cli_fix, "fix_text", fix_text)


def test_a_file_too_deep_for_the_fixer_is_skipped_and_the_run_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    deep = _deep_program(400)
    Path("deep.py").write_text(deep, encoding="utf-8")
    Path("tasks.py").write_text(TWO_CALLS, encoding="utf-8")
    _too_deep_for("deep.py", monkeypatch)
    limit = sys.getrecursionlimit()

    assert main(["fix", "--isolated", "deep.py", "tasks.py"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "flake8-asyncio-run: error: deep.py: skipped, not fixed: the file nests too deeply "
        "for the fixer",
        "1 fixed",
    ]
    assert Path("deep.py").read_text(encoding="utf-8") == deep
    assert Path("tasks.py").read_text(encoding="utf-8") != TWO_CALLS
    assert (sys.getrecursionlimit(), threading.stack_size()) == (limit, 0)

    Path("tasks.py").write_text(TWO_CALLS, encoding="utf-8")
    assert main(["fix", "--isolated", "--diff", "deep.py", "tasks.py"]) == 2
    out, err = capsys.readouterr()
    assert out.startswith("--- tasks.py\n") and "deep.py" not in out
    assert "deep.py: skipped, not fixed: the file nests too deeply for the fixer" in err


def test_standard_input_too_deep_for_the_fixer_passes_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    monkeypatch.chdir(tmp_path)
    deep = _deep_program(400).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(deep)))
    _too_deep_for("deep.py", monkeypatch)
    assert main(["fix", "--isolated", "--stdin-filename", "deep.py", "-"]) == 2
    out, err = capfdbinary.readouterr()
    assert out == deep
    assert err.decode().splitlines() == [
        "flake8-asyncio-run: error: deep.py: skipped, not fixed: the file nests too deeply "
        "for the fixer"
    ]


def test_room_is_made_on_a_thread_and_taken_back() -> None:
    limit, stack = sys.getrecursionlimit(), threading.stack_size()
    seen: list[tuple[int, str]] = []

    def record() -> int:
        seen.append((sys.getrecursionlimit(), threading.current_thread().name))
        return 7

    assert deep.in_room(record, limit + 5000) == 7
    assert seen == [(limit + 5000, "flake8-asyncio-run-deep")]
    assert (sys.getrecursionlimit(), threading.stack_size()) == (limit, stack)

    def recurse(depth: int = 0) -> int:
        return recurse(depth + 1)

    with pytest.raises(deep.TooDeep):
        deep.in_room(recurse, limit + 100)
    assert (sys.getrecursionlimit(), threading.stack_size()) == (limit, stack)

    def fail() -> None:
        raise KeyError("not a recursion")

    with pytest.raises(KeyError):
        deep.in_room(fail, limit)

    def fail_while_unwinding() -> None:
        try:
            recurse()
        finally:
            raise KeyError("the state the recursion left")

    with pytest.raises(deep.TooDeep):
        deep.in_room(fail_while_unwinding, limit)
    assert deep.out_of_room(RecursionError()) and not deep.out_of_room(KeyError())
    assert deep.frames_for("x = " + " + ".join(["1"] * 400)) > 400 * deep.FRAMES_PER_LEVEL


# --- A standard output that cannot hold the messages' characters ----------------------
SEED_CROSS = Path(__file__).parent / "fixtures" / "seed_cross"


def _narrow(cwd: Path, encoding: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    """The command with standard output in ``encoding`` (an ASCII locale, a Windows
    redirect): the ARO201 message's chain has ``→``."""
    import os

    return subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", *args],
        cwd=cwd,
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": encoding},
        timeout=120,
    )


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
@pytest.mark.parametrize("output_format", ["json", "sarif", "gitlab", "rdjson", "statistics"])
def test_json_formats_escape_what_stdout_cannot_hold(
    tmp_path: Path, encoding: str, output_format: str
) -> None:
    shutil.copytree(SEED_CROSS, tmp_path / "seed")
    args = ["check", "--isolated", "--no-cache", "--output-format"]
    args += ["json", "--statistics"] if output_format == "statistics" else [output_format]
    wide = _narrow(tmp_path / "seed", "utf-8", *args, ".")
    narrow = _narrow(tmp_path / "seed", encoding, *args, ".")
    assert narrow.returncode == wide.returncode == 1, narrow.stderr.decode(errors="replace")
    assert b"Traceback" not in narrow.stderr
    narrow.stdout.decode(encoding)  # every byte in the stream's encoding
    # The same JSON, its non-ASCII characters spelled as JSON escapes.
    assert json.loads(narrow.stdout.decode(encoding)) == json.loads(wide.stdout.decode())
    if output_format != "statistics":
        assert "→".encode() in wide.stdout


def test_text_output_escapes_what_stdout_cannot_hold(tmp_path: Path) -> None:
    shutil.copytree(SEED_CROSS, tmp_path / "seed")
    args = ["check", "--isolated", "--no-cache", "--output-format", "text", "."]
    narrow = _narrow(tmp_path / "seed", "ascii", *args)
    assert narrow.returncode == 1, narrow.stderr.decode(errors="replace")
    assert b"Traceback" not in narrow.stderr
    assert "tasks.analyze_photo_task \\u2192 tasks.analyze_photo" in narrow.stdout.decode("ascii")


def test_fix_report_escapes_what_stdout_cannot_hold(tmp_path: Path) -> None:
    shutil.copytree(SEED_CROSS, tmp_path / "seed")
    args = ["fix", "--isolated", "--no-cache", "--diff", "--output-format", "json", "."]
    wide = _narrow(tmp_path / "seed", "utf-8", *args)
    narrow = _narrow(tmp_path / "seed", "ascii", *args)
    assert narrow.returncode == wide.returncode, narrow.stderr.decode(errors="replace")
    assert b"Traceback" not in narrow.stderr
    assert "→".encode() in wide.stdout
    assert json.loads(narrow.stdout.decode("ascii")) == json.loads(wide.stdout.decode())
