"""The reporting options through the real command line: ``--statistics``,
``--output-file``, ``--color`` (with a pseudo-terminal for ``auto``), and ``fix``'s
``--show-fixes`` and ``--fix-only``."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import cli

from flake8_asyncio_run.output import FORMATS

ESC = "\x1b["

#: ARO102 twice (file walked first), ARO103 three times, ARO101 twice: the statistics
#: must order by count (ARO103 first) and break the tie by code (ARO101 before ARO102),
#: not by the order the files were walked in.
LOOPS = """\
import asyncio


def profiles(ids):
    for i in ids:
        asyncio.run(refresh(i))


def avatars(ids):
    while ids:
        asyncio.run(refresh(ids.pop()))
"""
ASYNC = """\
import asyncio


async def one():
    return asyncio.run(fetch())


async def two():
    return asyncio.run(fetch())


async def three():
    return asyncio.run(fetch())
"""
TASKS = """\
import asyncio


def first(key):
    photo = asyncio.run(download(key))
    return asyncio.run(verify(photo))


def second(key):
    photo = asyncio.run(download(key))
    return asyncio.run(verify(photo))
"""
#: ARO101 with a safe fix (safe) and one without (unsafe: 'return' between the calls),
#: ARO103 with a safe fix, ARO104 with none.
MIXED = """\
import asyncio


def safe(key):
    photo = asyncio.run(download(key))
    return asyncio.run(verify(photo))


def unsafe(flag):
    a = asyncio.run(fetch())
    if flag:
        return a
    b = asyncio.run(fetch())
    return b


async def handler():
    return asyncio.run(fetch())


def mixed():
    asyncio.run(fetch())
    return asyncio.get_event_loop()
"""
#: ARO104 alone: nothing to fix.
ONLY_MANUAL = """\
import asyncio


def mixed():
    asyncio.run(f())
    return asyncio.get_event_loop()
"""


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The runs inherit this environment: no colour settings from the one running the
    tests, and a terminal that can show colours."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.fixture
def counted(tmp_path: Path) -> Path:
    return _project(tmp_path, {"a_loops.py": LOOPS, "b_async.py": ASYNC, "c_tasks.py": TASKS})


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    return _project(tmp_path, {"m.py": MIXED, "clean.py": "print('hello')\n"})


# --- --statistics ------------------------------------------------------------------------


def test_statistics_by_count_then_code_instead_of_the_findings(counted: Path) -> None:
    done = cli(counted, "check", "--no-cache", "--statistics", ".")
    assert done.returncode == 1, done.stderr
    assert done.stdout == (
        "3\tARO103\t[*] asyncio-run-in-async\n"
        "2\tARO101\t[*] multiple-event-loops\n"
        "2\tARO102\t[*] event-loop-in-loop\n"
    )
    assert "a_loops.py" not in done.stdout  # the findings themselves are replaced
    assert done.stderr == "Found 7 findings in 3 files.\n"


def test_statistics_align_counts_and_codes_and_mark_rules_without_a_fix(tmp_path: Path) -> None:
    many = "import asyncio\n\n\ndef f():\n" + "    asyncio.run(g())\n" * 12
    project = _project(tmp_path, {"many.py": many, "m.py": MIXED})
    done = cli(project, "check", "--no-cache", "--statistics", ".")
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines() == [
        "13\tARO101\t[*] multiple-event-loops",  # 11 in many.py, 2 in m.py
        " 1\tARO103\t[*] asyncio-run-in-async",
        " 1\tARO104\t[ ] mixed-loop-management",
    ]


def test_statistics_json_is_a_list(counted: Path) -> None:
    done = cli(counted, "check", "--no-cache", "--statistics", "--output-format", "json", ".")
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout) == [
        {"code": c, "name": n, "count": k, "fixable": True, "fixed": None}
        for c, n, k in (
            ("ARO103", "asyncio-run-in-async", 3),
            ("ARO101", "multiple-event-loops", 2),
            ("ARO102", "event-loop-in-loop", 2),
        )
    ]


def test_statistics_of_a_clean_run(tmp_path: Path) -> None:
    project = _project(tmp_path, {"clean.py": "import asyncio\nasyncio.run(main())\n"})
    text = cli(project, "check", "--no-cache", "--statistics", ".")
    assert (text.returncode, text.stdout, text.stderr) == (0, "", "")
    data = cli(project, "check", "--no-cache", "--statistics", "--output-format", "json", ".")
    assert (data.returncode, data.stdout) == (0, "[]\n")


@pytest.mark.parametrize("output_format", sorted(set(FORMATS) - {"text", "json"}))
def test_statistics_refuse_other_formats(counted: Path, output_format: str) -> None:
    done = cli(counted, "check", "--statistics", "--output-format", output_format, ".")
    assert done.returncode == 2
    assert done.stdout == ""
    assert f"--statistics prints text or json, not --output-format {output_format}" in done.stderr
    assert not (counted / ".flake8-asyncio-run-cache").exists()  # refused before reading


def test_statistics_of_fix_diff_count_this_runs_fixes(mixed: Path) -> None:
    before = (mixed / "m.py").read_bytes()
    done = cli(mixed, "fix", "--no-cache", "--diff", "--statistics", ".")
    assert done.returncode == 1, done.stderr  # --diff's code: there is a diff
    assert done.stdout == (
        "2\tARO101\t[~] multiple-event-loops\n"  # one of the two has a safe fix
        "1\tARO103\t[*] asyncio-run-in-async\n"
        "1\tARO104\t[ ] mixed-loop-management\n"
    )
    assert "@@" not in done.stdout
    as_json = cli(
        mixed, "fix", "--no-cache", "--diff", "--statistics", "--output-format", "json", "."
    )
    fixed = {row["code"]: (row["fixable"], row["fixed"]) for row in json.loads(as_json.stdout)}
    assert fixed == {"ARO101": (False, 1), "ARO103": (True, 1), "ARO104": (False, 0)}
    unsafe = cli(mixed, "fix", "--no-cache", "--diff", "--statistics", "--unsafe-fixes", ".")
    assert unsafe.stdout.splitlines()[0] == "2\tARO101\t[*] multiple-event-loops"
    assert (mixed / "m.py").read_bytes() == before


def test_statistics_need_diff_with_fix(mixed: Path) -> None:
    before = (mixed / "m.py").read_bytes()
    done = cli(mixed, "fix", "--statistics", ".")
    assert done.returncode == 2
    assert "--statistics needs --diff with fix" in done.stderr
    assert (mixed / "m.py").read_bytes() == before


# --- --output-file -----------------------------------------------------------------------


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("output_format", sorted(FORMATS))
def test_output_file_holds_what_stdout_would(mixed: Path, output_format: str) -> None:
    plain = cli(mixed, "check", "--output-format", output_format, ".")
    target = mixed / "reports" / "nested" / f"check.{output_format}"
    done = cli(mixed, "check", "--output-format", output_format, "--output-file", str(target), ".")
    assert done.returncode == plain.returncode == 1
    assert done.stdout == ""
    assert done.stderr == plain.stderr  # the summary stays on stderr
    assert plain.stdout
    assert target.read_text(encoding="utf-8") == plain.stdout
    assert _leftovers(target.parent) == []


@pytest.mark.parametrize("output_format", sorted(FORMATS))
def test_fix_diff_output_file_holds_what_stdout_would(mixed: Path, output_format: str) -> None:
    before = (mixed / "m.py").read_bytes()
    args = ("fix", "--diff", "--output-format", output_format, ".")
    plain = cli(mixed, *args)
    done = cli(mixed, *args[:-1], "--output-file", "out.txt", ".")
    assert done.returncode == plain.returncode == 1
    assert done.stdout == ""
    assert plain.stdout
    assert (mixed / "out.txt").read_text(encoding="utf-8") == plain.stdout
    assert (mixed / "m.py").read_bytes() == before


@pytest.mark.parametrize("command", [("check",), ("fix", "--diff")])
@pytest.mark.parametrize("output_format", ["text", "json"])
def test_statistics_to_an_output_file(
    mixed: Path, command: tuple[str, ...], output_format: str
) -> None:
    args = (*command, "--statistics", "--output-format", output_format, ".")
    plain = cli(mixed, *args)
    done = cli(mixed, *args[:-1], "--output-file", "stats.out", ".")
    assert done.stdout == ""
    assert (mixed / "stats.out").read_text(encoding="utf-8") == plain.stdout != ""


def test_output_file_of_a_clean_run_is_empty_and_replaces_the_old_one(tmp_path: Path) -> None:
    project = _project(tmp_path, {"clean.py": "print('hello')\n"})
    report = project / "report.txt"
    report.write_text("stale findings\n", encoding="utf-8")
    done = cli(project, "check", "--output-file", "report.txt", ".")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert report.read_bytes() == b""


def test_output_file_is_created_with_the_umask_mode(mixed: Path) -> None:
    cli(mixed, "check", "--output-file", "r.txt", ".")
    mask = os.umask(0o022)
    os.umask(mask)
    assert (mixed / "r.txt").stat().st_mode & 0o777 == 0o666 & ~mask


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("clean.py/report.txt", os.strerror(errno.ENOTDIR)),  # the parent is a file
        ("a_directory", os.strerror(errno.EISDIR)),  # the path is a directory
    ],
)
def test_unwritable_output_file_exits_2_naming_it(mixed: Path, where: str, reason: str) -> None:
    (mixed / "a_directory").mkdir()
    done = cli(mixed, "check", "--output-file", where, ".")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"flake8-asyncio-run: error: cannot write the output file {where}: {reason}"
    ]
    assert (mixed / "clean.py").read_text(encoding="utf-8") == "print('hello')\n"
    assert list((mixed / "a_directory").iterdir()) == []
    assert _leftovers(mixed) == []


def test_output_file_never_overwrites_a_checked_file(mixed: Path) -> None:
    before = (mixed / "m.py").read_bytes()
    for args in (("check",), ("fix", "--diff")):
        done = cli(mixed, *args, "--output-file", "./m.py", "m.py")
        assert done.returncode == 2
        assert "--output-file ./m.py: refusing to overwrite a file being checked" in done.stderr
        assert (mixed / "m.py").read_bytes() == before


def test_output_file_never_overwrites_a_file_the_run_skipped(tmp_path: Path) -> None:
    """fix --diff skips a file that cannot run a loop (the prefilter) or that the
    results cache knows is clean; it is still a file being checked, not a report."""
    (tmp_path / "plain.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "clean.py").write_text(
        "import asyncio\n\n\ndef main():\n    asyncio.run(go())\n", encoding="utf-8"
    )
    assert cli(tmp_path, "check", ".").returncode == 0  # fills the results cache
    for name in ("plain.py", "clean.py"):
        before = (tmp_path / name).read_bytes()
        for paths in ((name,), (".",)):
            done = cli(tmp_path, "fix", "--diff", "--output-file", name, *paths)
            assert done.returncode == 2, done.stderr
            assert f"--output-file {name}: refusing to overwrite a file being checked" in (
                done.stderr
            )
            assert (tmp_path / name).read_bytes() == before
    # A file of the walk that is not Python is not an input: the report may replace it.
    (tmp_path / "report.txt").write_text("old\n", encoding="utf-8")
    done = cli(tmp_path, "fix", "--diff", "--output-file", "report.txt", ".")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "report.txt").read_bytes() == b""


def test_output_file_needs_a_path(mixed: Path) -> None:
    done = cli(mixed, "check", "--output-file", "", ".")
    assert done.returncode == 2
    assert done.stderr == "flake8-asyncio-run: error: --output-file needs a path\n"


def test_output_file_needs_diff_with_fix(mixed: Path) -> None:
    before = (mixed / "m.py").read_bytes()
    done = cli(mixed, "fix", "--output-file", "out.txt", ".")
    assert done.returncode == 2
    assert "--output-file needs --diff with fix" in done.stderr
    assert not (mixed / "out.txt").exists()
    assert (mixed / "m.py").read_bytes() == before


# --- --color -----------------------------------------------------------------------------


def _on_a_terminal(cwd: Path, *args: str) -> str:
    """The command's stdout when stdout is a pseudo-terminal (stderr a pipe)."""
    leader, follower = os.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "flake8_asyncio_run", *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=follower,
            stderr=subprocess.PIPE,
        )
    finally:
        os.close(follower)
    chunks: list[bytes] = []
    try:
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError as error:  # EIO: the terminal closed with the last writer
                if error.errno != errno.EIO:
                    raise
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
        process.communicate(timeout=120)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_auto_colours_a_terminal_only(mixed: Path) -> None:
    shown = _on_a_terminal(mixed, "check", "m.py")
    assert f"{ESC}1mm.py{ESC}0m:6:12: {ESC}1;31mARO101{ESC}0m asyncio.run()" in shown
    piped = cli(mixed, "check", "m.py")
    assert ESC not in piped.stdout
    assert piped.stdout.startswith("m.py:6:12: ARO101 asyncio.run()")
    for code in ("1", "1;31", "0"):
        shown = shown.replace(f"{ESC}{code}m", "")
    assert shown == piped.stdout  # colour adds escapes and changes nothing else


def test_no_color_and_force_color(mixed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert ESC not in _on_a_terminal(mixed, "check", "m.py")
    assert ESC in _on_a_terminal(mixed, "check", "--color", "always", "m.py")  # flag wins
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert ESC not in cli(mixed, "check", "m.py").stdout  # NO_COLOR wins over FORCE_COLOR
    monkeypatch.setenv("NO_COLOR", "")  # an empty NO_COLOR does not count
    assert ESC in cli(mixed, "check", "m.py").stdout  # FORCE_COLOR colours a pipe
    assert ESC not in cli(mixed, "check", "--color", "never", "m.py").stdout
    assert ESC not in _on_a_terminal(mixed, "check", "--color", "never", "m.py")


def test_dumb_terminal_is_not_coloured(mixed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "dumb")
    assert ESC not in _on_a_terminal(mixed, "check", "m.py")
    assert ESC in _on_a_terminal(mixed, "check", "--color", "always", "m.py")


@pytest.mark.parametrize("output_format", sorted(set(FORMATS) - {"text"}))
def test_machine_formats_are_never_coloured(
    mixed: Path, output_format: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    for args in (("check",), ("fix", "--diff")):
        done = cli(mixed, *args, "--color", "always", "--output-format", output_format, ".")
        assert done.stdout
        assert ESC not in done.stdout
    shown = _on_a_terminal(mixed, "check", "--output-format", output_format, ".")
    assert shown
    assert ESC not in shown


def test_statistics_colour_only_in_text(mixed: Path) -> None:
    text = cli(mixed, "check", "--statistics", "--color", "always", ".")
    assert text.stdout.splitlines()[0] == (
        f"{ESC}1m2{ESC}0m\t{ESC}1;31mARO101{ESC}0m\t{ESC}36m[*]{ESC}0m multiple-event-loops"
    )
    as_json = cli(
        mixed, "check", "--statistics", "--color", "always", "--output-format", "json", "."
    )
    assert ESC not in as_json.stdout


def test_output_file_is_never_coloured(mixed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    for args in (("check",), ("check", "--statistics"), ("fix", "--diff")):
        done = cli(mixed, *args, "--color", "always", "--output-file", "out.txt", ".")
        assert done.stdout == ""
        written = (mixed / "out.txt").read_text(encoding="utf-8")
        assert written
        assert ESC not in written


def test_diff_is_coloured_on_request_and_keeps_its_text(mixed: Path) -> None:
    plain = cli(mixed, "fix", "--diff", "m.py").stdout
    coloured = cli(mixed, "fix", "--diff", "--color", "always", "m.py").stdout
    assert f"{ESC}1m--- m.py{ESC}0m\n{ESC}1m+++ m.py{ESC}0m\n{ESC}36m@@ " in coloured
    removed = next(line for line in plain.splitlines() if line.startswith("-    "))
    added = next(line for line in plain.splitlines() if line.startswith("+    "))
    assert f"{ESC}31m{removed}{ESC}0m\n" in coloured
    assert f"{ESC}32m{added}{ESC}0m\n" in coloured
    for code in ("1", "31", "32", "36", "0"):
        coloured = coloured.replace(f"{ESC}{code}m", "")
    assert coloured == plain


# --- fix --show-fixes --------------------------------------------------------------------


def test_show_fixes_lists_the_applied_fixes_per_file(tmp_path: Path) -> None:
    project = _project(tmp_path, {"m.py": MIXED, "t.py": TASKS, "clean.py": "print(1)\n"})
    done = cli(project, "fix", "--show-fixes", ".")
    assert done.returncode == 1, done.stderr  # ARO101 in unsafe() and ARO104 are left
    listed = done.stderr[done.stderr.index("Fixed ./m.py:") :].splitlines()
    assert listed[:5] == [
        "Fixed ./m.py:",
        "    1  ARO101  multiple-event-loops",
        "    1  ARO103  asyncio-run-in-async",
        "Fixed ./t.py:",
        "    2  ARO101  multiple-event-loops",
    ]
    assert listed[5].startswith("4 fixed, 2 left: ")
    assert "clean.py" not in done.stderr
    assert done.stdout == ""


def test_show_fixes_with_diff_says_would(mixed: Path) -> None:
    done = cli(mixed, "fix", "--diff", "--show-fixes", "m.py")
    assert "Would fix m.py:\n    1  ARO101  multiple-event-loops\n" in done.stderr
    assert "Fixed m.py" not in done.stderr
    unsafe = cli(mixed, "fix", "--diff", "--show-fixes", "--unsafe-fixes", "m.py")
    assert "Would fix m.py:\n    2  ARO101  multiple-event-loops\n" in unsafe.stderr
    quiet = cli(mixed, "fix", "--diff", "m.py")
    assert "Would fix" not in quiet.stderr
    coloured = cli(mixed, "fix", "--diff", "--show-fixes", "--color", "always", "m.py")
    assert f"Would fix {ESC}1mm.py{ESC}0m:\n    1  {ESC}1;31mARO101{ESC}0m  multiple" in (
        coloured.stderr
    )
    assert ESC not in coloured.stderr.splitlines()[-1]  # the summary is never coloured


def test_show_fixes_lists_nothing_when_nothing_is_fixed(tmp_path: Path) -> None:
    project = _project(tmp_path, {"m.py": ONLY_MANUAL})
    done = cli(project, "fix", "--show-fixes", ".")
    assert done.returncode == 1
    assert "Fixed" not in done.stderr
    assert "ARO104" in done.stderr  # the finding left is still reported


# --- fix --fix-only ----------------------------------------------------------------------


def test_fix_only_exits_0_with_unfixable_findings_left(mixed: Path) -> None:
    plain_copy = (mixed / "m.py").read_text(encoding="utf-8")
    done = cli(mixed, "fix", "--fix-only", ".")
    assert done.returncode == 0, done.stderr
    assert "[not fixed" not in done.stderr  # what is left is not listed ...
    assert done.stderr.startswith("2 fixed, 2 left: ")  # ... but the summary counts it
    fixed = (mixed / "m.py").read_text(encoding="utf-8")
    assert fixed != plain_copy
    assert "await fetch()" in fixed
    again = cli(mixed, "fix", ".")  # without --fix-only, the same tree fails
    assert again.returncode == 1


def test_fix_only_with_exit_non_zero_on_fix(mixed: Path) -> None:
    first = cli(mixed, "fix", "--fix-only", "--exit-non-zero-on-fix", ".")
    assert first.returncode == 1  # a file changed
    second = cli(mixed, "fix", "--fix-only", "--exit-non-zero-on-fix", ".")
    assert second.returncode == 0  # nothing changed; unfixable findings are left
    assert "[not fixed" not in second.stderr


def test_fix_only_with_unsafe_fixes(mixed: Path) -> None:
    done = cli(mixed, "fix", "--fix-only", "--unsafe-fixes", ".")
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("3 fixed, 1 left: ARO104 has no automatic fix")
    assert (mixed / "m.py").read_text(encoding="utf-8").count("asyncio.run(") == 3


def test_fix_only_with_diff_keeps_the_diff_exit_code(mixed: Path, tmp_path: Path) -> None:
    before = (mixed / "m.py").read_bytes()
    done = cli(mixed, "fix", "--fix-only", "--diff", ".")
    assert done.returncode == 1  # there is a diff
    assert done.stdout.startswith("--- ./m.py")
    assert "[not fixed" not in done.stderr
    assert (mixed / "m.py").read_bytes() == before
    (mixed / "m.py").write_text(ONLY_MANUAL, encoding="utf-8")
    none = cli(mixed, "fix", "--fix-only", "--diff", ".")
    assert (none.returncode, none.stdout) == (0, "")  # no diff, though ARO104 is left


def test_fix_only_still_fails_on_errors(mixed: Path) -> None:
    (mixed / "enc.py").write_bytes(b"# -*- coding: nope -*-\nimport asyncio\nasyncio.run(f())\n")
    done = cli(mixed, "fix", "--fix-only", ".")
    assert done.returncode == 2
    assert "flake8-asyncio-run: error: ./enc.py: unknown encoding: nope" in done.stderr
    assert "await fetch()" in (mixed / "m.py").read_text(encoding="utf-8")  # the rest is fixed


def test_fix_only_counts_a_syntax_error_as_a_finding_left(mixed: Path) -> None:
    (mixed / "broken.py").write_text("import asyncio\nasyncio.run(f(\n", encoding="utf-8")
    assert cli(mixed, "fix", "broken.py").returncode == 1  # E999 is left
    done = cli(mixed, "fix", "--fix-only", "broken.py")
    assert done.returncode == 0
    # The file is still named as skipped; the finding is not listed.
    assert "broken.py: skipped, not fixed: SyntaxError" in done.stderr
    assert "E999" not in done.stderr


def test_fix_only_on_standard_input(tmp_path: Path) -> None:
    done = cli(tmp_path, "fix", "--fix-only", "-", stdin=MIXED)
    assert done.returncode == 0, done.stderr
    assert "await fetch()" in done.stdout
    assert "asyncio.get_event_loop()" in done.stdout
