"""``check --add-noqa [--reason TEXT]`` through the real command line: where each comment
goes (the line flake8 reads it on), merging, byte-exact and refused writes, notebooks,
usage errors, and the round trip: afterwards ``check`` and ``flake8 --select ARO``
report nothing."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import cli

from flake8_asyncio_run.cli import main

LEGACY = '''\
import asyncio
import nest_asyncio


def task(items):
    asyncio.run(first())
    asyncio.run(second(
        items,
    ))
    label = asyncio.run(third("""
a text over lines
"""))
    total = 1 + \\
        asyncio.run(fourth())
    value = asyncio.run(fifth()) + \\
        1
    asyncio.run(sixth())  # keep this comment
    asyncio.run(seventh())  # noqa:E501
    asyncio.run(eighth())  # noqa: E501,W291 a long URL
    for item in items:
        asyncio.run(ninth(item))


async def handler():
    asyncio.run(tenth()); nest_asyncio.apply()
'''

#: Each comment on the last line of the lines flake8 reads together: the bracket's
#: first line (each line of a bracket is read alone), after the string's end, after
#: the backslash continuation; merged into an existing list, two codes in one comment.
SILENCED = '''\
import asyncio
import nest_asyncio


def task(items):
    asyncio.run(first())
    asyncio.run(second(  # noqa: ARO101
        items,
    ))
    label = asyncio.run(third("""
a text over lines
"""))  # noqa: ARO101
    total = 1 + \\
        asyncio.run(fourth())  # noqa: ARO101
    value = asyncio.run(fifth()) + \\
        1  # noqa: ARO101
    asyncio.run(sixth())  # keep this comment  # noqa: ARO101
    asyncio.run(seventh())  # noqa:E501, ARO101
    asyncio.run(eighth())  # noqa: E501,W291,ARO101 a long URL
    for item in items:
        asyncio.run(ninth(item))  # noqa: ARO101, ARO102


async def handler():
    asyncio.run(tenth()); nest_asyncio.apply()  # noqa: ARO103, ARO106
'''

TWO_CALLS = "import asyncio\n\n\ndef task():\n    asyncio.run(a())\n    asyncio.run(b())\n"


def flake8(cwd: Path, *paths: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "ARO", *paths],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def test_comments_go_where_flake8_reads_them_and_the_round_trip_is_clean(
    tmp_path: Path,
) -> None:
    path = tmp_path / "legacy.py"
    path.write_text(LEGACY, encoding="utf-8")
    before = cli(tmp_path, "check", "--isolated", "legacy.py")
    assert before.returncode == 1
    assert before.stdout.count("legacy.py:") == 11
    assert flake8(tmp_path, "legacy.py").stdout.count("legacy.py:") == 11

    done = cli(tmp_path, "check", "--isolated", "--add-noqa", "legacy.py")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert done.stderr == "Added 9 noqa directives.\n"
    assert path.read_text(encoding="utf-8") == SILENCED

    after = cli(tmp_path, "check", "--isolated", "legacy.py")
    assert (after.returncode, after.stdout) == (0, "")
    linted = flake8(tmp_path, "legacy.py")
    assert (linted.returncode, linted.stdout) == (0, ""), linted.stderr
    # The file still compiles: no comment went inside a string or after a backslash.
    compile(path.read_text(encoding="utf-8"), "legacy.py", "exec")

    again = cli(tmp_path, "check", "--isolated", "--add-noqa", "legacy.py")
    assert (again.returncode, again.stderr) == (0, "Added 0 noqa directives.\n")
    assert path.read_text(encoding="utf-8") == SILENCED


def test_a_comment_on_a_brackets_last_line_does_not_silence_its_first(tmp_path: Path) -> None:
    """Why the comment goes on the call's first line: flake8 reads each line of a
    bracket alone (its NL token ends what it reads), as ``check`` does."""
    source = TWO_CALLS.replace("asyncio.run(b())", "asyncio.run(b(\n        1,\n    ))  # noqa")
    (tmp_path / "t.py").write_text(source, encoding="utf-8")
    assert "t.py:6:5: ARO101" in flake8(tmp_path, "t.py").stdout
    assert "t.py:6:5: ARO101" in cli(tmp_path, "check", "--isolated", "t.py").stdout


def test_a_reason_follows_the_codes_and_is_never_read_as_one(tmp_path: Path) -> None:
    path = tmp_path / "t.py"
    path.write_text(TWO_CALLS.replace("b())", "b())  # noqa: E501"), encoding="utf-8")
    (tmp_path / "u.py").write_text(TWO_CALLS, encoding="utf-8")
    done = cli(tmp_path, "check", "--isolated", "--add-noqa", "--reason", " legacy, see #123 ", ".")
    assert done.returncode == 0, done.stderr
    assert done.stderr == "Added 2 noqa directives.\n"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[-1] == "    asyncio.run(b())  # noqa: E501, ARO101 legacy, see #123"
    lines = (tmp_path / "u.py").read_text(encoding="utf-8").splitlines()
    assert lines[-1] == "    asyncio.run(b())  # noqa: ARO101 legacy, see #123"
    assert cli(tmp_path, "check", "--isolated", ".").returncode == 0
    assert flake8(tmp_path, ".").stdout == ""
    # flake8 still reports what the list does not name: the reason added no code.
    (tmp_path / "v.py").write_text(
        TWO_CALLS.replace("b())", "b())  # noqa: ARO102 legacy, see #123"), encoding="utf-8"
    )
    assert "v.py:6:5: ARO101" in flake8(tmp_path, "v.py").stdout
    # A leading comma is read as a separator only: the reason still adds no code.
    done = cli(tmp_path, "check", "--isolated", "--add-noqa", "--reason", ", legacy", "v.py")
    assert done.returncode == 0, done.stderr
    assert "# noqa: ARO102, ARO101 , legacy" in (tmp_path / "v.py").read_text(encoding="utf-8")
    assert flake8(tmp_path, "v.py").stdout == ""


@pytest.mark.parametrize(
    ("reason", "problem"),
    [
        ("py3 compatibility", "flake8 would read 'py3' in the reason as a noqa code"),
        (", A1 legacy", "flake8 would read 'A1' in the reason"),
        ("   ", "the reason is empty"),
        ("two\nlines", "one line of printable text"),
        ("a\ttab", "one line of printable text"),
    ],
)
def test_a_bad_reason_is_a_usage_error_and_nothing_is_written(
    tmp_path: Path, reason: str, problem: str
) -> None:
    (tmp_path / "t.py").write_text(TWO_CALLS, encoding="utf-8")
    done = cli(tmp_path, "check", "--isolated", "--add-noqa", "--reason", reason, "t.py")
    assert done.returncode == 2
    assert done.stderr.startswith("flake8-asyncio-run: error: --reason: ")
    assert problem in done.stderr
    assert (tmp_path / "t.py").read_text(encoding="utf-8") == TWO_CALLS


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--add-noqa", "-"], TWO_CALLS, "it cannot read standard input ('-')"),
        (["--add-noqa", "--stdin-filename", "t.py", "-"], TWO_CALLS, "standard input"),
        (["--reason", "legacy", "t.py"], None, "--reason needs --add-noqa"),
        (["--add-noqa", "--output-format", "json", "t.py"], None, "--output-format cannot"),
        (
            ["--add-noqa", "--output-format", "gitlab", "t.py"],
            None,
            "error: --add-noqa prints no report: --output-format cannot be used with it\n",
        ),
        (
            ["--add-noqa", "--statistics", "t.py"],
            None,
            "error: --add-noqa prints no report: --statistics cannot be used with it\n",
        ),
        (
            ["--add-noqa", "--output-file", "out.txt", "t.py"],
            None,
            "error: --add-noqa prints no report: --output-file cannot be used with it\n",
        ),
        (
            ["--add-noqa", "--color", "always", "t.py"],
            None,
            "error: --add-noqa prints no report: --color cannot be used with it\n",
        ),
        (
            # The --add-noqa refusal comes first, naming every reporting option given,
            # not the conflict between --statistics and gitlab.
            ["--add-noqa", "--statistics", "--output-format", "gitlab", "--color", "never", "."],
            None,
            "error: --add-noqa prints no report: --output-format, --statistics and --color "
            "cannot be used with it\n",
        ),
    ],
)
def test_usage_errors(tmp_path: Path, args: list[str], stdin: str | None, message: str) -> None:
    (tmp_path / "t.py").write_text(TWO_CALLS, encoding="utf-8")
    done = cli(tmp_path, "check", "--isolated", *args, stdin=stdin)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Added" not in done.stderr
    assert done.stdout == ""
    assert (tmp_path / "t.py").read_text(encoding="utf-8") == TWO_CALLS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.py"]  # no output file either


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_bytes_are_kept_bom_line_breaks_and_tabs(tmp_path: Path, newline: bytes) -> None:
    lines = [
        b"\xef\xbb\xbfimport asyncio",
        b"",
        b"",
        b"def task():",
        b"\tlabel = '\xc3\xa9'  # caf\xc3\xa9",
        b"\tasyncio.run(a())",
        b"\tasyncio.run(b())   ",  # trailing spaces: the comment replaces them
        b"\treturn label",
    ]
    path = tmp_path / "t.py"
    path.write_bytes(newline.join(lines) + newline)
    done = cli(tmp_path, "check", "--isolated", "--add-noqa", "t.py")
    assert done.returncode == 0, done.stderr
    lines[6] = b"\tasyncio.run(b())  # noqa: ARO101"
    assert path.read_bytes() == newline.join(lines) + newline
    assert cli(tmp_path, "check", "--isolated", "t.py").returncode == 0


def test_a_legacy_encoding_is_kept_and_a_reason_it_cannot_spell_is_refused(
    tmp_path: Path,
) -> None:
    source = "# -*- coding: latin-1 -*-\n" + TWO_CALLS + "label = 'é'\n"
    path = tmp_path / "t.py"
    path.write_bytes(source.encode("latin-1"))
    refused = cli(tmp_path, "check", "--isolated", "--add-noqa", "--reason", "ok 😀", "t.py")
    assert refused.returncode == 2
    assert "t.py: cannot write the noqa comments:" in refused.stderr
    assert "Added 0 noqa directives." in refused.stderr
    assert path.read_bytes() == source.encode("latin-1")
    done = cli(tmp_path, "check", "--isolated", "--add-noqa", "--reason", "vérifié", "t.py")
    assert done.returncode == 0, done.stderr
    expected = source.replace("b())\n", "b())  # noqa: ARO101 vérifié\n")
    assert path.read_bytes() == expected.encode("latin-1")


def test_mode_and_hard_links_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "t.py"
    path.write_text(TWO_CALLS, encoding="utf-8")
    os.chmod(path, 0o640)
    other = tmp_path / "other.py"
    os.link(path, other)
    done = cli(tmp_path, "check", "--isolated", "--add-noqa", "t.py")
    assert done.returncode == 0, done.stderr
    assert other.read_text(encoding="utf-8") == path.read_text(encoding="utf-8") != TWO_CALLS
    assert os.stat(path).st_ino == os.stat(other).st_ino
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_a_read_only_file_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "t.py"
    path.write_text(TWO_CALLS, encoding="utf-8")
    os.chmod(path, 0o444)
    done = cli(tmp_path, "check", "--isolated", "--add-noqa", "t.py")
    assert done.returncode == 2
    assert "t.py: not written: the file is read-only" in done.stderr
    assert path.read_text(encoding="utf-8") == TWO_CALLS


def test_an_edit_saved_meanwhile_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.py"
    path.write_text(TWO_CALLS, encoding="utf-8")
    edited = TWO_CALLS + "# the user's edit\n"
    import flake8_asyncio_run.cli.add_noqa as command

    real = command.noqa_edits

    def plan_and_meanwhile_edit(*args: Any, **kwargs: Any) -> Any:
        planned = real(*args, **kwargs)
        path.write_text(edited, encoding="utf-8")  # saved by an editor meanwhile
        return planned

    monkeypatch.setattr(command, "noqa_edits", plan_and_meanwhile_edit)
    code = main(["check", "--isolated", "--add-noqa", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert path.read_text(encoding="utf-8") == edited
    assert "the file changed while it was being edited; run check --add-noqa again" in err
    assert "Added 0 noqa directives." in err


def test_what_cannot_be_silenced_is_an_error_and_the_rest_is_silenced(tmp_path: Path) -> None:
    source = TWO_CALLS.replace("asyncio.run(b())", 'asyncio.run(b("""\n# noqa: E501\n"""))')
    source += "    asyncio.run(c())\n"
    (tmp_path / "t.py").write_text(source, encoding="utf-8")
    (tmp_path / "broken.py").write_text("import asyncio\nasyncio.run(x(\n", encoding="utf-8")
    done = cli(tmp_path, "check", "--isolated", "--add-noqa", ".")
    assert done.returncode == 2
    assert (
        "t.py:6:5: ARO101 not silenced: a noqa comment inside a string comes first in its "
        "lines" in done.stderr
    )
    assert "broken.py:2:14: E999 not silenced: a syntax error cannot be silenced" in done.stderr
    assert "Added 1 noqa directive.\n" in done.stderr
    assert (tmp_path / "t.py").read_text(encoding="utf-8") == source.replace(
        "c())\n", "c())  # noqa: ARO101\n"
    )
    assert (tmp_path / "broken.py").read_text(
        encoding="utf-8"
    ) == "import asyncio\nasyncio.run(x(\n"
    left = cli(tmp_path, "check", "--isolated", "t.py")
    assert left.stdout.splitlines() == [
        line for line in left.stdout.splitlines() if line.startswith("t.py:6:5: ARO101")
    ]
    assert left.stdout


def test_a_directory_with_the_results_cache(tmp_path: Path) -> None:
    """The first pass may take findings from the cache; each file is read and checked
    again before it is written."""
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    for name in ("a.py", "b.py", "clean.py"):
        text = TWO_CALLS if name != "clean.py" else "import asyncio\n"
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert cli(tmp_path, "check", ".").returncode == 1  # fills the results cache
    done = cli(tmp_path, "check", "--add-noqa", ".")
    assert (done.returncode, done.stderr) == (0, "Added 2 noqa directives.\n")
    assert (tmp_path / "clean.py").read_text(encoding="utf-8") == "import asyncio\n"
    assert cli(tmp_path, "check", ".").returncode == 0
    assert flake8(tmp_path, ".").stdout == ""


def _notebook(*sources: str) -> dict[str, Any]:
    cells = [
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": source.splitlines(keepends=True),
        }
        for source in sources
    ]
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_a_notebook_gets_the_comment_in_its_cell(tmp_path: Path) -> None:
    data = _notebook(
        "import asyncio\n\n\nasync def main():\n    return 1\n",
        "%time x = 1\nvalue = asyncio.run(main())\nprint(value)",
    )
    options: dict[str, Any] = {"indent": 1, "ensure_ascii": False}
    (tmp_path / "nb.ipynb").write_text(json.dumps(data, **options) + "\n", encoding="utf-8")
    done = cli(tmp_path, "check", "--isolated", "--add-noqa", "nb.ipynb")
    assert (done.returncode, done.stderr) == (0, "Added 1 noqa directive.\n")
    # Only the cell's source changed; the masked IPython line came back as it was.
    data["cells"][1]["source"] = [
        "%time x = 1\n",
        "value = asyncio.run(main())  # noqa: ARO103\n",
        "print(value)",
    ]
    written = (tmp_path / "nb.ipynb").read_text(encoding="utf-8")
    assert written == json.dumps(data, **options) + "\n"
    assert cli(tmp_path, "check", "--isolated", "nb.ipynb").returncode == 0


def test_a_notebook_line_that_cannot_be_silenced_names_its_cell(tmp_path: Path) -> None:
    data = _notebook("import asyncio\n", 'x = asyncio.run(f("""\n# noqa: E501\n"""))\n')
    text = json.dumps(data, indent=1) + "\n"
    (tmp_path / "nb.ipynb").write_text(text, encoding="utf-8")
    done = cli(tmp_path, "check", "--isolated", "--add-noqa", "nb.ipynb")
    assert done.returncode == 2
    assert "nb.ipynb:cell 2:1:5: ARO103 not silenced" in done.stderr
    assert (tmp_path / "nb.ipynb").read_text(encoding="utf-8") == text


def test_more_comment_forms(tmp_path: Path) -> None:
    """Comments flake8 reads and comments it does not: a ``#`` inside a string, an
    upper-case NOQA list, ``#noqa`` without its space (no directive for flake8), a
    directive followed by another comment, a form feed ending the line."""
    lines = [
        "import asyncio",
        "",
        "",
        "def task():",
        "    asyncio.run(a())",
        '    asyncio.run(b("# not a comment"))',
        "    asyncio.run(c())  # NOQA:E501",
        "    asyncio.run(d())  #noqa:E501",
        "    asyncio.run(e())  # noqa: E501  # type: ignore",
        "    asyncio.run(f())\f",
        "",
    ]
    (tmp_path / "t.py").write_text("\n".join(lines), encoding="utf-8")
    done = cli(tmp_path, "check", "--isolated", "--add-noqa", "t.py")
    assert (done.returncode, done.stderr) == (0, "Added 5 noqa directives.\n")
    lines[5] = '    asyncio.run(b("# not a comment"))  # noqa: ARO101'
    lines[6] = "    asyncio.run(c())  # NOQA:E501, ARO101"
    lines[7] = "    asyncio.run(d())  #noqa:E501  # noqa: ARO101"
    lines[8] = "    asyncio.run(e())  # noqa: E501, ARO101  # type: ignore"
    lines[9] = "    asyncio.run(f())\f  # noqa: ARO101"
    assert (tmp_path / "t.py").read_text(encoding="utf-8") == "\n".join(lines)
    assert cli(tmp_path, "check", "--isolated", "t.py").returncode == 0
    assert flake8(tmp_path, "t.py").stdout == ""


def test_round_trip_on_the_examples_tree(tmp_path: Path) -> None:
    """Every rule, a cross-module ARO201 and a notebook, with the results cache warm
    from a first check: afterwards check (cached or not) and flake8 report nothing,
    and the notebook's comments are in its cells."""
    shutil.copytree(Path(__file__).resolve().parents[1] / "examples", tmp_path / "examples")
    first = cli(tmp_path, "check", "--isolated", "examples")
    assert first.returncode == 1
    found = first.stdout.splitlines()
    assert {line.split(": ")[1].split()[0] for line in found} >= {"ARO101", "ARO201", "ARO106"}
    assert any(".ipynb:cell " in line for line in found)

    reason = "legacy, see #123"
    done = cli(tmp_path, "check", "--isolated", "--add-noqa", "--reason", reason, "examples")
    assert done.returncode == 0, done.stderr
    assert done.stderr == f"Added {len(found)} noqa directives.\n"
    assert done.stdout == ""

    for flags in ((), ("--no-cache",)):
        after = cli(tmp_path, "check", "--isolated", *flags, "examples")
        assert (after.returncode, after.stdout, after.stderr) == (0, "", "")
    linted = flake8(tmp_path, "examples")
    assert (linted.returncode, linted.stdout) == (0, ""), linted.stderr
    notebook = json.loads((tmp_path / "examples/photos.ipynb").read_text(encoding="utf-8"))
    sources = ["".join(cell["source"]) for cell in notebook["cells"]]
    # One comment was there (cell 8); the three findings got one each, with the reason.
    assert sum(source.count("# noqa: ARO1") for source in sources) == 4
    assert sum(source.count(reason) for source in sources) == 3

    again = cli(tmp_path, "check", "--isolated", "--add-noqa", "examples")
    assert (again.returncode, again.stderr) == (0, "Added 0 noqa directives.\n")
