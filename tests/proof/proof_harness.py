"""Fix a program, run the original and the fixed version, and prove they behave alike.

* ``fix_api`` goes through ``flake8_asyncio_run.fix.fix_text``; ``fix_cli`` runs the real
  ``flake8-asyncio-run fix`` command on a file.
* ``run_isolated`` executes one version in a fresh interpreter (``loopdriver.py``) with
  a temporary working directory, and adds the files the program wrote to its trace.
* ``assert_equivalent`` compares everything observable; the loops are compared apart:
  ``assert_one_loop_per_call`` (after the fix) and ``assert_several_loops`` (before it,
  so that a test whose program never used two loops cannot pass by accident).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flake8_asyncio_run.checker import check_source
from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.rules import FIXABLE

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "loopdriver.py"
REPO_ROOT = HERE.parent.parent
LOOP_CODES = FIXABLE


@dataclass(frozen=True)
class Style:
    """One way to run the fixer: the ``fix`` options a user would pass."""

    style: str
    unsafe: bool = False
    target: tuple[int, int] = (3, 11)

    @property
    def id(self) -> str:
        return f"{self.style}{'-unsafe' if self.unsafe else ''}-py3{self.target[1]}"

    def cli_args(self) -> list[str]:
        args = ["--style", self.style, "--target-version", f"py3{self.target[1]}"]
        return [*args, "--unsafe-fixes"] if self.unsafe else args


AUTO = Style("auto")
COMBINE = Style("combine", unsafe=True)
RUNNER = Style("runner")
STYLES = (AUTO, COMBINE, RUNNER)


def program(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def fix_api(source: str, style: Style, path: str = "program.py") -> tuple[str, Any]:
    """The fixed text and the ``FixOutcome``; an internal error fails the test."""
    from flake8_asyncio_run.fix import fix_text

    outcome = fix_text(
        source, path, Settings(), style=style.style, unsafe=style.unsafe, target=style.target
    )
    assert outcome.internal_error is None, f"internal error: {outcome.internal_error}\n{source}"
    assert outcome.syntax_error is None, outcome.syntax_error
    text: str = outcome.text
    return text, outcome


def fix_cli(source: str, style: Style, workdir: Path, name: str = "program.py") -> str:
    """Fix a file with the real command; returns the file's new text."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / name
    path.write_text(source, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", "fix", "--isolated", *style.cli_args(), name],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 1), f"fix exited {done.returncode}:\n{done.stderr}"
    assert done.stdout == "", f"fix wrote to stdout without --diff:\n{done.stdout}"
    return path.read_text(encoding="utf-8")


def run_isolated(
    source: str, calls: list[str], workdir: Path, module: str = "program"
) -> dict[str, Any]:
    """Run one version in a fresh interpreter; the trace gains ``files``: what it wrote."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "program.py").write_text(source, encoding="utf-8")
    spec = {"program": str(workdir / "program.py"), "calls": calls, "module": module}
    (workdir / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    result = workdir / "trace.json"
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, str(DRIVER), "spec.json", "trace.json"],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, f"driver failed:\n{done.stdout}\n{done.stderr}"
    trace: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    trace["files"] = {
        p.name: p.read_text(encoding="utf-8") for p in sorted(workdir.glob("*.jsonl"))
    }
    trace["stderr"] = done.stderr
    return trace


def behaviour(trace: dict[str, Any]) -> dict[str, Any]:
    """Everything observable, without the loops."""
    return {
        "calls": [
            {k: v for k, v in call.items() if not k.startswith("loops_")} for call in trace["calls"]
        ],
        "events": trace["events"],
        "files": trace.get("files", {}),
    }


def assert_equivalent(before: dict[str, Any], after: dict[str, Any], fixed: str) -> None:
    expected, actual = behaviour(before), behaviour(after)
    if expected == actual:
        return
    for old, new in zip(expected["calls"], actual["calls"], strict=True):
        assert old == new, f"call {old['call']!r} behaves differently after the fix:\n{fixed}"
    assert expected["events"] == actual["events"], f"side effects differ after the fix:\n{fixed}"
    assert expected == actual, f"behaviour differs after the fix:\n{fixed}"


def loops_of(trace: dict[str, Any]) -> list[tuple[str, int, int]]:
    return [(c["call"], len(c["loops_used"]), c["loops_created"]) for c in trace["calls"]]


def assert_several_loops(before: dict[str, Any]) -> None:
    """The test has teeth: some task call of the original ran more than one loop."""
    counts = loops_of(before)
    assert any(used > 1 for _, used, _ in counts), f"the original never used two loops: {counts}"


def assert_one_loop_per_call(before: dict[str, Any], after: dict[str, Any], fixed: str) -> None:
    """After the fix every task call runs at most one loop, and exactly one where the
    original ran any.  asyncio's loops are also counted at creation."""
    for old, new in zip(before["calls"], after["calls"], strict=True):
        used, created = len(new["loops_used"]), new["loops_created"]
        assert used <= 1 and created <= 1, (
            f"{new['call']}: {used} loops used, {created} created after the fix:\n{fixed}"
        )
        if old["loops_used"]:
            assert used == 1, f"{new['call']}: ran no loop after the fix:\n{fixed}"


def assert_no_more_loops(before: dict[str, Any], after: dict[str, Any], fixed: str) -> None:
    """A partial fix (some finding had no fix) never adds loops to any task call."""
    for old, new in zip(before["calls"], after["calls"], strict=True):
        assert len(new["loops_used"]) <= max(len(old["loops_used"]), 1), f"{new['call']}:\n{fixed}"


def remaining_loop_findings(text: str, path: str = "program.py") -> list[str]:
    result = check_source(text, path, Settings())
    found = [f for f in result.findings if f.code in LOOP_CODES]
    return [f"{f.line}:{f.col + 1} {f.code} {f.message}" for f in found]


def assert_compiles(text: str, what: str = "fixed program") -> None:
    try:
        compile(text, "<fixed>", "exec")
    except SyntaxError as error:  # pragma: no cover - the failure message is the point
        raise AssertionError(f"{what} does not compile: {error}\n{text}") from error


def assert_same_in_a_running_loop(source: str, fixed: str, calls: list[str]) -> int:
    """Each task call, made from inside a running event loop, behaves as before wherever
    the original's path started no loop (it returned; a path that starts one raises
    there).  Each call runs in a fresh module, so a raising call cannot leave different
    state behind for the next.  Returns how many calls were compared."""
    from loopdriver import IN_RUNNING_LOOP, run_program

    compared = 0
    for call in calls:
        expr = IN_RUNNING_LOOP + call
        before = run_program(source, "program.py", [expr])
        if before["calls"][-1]["outcome"][0] != "return":
            continue
        after = run_program(fixed, "program.py", [expr])
        old, new = behaviour(before), behaviour(after)
        assert old == new, f"{call} from a running loop behaves differently after the fix:\n{fixed}"
        compared += 1
    return compared
