"""The ``check`` command as pre-commit hooks, editors and CI see it: exit codes, stdout
for the payload only, stdin, file discovery, selection and ``# noqa`` exactly as flake8
honours them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flake8_asyncio_run.discovery import is_force_excluded

TWO_LOOPS = textwrap.dedent(
    """\
    import asyncio


    def task():
        asyncio.run(a())
        asyncio.run(b())
    """
)
CLEAN = "import asyncio\n\n\ndef task():\n    asyncio.run(a())\n"
NO_ASYNCIO = "def task():\n    return 1\n"
#: One finding of each kind we select on below: ARO101, ARO102, ARO201.
MIXED = textwrap.dedent(
    """\
    import asyncio

    import httpx

    client = httpx.AsyncClient()


    def task(items):
        asyncio.run(a())
        asyncio.run(b())
        for item in items:
            asyncio.run(c(item))


    async def a():
        return await client.get("https://example.invalid")
    """
)
_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) (?P<msg>.+)$")


def check(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", "check", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )


def flake8(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flake8", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )


def reported(stdout: str) -> set[tuple[str, int, str]]:
    """(file name, line, code) of every output line; every line must be a finding."""
    found = set()
    for line in stdout.splitlines():
        match = _LINE.match(line)
        assert match, f"stdout holds something other than findings: {line!r}"
        found.add((Path(match["path"]).name, int(match["line"]), match["code"]))
    return found


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


# --- Exit codes and streams -------------------------------------------------------------


def test_clean_file_exits_0_and_prints_nothing(tmp_path: Path) -> None:
    write(tmp_path, "clean.py", CLEAN)
    write(tmp_path, "plain.py", NO_ASYNCIO)
    result = check("--isolated", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == ""


def test_findings_exit_1_payload_on_stdout_summary_on_stderr(tmp_path: Path) -> None:
    write(tmp_path, "tasks.py", TWO_LOOPS)
    result = check("--isolated", "tasks.py", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == (
        "tasks.py:6:5: ARO101 asyncio.run() starts a 2nd event loop in 'task' (first at "
        "line 5); combine the awaits into one coroutine run once\n"
    )
    assert result.stderr == "Found 1 finding in 1 file.\n"


def test_exit_zero_flag(tmp_path: Path) -> None:
    write(tmp_path, "tasks.py", TWO_LOOPS)
    result = check("--isolated", "--exit-zero", "tasks.py", cwd=tmp_path)
    assert result.returncode == 0
    assert reported(result.stdout) == {("tasks.py", 6, "ARO101")}


def test_options_may_stand_between_paths(tmp_path: Path) -> None:
    """As with flake8 and ruff: ``check app --exit-zero tools`` checks both paths."""
    write(tmp_path, "app/tasks.py", TWO_LOOPS)
    write(tmp_path, "tools/run.py", TWO_LOOPS)
    write(tmp_path, "other/skip.py", TWO_LOOPS)
    result = check("--isolated", "app", "--exit-zero", "tools", "--select", "ARO1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert {(Path(p).parent.name, line) for p, line, _ in _paths_and_lines(result.stdout)} == {
        ("app", 6),
        ("tools", 6),
    }
    # Nothing named: the current directory, options anywhere.
    everything = check("--exit-zero", "--isolated", cwd=tmp_path)
    assert len(everything.stdout.splitlines()) == 3
    # A flag that does not exist is still a usage error, wherever it stands.
    wrong = check("app", "--no-such-flag", "tools", cwd=tmp_path)
    assert wrong.returncode == 2
    assert "unrecognized arguments: --no-such-flag" in wrong.stderr


def _paths_and_lines(stdout: str) -> list[tuple[str, int, str]]:
    found = []
    for line in stdout.splitlines():
        match = _LINE.match(line)
        assert match, line
        found.append((match["path"], int(match["line"]), match["code"]))
    return found


def test_summary_counts_files(tmp_path: Path) -> None:
    write(tmp_path, "a.py", TWO_LOOPS)
    write(tmp_path, "b.py", MIXED)
    result = check("--isolated", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == "Found 5 findings in 2 files.\n"


def test_missing_path_exits_2(tmp_path: Path) -> None:
    result = check("--isolated", "missing.py", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "missing.py" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_option_exits_2(tmp_path: Path) -> None:
    result = check("--no-such-option", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""


def test_unreadable_file_exits_2_and_the_run_goes_on(tmp_path: Path) -> None:
    write(tmp_path, "tasks.py", TWO_LOOPS)
    (tmp_path / "dangling.py").symlink_to(tmp_path / "nowhere.py")
    result = check("--isolated", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert reported(result.stdout) == {("tasks.py", 6, "ARO101")}
    assert "dangling.py" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_config_exits_2(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.flake8-asyncio-run]\nasyncio-runners = 3\n")
    write(tmp_path, "tasks.py", TWO_LOOPS)
    result = check("tasks.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "asyncio-runners" in result.stderr
    assert "Traceback" not in result.stderr


def test_syntax_error_is_a_finding_and_the_run_goes_on(tmp_path: Path) -> None:
    write(tmp_path, "broken.py", "import asyncio\n\ndef f(:\n    asyncio.run(a())\n")
    write(tmp_path, "tasks.py", TWO_LOOPS)
    result = check("--isolated", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("./broken.py:3:") and " E999 SyntaxError: " in lines[0]
    assert reported(result.stdout) == {("broken.py", 3, "E999"), ("tasks.py", 6, "ARO101")}


def test_syntax_error_without_runner_modules_is_not_parsed(tmp_path: Path) -> None:
    # The prefilter skips files that cannot start a loop, broken or not (as a fast
    # linter should); flake8 itself reports those as E999.
    write(tmp_path, "broken.py", "def f(:\n")
    result = check("--isolated", "broken.py", cwd=tmp_path)
    assert result.returncode == 0


def test_bad_encoding_is_a_finding(tmp_path: Path) -> None:
    (tmp_path / "latin.py").write_bytes(b"import asyncio\nasyncio.run(a('\xff'))\n")
    write(tmp_path, "tasks.py", TWO_LOOPS)
    result = check("--isolated", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert {(name, code) for name, _, code in reported(result.stdout)} == {
        ("latin.py", "E999"),
        ("tasks.py", "ARO101"),
    }


# --- Standard input ---------------------------------------------------------------------


def test_stdin_with_filename(tmp_path: Path) -> None:
    result = check(
        "--isolated", "-", "--stdin-filename", "app/tasks.py", cwd=tmp_path, stdin=TWO_LOOPS
    )
    assert result.returncode == 1
    assert result.stdout.startswith("app/tasks.py:6:5: ARO101 ")


def test_stdin_without_filename(tmp_path: Path) -> None:
    result = check("--isolated", "-", cwd=tmp_path, stdin=TWO_LOOPS)
    assert result.returncode == 1
    assert result.stdout.startswith("-:6:5: ARO101 ")


def test_stdin_clean(tmp_path: Path) -> None:
    result = check("--isolated", "-", cwd=tmp_path, stdin=CLEAN)
    assert (result.returncode, result.stdout) == (0, "")


def test_stdin_honours_per_file_ignores_by_filename(tmp_path: Path) -> None:
    args = ("--isolated", "-", "--per-file-ignores", "legacy/*.py:ARO101")
    ignored = check(*args, "--stdin-filename", "legacy/tasks.py", cwd=tmp_path, stdin=TWO_LOOPS)
    kept = check(*args, "--stdin-filename", "app/tasks.py", cwd=tmp_path, stdin=TWO_LOOPS)
    assert (ignored.returncode, ignored.stdout) == (0, "")
    assert kept.returncode == 1


def test_stdin_force_exclude(tmp_path: Path) -> None:
    result = check(
        "--isolated",
        "--force-exclude",
        "--extend-exclude",
        "legacy",
        "-",
        "--stdin-filename",
        "legacy/tasks.py",
        cwd=tmp_path,
        stdin=TWO_LOOPS,
    )
    assert (result.returncode, result.stdout) == (0, "")


def test_stdin_cannot_mix_with_paths(tmp_path: Path) -> None:
    write(tmp_path, "tasks.py", TWO_LOOPS)
    result = check("--isolated", "-", "tasks.py", cwd=tmp_path, stdin=TWO_LOOPS)
    assert result.returncode == 2
    assert result.stdout == ""


def test_stdin_syntax_error(tmp_path: Path) -> None:
    result = check(
        "--isolated",
        "-",
        "--stdin-filename",
        "x.py",
        cwd=tmp_path,
        stdin="import asyncio\nasyncio.run(\n",
    )
    assert result.returncode == 1
    assert " E999 SyntaxError: " in result.stdout


# --- Discovery --------------------------------------------------------------------------


def test_skips_git_virtualenvs_and_default_excludes(tmp_path: Path) -> None:
    write(tmp_path, "src/tasks.py", TWO_LOOPS)
    write(tmp_path, ".git/hooks/tasks.py", TWO_LOOPS)
    write(tmp_path, "env/pyvenv.cfg", "home = /usr/bin\n")
    write(tmp_path, "env/lib/python3.11/site-packages/pkg/tasks.py", TWO_LOOPS)
    write(tmp_path, "myvenv/pyvenv.cfg", "home = /usr/bin\n")
    write(tmp_path, "myvenv/tasks.py", TWO_LOOPS)
    write(tmp_path, ".venv/tasks.py", TWO_LOOPS)
    write(tmp_path, ".tox/py311/tasks.py", TWO_LOOPS)
    write(tmp_path, "__pycache__/tasks.py", TWO_LOOPS)
    result = check("--isolated", ".", cwd=tmp_path)
    assert result.stdout.splitlines() == [
        line for line in result.stdout.splitlines() if line.startswith("./src/")
    ]
    assert len(result.stdout.splitlines()) == 1


def test_pyi_and_nested_directories(tmp_path: Path) -> None:
    write(tmp_path, "a/b/c/tasks.py", TWO_LOOPS)
    write(tmp_path, "a/stub.pyi", TWO_LOOPS)
    write(tmp_path, "a/notes.txt", TWO_LOOPS)
    result = check("--isolated", "a", cwd=tmp_path)
    assert reported(result.stdout) == {("tasks.py", 6, "ARO101"), ("stub.pyi", 6, "ARO101")}


def test_exclude_replaces_defaults_and_extend_exclude_adds(tmp_path: Path) -> None:
    write(tmp_path, "src/tasks.py", TWO_LOOPS)
    write(tmp_path, "legacy/old.py", TWO_LOOPS)
    write(tmp_path, ".venv/lib.py", TWO_LOOPS)
    extended = check("--isolated", "--extend-exclude", "legacy", ".", cwd=tmp_path)
    assert {name for name, _, _ in reported(extended.stdout)} == {"tasks.py"}
    replaced = check("--isolated", "--exclude", "legacy", ".", cwd=tmp_path)
    # .venv is no longer excluded by name (it has no pyvenv.cfg).
    assert {name for name, _, _ in reported(replaced.stdout)} == {"tasks.py", "lib.py"}
    by_glob = check("--isolated", "--extend-exclude", "*/old.py", ".", cwd=tmp_path)
    assert {name for name, _, _ in reported(by_glob.stdout)} == {"tasks.py"}


def test_explicit_paths_ignore_excludes_unless_forced(tmp_path: Path) -> None:
    write(tmp_path, "legacy/old.py", TWO_LOOPS)
    explicit = check("--isolated", "--extend-exclude", "legacy", "legacy/old.py", cwd=tmp_path)
    assert explicit.returncode == 1
    forced = check(
        "--isolated", "--extend-exclude", "legacy", "--force-exclude", "legacy/old.py", cwd=tmp_path
    )
    assert (forced.returncode, forced.stdout) == (0, "")
    by_name = check(
        "--isolated", "--extend-exclude", "old.py", "--force-exclude", "legacy/old.py", cwd=tmp_path
    )
    assert (by_name.returncode, by_name.stdout) == (0, "")


def test_force_exclude_with_default_excludes(tmp_path: Path) -> None:
    # pre-commit passes staged files explicitly, including vendored virtualenvs.
    write(tmp_path, ".venv/lib.py", TWO_LOOPS)
    result = check("--isolated", "--force-exclude", ".venv/lib.py", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")


def test_force_exclude_walks_up_to_the_given_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The one rule for explicit paths, stdin names and the language server's files.
    monkeypatch.chdir(tmp_path)
    old = str(tmp_path / "ws" / "legacy" / "old.py")
    assert is_force_excluded("ws/legacy/old.py", ["legacy"])
    assert is_force_excluded(old, ["legacy"], root=tmp_path / "ws")
    assert not is_force_excluded(old, ["ws"], root=tmp_path / "ws")  # the root itself
    assert is_force_excluded(old, ["ws"])
    assert not is_force_excluded("ws/legacy/old.py", ["new.py"])


def test_many_files_in_parallel_match_serial(tmp_path: Path) -> None:
    for index in range(80):
        write(tmp_path, f"pkg/m{index:02}.py", TWO_LOOPS if index % 2 else CLEAN)
    parallel = check("--isolated", "--jobs", "2", "pkg", cwd=tmp_path)
    serial = check("--isolated", "--jobs", "1", "pkg", cwd=tmp_path)
    assert parallel.returncode == serial.returncode == 1
    assert parallel.stdout == serial.stdout
    assert len(parallel.stdout.splitlines()) == 40
    assert parallel.stdout.splitlines() == sorted(parallel.stdout.splitlines())


# --- Selection: the same answers as flake8 ----------------------------------------------


@pytest.mark.parametrize(
    "flags",
    [
        [],
        ["--select", "ARO1"],
        ["--select", "ARO101,ARO201"],
        ["--ignore", "ARO102"],
        ["--select", "ARO", "--ignore", "ARO1"],
        ["--select", "ARO101", "--ignore", "ARO1"],
        ["--select", "ARO1", "--ignore", "ARO101"],
        ["--select", "ARO", "--extend-ignore", "ARO2"],
        ["--select", "ARO2", "--extend-select", "ARO102"],
    ],
    ids=lambda flags: " ".join(flags) or "default",
)
def test_select_and_ignore_prefixes_like_flake8(tmp_path: Path, flags: list[str]) -> None:
    write(tmp_path, "mixed.py", MIXED)
    ours = check("--isolated", *flags, "mixed.py", cwd=tmp_path)
    theirs = flake8("--isolated", *(flags or ["--select", "ARO"]), "mixed.py", cwd=tmp_path)
    assert ours.returncode in (0, 1), ours.stderr
    # flake8 also runs its other installed plugins (pyflakes, flake8-async): keep ours.
    theirs_aro = {r for r in reported(theirs.stdout) if r[2].startswith("ARO")}
    assert reported(ours.stdout) == theirs_aro


def test_select_prefixes_concretely(tmp_path: Path) -> None:
    write(tmp_path, "mixed.py", MIXED)

    def codes(*flags: str) -> set[str]:
        result = check("--isolated", *flags, "mixed.py", cwd=tmp_path)
        return {code for _, _, code in reported(result.stdout)}

    assert codes() == {"ARO101", "ARO102", "ARO201"}
    assert codes("--select", "ARO1") == {"ARO101", "ARO102"}
    assert codes("--ignore", "ARO10") == {"ARO201"}
    assert codes("--select", "ARO101", "--ignore", "ARO1") == {"ARO101"}
    assert codes("--select", "E") == set()


@pytest.mark.parametrize(
    "value",
    [
        "mixed.py:ARO101",
        "mixed.py:ARO1",
        "*.py:ARO2",
        "sub/*.py:ARO101,ARO102",
        "other.py:ARO101 mixed.py:ARO201",
        "mixed.py:ARO101\n    sub/mixed.py:ARO201",
    ],
)
def test_per_file_ignores_like_flake8(tmp_path: Path, value: str) -> None:
    write(tmp_path, "mixed.py", MIXED)
    write(tmp_path, "sub/mixed.py", MIXED)
    ours = check(
        "--isolated", "--per-file-ignores", value, "mixed.py", "sub/mixed.py", cwd=tmp_path
    )
    theirs = flake8(
        "--isolated",
        "--select",
        "ARO",
        "--per-file-ignores",
        value,
        "mixed.py",
        "sub/mixed.py",
        cwd=tmp_path,
    )

    def with_dirs(stdout: str) -> set[tuple[str, int, str]]:
        return {
            (m["path"].removeprefix("./"), int(m["line"]), m["code"])
            for m in map(_LINE.match, stdout.splitlines())
            if m
        }

    assert with_dirs(ours.stdout) == with_dirs(theirs.stdout)
    assert ours.returncode in (0, 1)


# --- noqa: the same answers as flake8 ---------------------------------------------------

NOQA = textwrap.dedent(
    '''\
    import asyncio


    def bare():
        asyncio.run(a())
        asyncio.run(b())  # noqa


    def specific():
        asyncio.run(a())
        asyncio.run(b())  # noqa: ARO101


    def no_space():
        asyncio.run(a())
        asyncio.run(b())  # noqa:ARO101


    def other_code():
        asyncio.run(a())
        asyncio.run(b())  # noqa: E501


    def prefix():
        asyncio.run(a())
        asyncio.run(b())  # noqa: ARO1


    def several(items):
        asyncio.run(a())
        for item in items:
            asyncio.run(b(item))  # noqa: ARO101,ARO102


    def only_one_of_two(items):
        asyncio.run(a())
        for item in items:
            asyncio.run(b(item))  # noqa: ARO102


    def upper_case():
        asyncio.run(a())
        asyncio.run(b())  # NOQA: aro101


    def multi_line_call():
        asyncio.run(a())
        asyncio.run(
            b(
                1,
            )
        )  # noqa: ARO101


    def multi_line_string():
        asyncio.run(a())
        asyncio.run(b("""
        text
        """))  # noqa


    def noqa_in_a_string():
        asyncio.run(a())
        asyncio.run(b("# noqa"))


    def comment_before():
        asyncio.run(a())
        # noqa
        asyncio.run(b())
    '''
)


def test_noqa_like_flake8(tmp_path: Path) -> None:
    write(tmp_path, "noqa_cases.py", NOQA)
    ours = check("--isolated", "noqa_cases.py", cwd=tmp_path)
    theirs = flake8("--isolated", "--select", "ARO", "noqa_cases.py", cwd=tmp_path)
    assert reported(ours.stdout) == reported(theirs.stdout)
    lines = {line for _, line, _ in reported(ours.stdout)}
    text = NOQA.splitlines()
    kept_functions = set()
    for line in lines:
        for number in range(line, 0, -1):
            if text[number - 1].startswith("def "):
                kept_functions.add(text[number - 1].split("(")[0][4:])
                break
    # flake8's own answers: the code list is case-sensitive, a noqa comment applies to the
    # physical line of the finding (not the end of a multi-line call), and a noqa marker
    # inside a string on that line counts.
    assert kept_functions == {
        "other_code",
        "only_one_of_two",
        "upper_case",
        "multi_line_call",
        "comment_before",
    }


def test_noqa_after_form_feeds_like_flake8(tmp_path: Path) -> None:
    # str.splitlines() also breaks at form feeds; ast and flake8 do not.  A noqa must
    # land on the line flake8 puts it on.
    source = "\x0c\n" + NOQA.replace("\n\n\ndef ", "\n\n\x0c\ndef ")
    write(tmp_path, "form_feeds.py", source)
    ours = check("--isolated", "form_feeds.py", cwd=tmp_path)
    theirs = flake8("--isolated", "--select", "ARO", "form_feeds.py", cwd=tmp_path)
    assert reported(ours.stdout) == reported(theirs.stdout)
    assert len(reported(ours.stdout)) == 5


def test_noqa_disable_noqa_flag_is_not_ours(tmp_path: Path) -> None:
    # flake8's --disable-noqa is flake8's; our noqa handling is always on.
    write(tmp_path, "noqa_cases.py", NOQA)
    theirs = flake8(
        "--isolated", "--select", "ARO", "--disable-noqa", "noqa_cases.py", cwd=tmp_path
    )
    ours = check("--isolated", "noqa_cases.py", cwd=tmp_path)
    assert len(reported(theirs.stdout)) > len(reported(ours.stdout))


@pytest.mark.parametrize(
    ("header", "disabled"),
    [
        ("# flake8: noqa\n", True),
        ("# flake8: NOQA\n", True),
        ("# flake8:noqa\n", True),
        # flake8 7 has no file-level code list: whatever follows, the file is disabled.
        ("# flake8: noqa: ARO101\n", True),
        ("# flake8: noqa: E123\n", True),
        ("    # flake8: noqa\n", True),
        ("x = 1  # flake8: noqa\n", False),
    ],
)
def test_file_level_noqa_like_flake8(tmp_path: Path, header: str, disabled: bool) -> None:
    write(tmp_path, "tasks.py", header + TWO_LOOPS)
    ours = check("--isolated", "tasks.py", cwd=tmp_path)
    theirs = flake8("--isolated", "--select", "ARO", "tasks.py", cwd=tmp_path)
    assert reported(ours.stdout) == reported(theirs.stdout)
    assert (ours.stdout == "") is disabled


def test_check_ignores_pyproject_and_flake8_config_when_isolated(tmp_path: Path) -> None:
    write(tmp_path, "setup.cfg", "[flake8]\nper-file-ignores = tasks.py:ARO101\n")
    write(tmp_path, "tasks.py", TWO_LOOPS)
    assert check("tasks.py", cwd=tmp_path).returncode == 0
    assert check("--isolated", "tasks.py", cwd=tmp_path).returncode == 1


def test_python_dash_m_is_the_same_command(tmp_path: Path) -> None:
    write(tmp_path, "tasks.py", TWO_LOOPS)
    script = subprocess.run(
        ["flake8-asyncio-run", "check", "--isolated", "tasks.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ},
    )
    module = check("--isolated", "tasks.py", cwd=tmp_path)
    assert (script.returncode, script.stdout, script.stderr) == (
        module.returncode,
        module.stdout,
        module.stderr,
    )


def test_a_closed_pipe_ends_the_run_quietly(tmp_path: Path) -> None:
    """``check ... | head -1``: no traceback when the reader stops early."""
    for index in range(40):
        (tmp_path / f"task_{index}.py").write_text(
            "import asyncio\n\n\ndef task():\n"
            + "".join(f"    asyncio.run(step({n}))\n" for n in range(30)),
            encoding="utf-8",
        )
    process = subprocess.Popen(
        [sys.executable, "-m", "flake8_asyncio_run", "check", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # the reader goes away after one line
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 1
    assert b"ARO101" in first
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr


def test_text_output_is_sorted_by_path(tmp_path: Path) -> None:
    """A walk lists a directory's files before its subdirectories' (``b.py`` before
    ``a/x.py``); the report is sorted by path, as flake8 and the json format are."""
    write(tmp_path, "b.py", TWO_LOOPS)
    (tmp_path / "a").mkdir()
    write(tmp_path / "a", "x.py", TWO_LOOPS)
    result = check("--isolated", ".", cwd=tmp_path)
    paths = [line.split(":")[0] for line in result.stdout.splitlines()]
    assert paths == sorted(paths) and len(paths) == 2, result.stdout


@pytest.mark.parametrize(("count", "ordinal"), [(8, "an 8th"), (11, "an 11th"), (12, "a 12th")])
def test_ordinals_take_the_right_article(tmp_path: Path, count: int, ordinal: str) -> None:
    calls = "".join(f"    asyncio.run(a({i}))\n" for i in range(count))
    write(tmp_path, "many.py", f"import asyncio\n\n\ndef task():\n{calls}")
    result = check("--isolated", "many.py", cwd=tmp_path)
    last = result.stdout.splitlines()[-1]
    assert f"asyncio.run() starts {ordinal} event loop in 'task'" in last, last
