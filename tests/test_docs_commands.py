"""Every ``flake8-asyncio-run`` command in the docs runs, with the exit code its marker
promises, from a fresh directory holding a copy of ``examples/`` (as the repository
root does).  The convention is described at the end of docs/output-formats.md."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
COMMAND = "flake8-asyncio-run"
MARKER = re.compile(r"^<!--\s*exit:\s*(?P<codes>[^>]*?)\s*-->\s*$")
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
#: What may stand before the command on its line: a prompt, a YAML key or list dash.
LEAD = re.compile(r"^\s*(?:\$\s+|-\s+run:\s*|run:\s*|-\s+)?")
#: Tokens between two commands of one line.
CHAINS = {"&&", "||", ";"}
#: Tokens after which the rest of a command belongs to another tool or a file.
ENDS = {"|", "|&", "&>", "&"}


@dataclass(frozen=True)
class Documented:
    source: str
    line: int
    argv: tuple[str, ...]
    stdin: str | None
    expected: int | None  # None: skipped
    problem: str | None = None

    @property
    def id(self) -> str:
        return f"{self.source}:{self.line}"


def _commands(text: str) -> list[tuple[tuple[str, ...], str | None]]:
    """The ``flake8-asyncio-run`` commands on one line: (arguments, stdin file) each.

    Chains (``&&``, ``||``, ``;``) are split and only our commands kept; a pipe into
    another tool and output redirections end a command; ``< file`` is its stdin.
    """
    stripped = LEAD.sub("", text, count=1)
    if COMMAND not in stripped:
        return []
    lexer = shlex.shlex(stripped, posix=True, punctuation_chars="|&;<>")
    lexer.whitespace_split = True
    try:
        words = list(lexer)
    except ValueError:  # not shell: prose or program output
        return []
    segments: list[list[str]] = [[]]
    for word in words:
        if word in CHAINS:
            segments.append([])
        else:
            segments[-1].append(word)
    found: list[tuple[tuple[str, ...], str | None]] = []
    for segment in segments:
        if not segment or segment[0] != COMMAND:
            continue
        argv: list[str] = []
        stdin: str | None = None
        index = 1
        while index < len(segment):
            word = segment[index]
            following = segment[index + 1] if index + 1 < len(segment) else ""
            if word in ENDS or word.startswith(">") or (word.isdigit() and following[:1] == ">"):
                break
            if word == "<" and following:
                stdin = following
                index += 2
                continue
            argv.append(word)
            index += 1
        found.append((tuple(argv), stdin))
    return found


def documented_commands(path: Path) -> list[Documented]:
    source = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Documented] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        fence = opening.group("fence")
        start = index
        body: list[tuple[int, str]] = []
        index += 1
        while index < len(lines) and not lines[index].strip().startswith(fence):
            body.append((index + 1, lines[index]))
            index += 1
        index += 1
        # Join shell continuation lines before looking for commands.
        joined: list[tuple[int, str]] = []
        for number, text in body:
            if joined and joined[-1][1].endswith("\\"):
                joined[-1] = (joined[-1][0], joined[-1][1][:-1] + " " + text.strip())
            else:
                joined.append((number, text))
        commands = [(n, parsed) for n, t in joined for parsed in _commands(t)]
        if not commands:
            continue
        marker = None
        before = start - 1
        while before >= 0 and not lines[before].strip():
            before -= 1
        if before >= 0:
            marker = MARKER.match(lines[before].strip())
        codes: list[int | None]
        problem = None
        if marker is None:
            codes = [None] * len(commands)
            problem = f"no <!-- exit: N --> marker above the block at line {start + 1}"
        elif marker.group("codes").startswith("skip"):
            codes = [None] * len(commands)
        else:
            values = [v for v in re.split(r"[,\s]+", marker.group("codes")) if v]
            if not all(v.isdigit() for v in values):
                problem = f"bad marker above line {start + 1}: {marker.group(0)}"
                values = []
            if len(values) == 1:
                values *= len(commands)
            if len(values) != len(commands) and problem is None:
                problem = (
                    f"the marker above line {start + 1} gives {len(values)} exit codes "
                    f"for {len(commands)} commands"
                )
            codes = [int(v) for v in values] if problem is None else [None] * len(commands)
        for (number, (argv, stdin)), code in zip(commands, codes, strict=True):
            skipped = code is None and problem is None
            found.append(
                Documented(source, number, argv, stdin, None if skipped else code, problem)
            )
    return found


def all_documented() -> list[Documented]:
    files = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
    return [c for path in files if path.is_file() for c in documented_commands(path)]


COMMANDS = all_documented()


def test_docs_have_commands() -> None:
    assert len(COMMANDS) >= 5, "the docs should show how to run the tool"


@pytest.mark.parametrize("documented", COMMANDS, ids=[c.id for c in COMMANDS])
def test_documented_command(documented: Documented, tmp_path: Path) -> None:
    assert documented.problem is None, f"{documented.id}: {documented.problem}"
    if documented.expected is None:
        pytest.skip("marked <!-- exit: skip -->")
    assert any(EXAMPLES.rglob("*.py")), "examples/ holds no Python files"
    # Like the repository root: the copy is examples/, so docs may name . or examples/.
    work = tmp_path / "root"
    shutil.copytree(EXAMPLES, work / "examples")
    stdin = (work / documented.stdin).read_bytes() if documented.stdin else b""
    done = subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", *documented.argv],
        cwd=work,
        input=stdin,
        capture_output=True,
        timeout=120,
    )
    stderr = done.stderr.decode("utf-8", "replace")
    shown = f"{COMMAND} {shlex.join(documented.argv)}"
    assert "Traceback" not in stderr, f"{documented.id}: {shown} crashed:\n{stderr}"
    assert done.returncode == documented.expected, (
        f"{documented.id}: `{shown}` exited {done.returncode}, the docs say "
        f"{documented.expected}\nstdout:\n{done.stdout.decode('utf-8', 'replace')[:2000]}"
        f"\nstderr:\n{stderr[:2000]}"
    )


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            "<!-- exit: 1 -->\n```console\n$ flake8-asyncio-run check .\n```\n",
            [(("check", "."), None, 1)],
        ),
        (
            "<!-- exit: 0, 1 -->\n```yaml\n- run: flake8-asyncio-run check --exit-zero .\n"
            "  run: flake8-asyncio-run check . | reviewdog -f=rdjson\n```\n",
            [(("check", "--exit-zero", "."), None, 0), (("check", "."), None, 1)],
        ),
        (
            "<!-- exit: 2 -->\n\n```sh\nflake8-asyncio-run fix - \\\n"
            "  --stdin-filename t.py < t.py > out.py\n```\n",
            [(("fix", "-", "--stdin-filename", "t.py"), "t.py", 2)],
        ),
        ("```yaml\n  entry: flake8-asyncio-run check --force-exclude\n```\n", []),
        (
            "<!-- exit: 1 -->\n```console\n"
            "python -m pip install -e . && flake8-asyncio-run check examples/ 2>&1 | head\n```\n",
            [(("check", "examples/"), None, 1)],
        ),
        (
            "<!-- exit: 0, 1 -->\n```sh\n"
            "flake8-asyncio-run check -q . ; flake8-asyncio-run fix --diff . # why\n```\n",
            [(("check", "-q", "."), None, 0), (("fix", "--diff", "."), None, 1)],
        ),
        ("```console\n$ flake8 --select ARO src/\nsrc/x.py:1:1: ARO101 'it's' (x)\n```\n", []),
        (
            "<!-- exit: skip -->\n```console\n$ flake8-asyncio-run lsp\n```\n",
            [(("lsp",), None, None)],
        ),
    ],
)
def test_marker_convention(tmp_path: Path, block: str, expected: list[object]) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("Text.\n\n" + block, encoding="utf-8")
    found = documented_commands(doc)
    assert [(c.argv, c.stdin, c.expected) for c in found] == expected
    assert all(c.problem is None for c in found)


def test_missing_or_miscounted_marker_is_a_problem(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        "```console\n$ flake8-asyncio-run check .\n```\n\n"
        "<!-- exit: 1, 1 -->\n```console\n$ flake8-asyncio-run check .\n```\n",
        encoding="utf-8",
    )
    problems = [c.problem for c in documented_commands(doc)]
    assert problems[0] is not None and "no <!-- exit" in problems[0]
    assert problems[1] is not None and "2 exit codes for 1 commands" in problems[1]
