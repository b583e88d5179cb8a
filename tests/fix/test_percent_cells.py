"""``fix`` on a percent-format script (``# %%`` cells), through the real command line:
every marker stays at column 0, every cell still compiles and runs when an editor runs
it on its own, and the script prints what it printed before."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from flake8_asyncio_run.fix.cells import CROSSES_CELLS, cell_markers

SCRIPT = """\
import asyncio


async def f():
    return 1

# %%
a = asyncio.run(f())
b = asyncio.run(f())

# %% [markdown]
# The third loop

#%% Title
c = asyncio.run(f())
print(a, b, c)
"""

_MARKER = re.compile(r"^[ \t]*#[ \t]*%%")


def cells(text: str) -> list[str]:
    """The cells an editor runs, each on its own: the text split at column-0 markers."""
    found: list[list[str]] = [[]]
    for line in text.splitlines(keepends=True):
        if re.match(r"#[ \t]*%%", line):
            found.append([])
        found[-1].append(line)
    return ["".join(lines) for lines in found]


def run_cells(text: str) -> str:
    """What running the cells one by one prints (one shared namespace, as a kernel)."""
    program = (
        "import sys\ncells = eval(sys.stdin.read())\nspace = {'__name__': '__main__'}\n"
        "for number, cell in enumerate(cells):\n"
        "    exec(compile(cell, f'cell{number}', 'exec'), space)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        input=repr(cells(text)),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def run_script(path: Path) -> str:
    result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=True)
    return result.stdout


@pytest.mark.parametrize(
    ("options", "left"),
    [
        ((), True),
        (("--style", "combine"), True),
        # The analysis does not count an asyncio.Runner block as a loop, so after this
        # fix cell 2's call is no longer reported (detection, not the fixer).
        (("--style", "runner", "--target-version", "py311"), False),
    ],
    ids=["auto", "combine", "runner"],
)
def test_fix_keeps_every_cell_runnable_alone(
    tmp_path: Path, options: tuple[str, ...], left: bool
) -> None:
    script = tmp_path / "cells.py"
    script.write_text(SCRIPT, encoding="utf-8")
    printed = run_script(script)
    result = subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", "fix", "--isolated", *options, str(script)],
        capture_output=True,
        text=True,
        check=False,
    )
    fixed = script.read_text(encoding="utf-8")
    assert fixed != SCRIPT, result.stderr  # cell 1's two calls were combined
    # Cell 2's call is left, with the reason.
    assert result.returncode == int(left), result.stderr
    assert (CROSSES_CELLS in result.stderr) == left, result.stderr
    # The markers, all of them, at column 0 and in their order.
    original = [line for line in SCRIPT.splitlines() if _MARKER.match(line)]
    assert [line for line in fixed.splitlines() if _MARKER.match(line)] == original
    assert len(cell_markers(fixed)) == len(original)
    for number, cell in enumerate(cells(fixed)):
        compile(cell, f"cell{number}", "exec", dont_inherit=True)
    assert run_script(script) == printed
    assert run_cells(fixed) == printed
    # Fixing again changes nothing.
    subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", "fix", "--isolated", *options, str(script)],
        capture_output=True,
        check=False,
    )
    assert script.read_text(encoding="utf-8") == fixed


def test_diff_names_the_call_left_in_the_other_cell(tmp_path: Path) -> None:
    """With --diff, the finding left is placed in the text as the user has it: the call of
    the other cell (line 15), not cell 1's second call, which the diff fixes."""
    script = tmp_path / "cells.py"
    script.write_text(SCRIPT, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", "fix", "--isolated", "--diff", "cells.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.startswith("--- cells.py"), result.stderr
    (line,) = [ln for ln in result.stderr.splitlines() if "ARO101" in ln]
    assert line.startswith("cells.py:15:5: ARO101 asyncio.run() starts a 3rd event loop"), line


def test_markers_are_column_0_comments() -> None:
    text = (
        "# %%\nx = 1\n#%% Spyder\n  # %% indented: a comment\n"
        's = """\n# %% in a string\n"""\n# %% [markdown]\n#  %%\n# %\n'
    )
    assert cell_markers(text) == (1, 3, 8, 9)
    assert cell_markers("x = 1\n") == ()
