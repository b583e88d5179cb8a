"""The ``fix`` command: payload on stdout, summary on stderr, ruff's exit codes, and
the same selection as ``check`` (noqa, select/ignore, per-file-ignores, excludes,
config files)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flake8_asyncio_run.cli import main
from flake8_asyncio_run.fix import pipeline

TWO_CALLS = textwrap.dedent(
    """\
    import asyncio


    def task(key):
        raw = asyncio.run(fetch(key))
        data = asyncio.run(parse(raw))
        return data
    """
)
FIXED = textwrap.dedent(
    """\
    import asyncio


    def task(key):
        async def _task_async():
            raw = await fetch(key)
            data = await parse(raw)
            return data
        data = asyncio.run(_task_async())
        return data
    """
)
MID_RETURN = textwrap.dedent(
    """\
    import asyncio


    def task(key):
        raw = asyncio.run(fetch(key))
        if not raw:
            return None
        asyncio.run(store(raw))
        print("stored")
    """
)
NOT_FIXABLE = textwrap.dedent(
    """\
    import asyncio


    def mixed():
        loop = asyncio.get_event_loop()
        asyncio.run(one())
    """
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["fix", "--isolated", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_fixes_in_place_and_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "tasks.py", TWO_CALLS)
    code, out, err = run(capsys, str(path))
    assert (code, out) == (0, "")
    assert path.read_text() == FIXED
    assert err.strip() == "1 fixed"


def test_fixing_twice_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "tasks.py", TWO_CALLS)
    run(capsys, str(path))
    code, out, err = run(capsys, str(path))
    assert (code, out, err) == (0, "", "")
    assert path.read_text() == FIXED


def test_exit_non_zero_on_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "tasks.py", TWO_CALLS)
    assert run(capsys, "--exit-non-zero-on-fix", str(path))[0] == 1
    assert run(capsys, "--exit-non-zero-on-fix", str(path))[0] == 0  # nothing changed now


def test_remaining_findings_exit_1_with_reasons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixable = write(tmp_path, "a.py", TWO_CALLS)
    left = write(tmp_path, "b.py", MID_RETURN)
    code, out, err = run(
        capsys, "--style", "combine", "--target-version", "py311", str(fixable), str(left)
    )
    assert (code, out) == (1, "")
    assert err.splitlines()[-1] == (
        "1 fixed, 1 left: 'return' between the calls (use --unsafe-fixes or --style runner)"
    )
    assert f"{left}:8:5: ARO101 " in err
    assert left.read_text() == MID_RETURN


def test_unsafe_fixes_apply_unsafe_plans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "b.py", MID_RETURN)
    code, _, err = run(capsys, "--style", "combine", "--unsafe-fixes", str(path))
    assert code == 0
    assert "return asyncio.run(_task_async())" in path.read_text()
    assert err.strip() == "1 fixed"


def test_auto_uses_runner_when_combine_is_unsafe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "b.py", MID_RETURN)
    assert run(capsys, "--target-version", "py311", str(path))[0] == 0
    assert "with asyncio.Runner() as runner:" in path.read_text()


def test_runner_style_needs_311(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "a.py", TWO_CALLS)
    code, _, err = run(capsys, "--style", "runner", "--target-version", "py310", str(path))
    assert code == 1
    assert "asyncio.Runner needs Python 3.11 (target is 3.10)" in err
    assert path.read_text() == TWO_CALLS


def test_diff_prints_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "a.py", TWO_CALLS)
    code, out, err = run(capsys, "--diff", str(path))
    assert code == 1
    assert out.startswith(f"--- {path}\n+++ {path}\n@@ ")
    assert "+        data = asyncio.run(_task_async())\n" not in out
    assert "+    data = asyncio.run(_task_async())\n" in out
    assert path.read_text() == TWO_CALLS
    assert err.strip() == "1 fixable"


def test_options_may_stand_between_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = write(tmp_path, "a.py", TWO_CALLS)
    second = write(tmp_path, "b.py", TWO_CALLS)
    code, out, err = run(capsys, str(first), "--diff", str(second))
    assert code == 1
    assert f"--- {first}\n" in out and f"--- {second}\n" in out
    assert first.read_text() == second.read_text() == TWO_CALLS  # --diff writes nothing
    assert err.strip() == "2 fixable"


def test_diff_exits_0_without_a_diff_even_with_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "a.py", NOT_FIXABLE)
    code, out, err = run(capsys, "--diff", str(path))
    assert (code, out) == (0, "")
    assert "ARO104 has no automatic fix" in err


def test_diff_applies_with_patch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "a.py", TWO_CALLS.rstrip("\n"))  # no final newline either
    _, out, _ = run(capsys, "--diff", "a.py") if False else run(capsys, "--diff", str(path))
    patch = tmp_path / "fix.patch"
    patch.write_text(out)
    result = subprocess.run(["patch", "-p0", "-i", str(patch)], cwd="/", capture_output=True)
    if result.returncode == 127:
        pytest.skip("no patch program")
    assert result.returncode == 0, result.stderr
    assert path.read_text() == FIXED.rstrip("\n")


def test_no_findings_exit_0_and_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "plain.py", "import os\nprint(os.sep)\n")
    before = path.stat().st_mtime_ns
    assert run(capsys, str(path)) == (0, "", "")
    assert path.stat().st_mtime_ns == before


def test_unfixable_findings_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "m.py", NOT_FIXABLE)
    code, _, err = run(capsys, str(path))
    assert code == 1
    assert err.splitlines()[-1] == (
        "0 fixed, 1 left: ARO104 has no automatic fix: "
        "use one asyncio.run() or asyncio.Runner alone"
    )


def test_syntax_error_is_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "broken.py", "import asyncio\ndef f(:\n    asyncio.run(x())\n")
    code, out, err = run(capsys, str(path))
    assert (code, out) == (1, "")
    assert f"{path}: skipped, not fixed: SyntaxError" in err
    assert path.read_text().startswith("import asyncio\ndef f(:")


def test_missing_path_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(tmp_path / "nope.py"))
    assert code == 2
    assert "no such file or directory" in err


def test_internal_error_writes_nothing_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "a.py", TWO_CALLS)
    monkeypatch.setattr(pipeline, "apply_edits", lambda text, edits: text + "\ndef (:\n")
    code, out, err = run(capsys, str(path))
    assert (code, out) == (2, "")
    assert f"internal error: {path}: the fixed code does not compile" in err
    assert path.read_text() == TWO_CALLS


def test_code_the_parser_accepts_but_the_compiler_rejects_is_caught(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fixer parses its result once and compiles that tree: the compiler's own checks
    # ('return' outside a function, a bad nonlocal) must still stop the write.
    path = write(tmp_path, "a.py", TWO_CALLS)
    assert "return" not in TWO_CALLS.split("def ")[0]
    monkeypatch.setattr(pipeline, "apply_edits", lambda text, edits: text + "\nreturn 1\n")
    code, out, err = run(capsys, str(path))
    assert (code, out) == (2, "")
    assert "the fixed code does not compile: 'return' outside function" in err
    assert path.read_text() == TWO_CALLS


def test_noqa_is_honoured(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = TWO_CALLS.replace("parse(raw))", "parse(raw))  # noqa: ARO101")
    path = write(tmp_path, "a.py", text)
    assert run(capsys, str(path)) == (0, "", "")
    assert path.read_text() == text


def test_ignore_and_select(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "a.py", TWO_CALLS)
    assert run(capsys, "--ignore", "ARO101", str(path))[0] == 0
    assert path.read_text() == TWO_CALLS
    assert run(capsys, "--select", "ARO102", str(path))[0] == 0
    assert path.read_text() == TWO_CALLS
    assert run(capsys, "--select", "ARO1", str(path))[0] == 0
    assert path.read_text() == FIXED


def test_per_file_ignores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "legacy.py", TWO_CALLS)
    assert run(capsys, "--per-file-ignores", "legacy.py:ARO101", str(path))[0] == 0
    assert path.read_text() == TWO_CALLS


def test_force_exclude(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "generated.py", TWO_CALLS)
    assert run(capsys, "--exclude", "generated.py", "--force-exclude", str(path))[0] == 0
    assert path.read_text() == TWO_CALLS
    run(capsys, "--exclude", "generated.py", str(path))  # explicit paths win without it
    assert path.read_text() == FIXED


def test_directory_walk_respects_excludes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kept = write(tmp_path, "a.py", TWO_CALLS)
    (tmp_path / "vendor").mkdir()
    skipped = write(tmp_path / "vendor", "b.py", TWO_CALLS)
    assert run(capsys, "--extend-exclude", "vendor", str(tmp_path))[0] == 0
    assert kept.read_text() == FIXED
    assert skipped.read_text() == TWO_CALLS


def cli(cwd: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", "fix", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
    )


def test_config_file_selection(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nrequires-python = ">=3.11"\n\n'
        '[tool.flake8-asyncio-run]\nper-file-ignores = { "legacy.py" = ["ARO101"] }\n'
    )
    legacy = write(tmp_path, "legacy.py", TWO_CALLS)
    fresh = write(tmp_path, "fresh.py", TWO_CALLS)
    result = cli(tmp_path, ".")
    assert result.returncode == 0, result.stderr
    assert legacy.read_text() == TWO_CALLS
    assert fresh.read_text() == FIXED


@pytest.mark.parametrize(("requires", "runner"), [(">=3.10", False), (">=3.11", True)])
def test_target_defaults_to_requires_python(tmp_path: Path, requires: str, runner: bool) -> None:
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "x"\nrequires-python = "{requires}"\n'
    )
    path = write(tmp_path, "b.py", MID_RETURN)
    result = cli(tmp_path, "b.py")
    assert ("asyncio.Runner()" in path.read_text()) is runner
    assert result.returncode == (0 if runner else 1)
    if not runner:
        assert b"(use --unsafe-fixes or --target-version py311" in result.stderr


def test_stdin_writes_fixed_source_to_stdout(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + TWO_CALLS.replace("\n", "\r\n").encode()
    result = cli(tmp_path, "-", "--stdin-filename", "tasks.py", stdin=data)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"\xef\xbb\xbf" + FIXED.replace("\n", "\r\n").encode()
    assert result.stderr.decode().strip() == "1 fixed"


def test_stdin_unchanged_source_is_echoed(tmp_path: Path) -> None:
    data = NOT_FIXABLE.encode()
    result = cli(tmp_path, "-", stdin=data)
    assert (result.returncode, result.stdout) == (1, data)


def test_stdin_diff(tmp_path: Path) -> None:
    result = cli(tmp_path, "-", "--stdin-filename", "tasks.py", "--diff", stdin=TWO_CALLS.encode())
    assert result.returncode == 1
    assert result.stdout.startswith(b"--- tasks.py\n+++ tasks.py\n")


def test_stdin_force_excluded_is_echoed(tmp_path: Path) -> None:
    result = cli(
        tmp_path,
        "-",
        "--stdin-filename",
        "gen/x.py",
        "--exclude",
        "gen/*",
        "--force-exclude",
        stdin=TWO_CALLS.encode(),
    )
    assert (result.returncode, result.stdout) == (0, TWO_CALLS.encode())


def test_unfixed_findings_are_placed_in_the_text_as_the_user_has_it(tmp_path: Path) -> None:
    """``fix --diff`` writes nothing, so a finding it could not fix is reported where it
    is in the file (and its message names the file's lines), not where it would be in
    the fixed text: the fix above it adds lines."""
    source = (
        "import asyncio\n\n\nasync def a():\n    return 1\n\n\n"
        "def first():\n    asyncio.run(a())\n    asyncio.run(a())\n\n\n"
        "def second(items):\n    for i in items:\n        asyncio.run(a())\n"
    )
    (tmp_path / "t.py").write_text(source, "utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", "fix", "--isolated", "--diff", "t.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.startswith("--- t.py"), result.stderr
    (line,) = [ln for ln in result.stderr.splitlines() if "ARO102" in ln]
    assert line.startswith("t.py:15:9: ARO102 ") and "(loop at line 14)" in line, line


@pytest.mark.parametrize("output_format", ["json", "sarif", "github", "rdjson"])
def test_fix_refuses_a_machine_format_without_diff(tmp_path: Path, output_format: str) -> None:
    """A machine format describes the fixes on offer: only --diff leaves them so.
    Without it, fix refuses at once (exit 2) and writes nothing."""
    source = "import asyncio\n\n\ndef t():\n    asyncio.run(a())\n    asyncio.run(b())\n"
    (tmp_path / "t.py").write_text(source, "utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", "fix", "--isolated",
         "--output-format", output_format, "t.py"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"--output-format {output_format} needs --diff" in result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "t.py").read_text("utf-8") == source


def test_a_hint_gives_the_whole_way_at_once(tmp_path: Path) -> None:
    """``--style runner`` cannot fix it (target 3.10) and combine's fix is unsafe: the
    hint names both flags, not ``--style combine`` alone (which would then ask for
    ``--unsafe-fixes``)."""
    source = (
        "import asyncio\n\n\nasync def a():\n    return 1\n\n\n"
        "def second(items):\n    for i in items:\n        asyncio.run(a())\n"
    )
    (tmp_path / "h.py").write_text(source, "utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", "fix", "--isolated", "--diff",
         "--style", "runner", "--target-version", "py310", "h.py"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "(use --style combine --unsafe-fixes)]" in result.stderr, result.stderr
    followed = subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", "fix", "--isolated",
         "--style", "combine", "--unsafe-fixes", "--target-version", "py310", "h.py"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert followed.returncode == 0, followed.stderr
    assert "await a()" in (tmp_path / "h.py").read_text("utf-8")


def test_the_py311_hint_warns_on_an_older_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from flake8_asyncio_run.fix import planner

    monkeypatch.setattr(planner, "sys", SimpleNamespace(version_info=(3, 10, 13)))
    assert planner._py311_hint() == (
        "--target-version py311, if the code never runs on Python 3.10 (asyncio.Runner is 3.11+)"
    )
    monkeypatch.setattr(planner, "sys", SimpleNamespace(version_info=(3, 12, 1)))
    assert planner._py311_hint() == "--target-version py311"


def _fix_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", "fix", "--isolated", *args],
        cwd=cwd, capture_output=True, text=True, check=False,
    )  # fmt: skip


ONE_LINE_TWO_RUNNERS = (
    "import asyncio\n\n\nasync def fetch_a():\n    return 1\n\n\n"
    "def load_a():\n    return asyncio.run(fetch_a())\n\n\n"
    "def run_sync(coro):\n    return asyncio.run(coro)\n\n\n"
    "async def handler():\n"
    "    b = run_sync(fetch_a()), load_a()\n"
    "    d = asyncio.run(run_sync(fetch_a()))\n"
    "    return b, d\n"
)


def test_a_reason_names_only_calls_its_finding_names(tmp_path: Path) -> None:
    """Two runner calls on one line make one report.  Its message names the other
    call too, so the reason for no fix (which is about that call) names a call the
    finding shows, not one it hides."""
    (tmp_path / "h.py").write_text(ONE_LINE_TWO_RUNNERS, "utf-8")
    result = _fix_cli(tmp_path, "--diff", "h.py")
    (line,) = [ln for ln in result.stderr.splitlines() if ln.startswith("h.py:17:")]
    message, _, reason = line.partition(" [not fixed: ")
    assert message.startswith("h.py:17:9: ARO103 run_sync() (wraps asyncio.run()) inside")
    assert message.endswith("; also on this line: load_a() (runs asyncio.run())"), message
    assert reason.startswith("load_a() (runs asyncio.run()) runs a coroutine of its own")
    checked = subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", "check", "--isolated", "h.py"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "h.py:17:9: ARO103 " in checked.stdout
    assert "also on this line: load_a() (runs asyncio.run())" in checked.stdout


def test_a_call_left_inside_a_fixed_one_is_placed_where_the_user_has_it(
    tmp_path: Path,
) -> None:
    """``asyncio.run(run_sync(c))``: the outer call becomes ``await``, and the inner one,
    left (its fix would be unsafe), is reported at its column in the file as given, not
    at its column after ``await`` replaced ``asyncio.run(``."""
    (tmp_path / "h.py").write_text(ONE_LINE_TWO_RUNNERS, "utf-8")
    result = _fix_cli(tmp_path, "--diff", "h.py")
    assert "+    d = await run_sync(fetch_a())" in result.stdout, result.stderr
    (line,) = [ln for ln in result.stderr.splitlines() if ln.startswith("h.py:18:")]
    assert line.startswith("h.py:18:21: ARO103 run_sync() (wraps asyncio.run())"), line


def test_module_level_global_lists_only_what_the_moved_code_binds(tmp_path: Path) -> None:
    """A bare ``_: int`` between the calls binds nothing: its line moves out of the
    coroutine (module ``__annotations__`` keep it), and ``global`` does not list it."""
    source = (
        "import asyncio\n\n_ = str\n\n\nasync def f():\n    return 1\n\n\n"
        "a = asyncio.run(f())\n_: int\nb = asyncio.run(f())\nprint(_(a + b), __annotations__)\n"
    )
    path = tmp_path / "w.py"
    path.write_text(source, "utf-8")
    before = subprocess.run([sys.executable, "w.py"], cwd=tmp_path, capture_output=True, text=True)
    result = _fix_cli(tmp_path, "w.py")
    assert result.returncode == 0, result.stderr
    fixed = path.read_text("utf-8")
    assert "    global a, b\n" in fixed, fixed
    assert "pass" not in fixed
    after = subprocess.run([sys.executable, "w.py"], cwd=tmp_path, capture_output=True, text=True)
    assert (after.returncode, after.stdout) == (0, before.stdout) == (0, "2 {'_': <class 'int'>}\n")
