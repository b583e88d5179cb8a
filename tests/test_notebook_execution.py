"""The behaviour proof for notebooks: run a notebook in a real ipykernel (through
nbclient), see the top-level runner calls fail with the ``RuntimeError`` ARO103 promises,
``fix`` it with the real command line, run it again: no error, the same outputs in the
cells that ran both times, and the expected values in the cells that failed before.

Needs the test extra (nbclient, nbformat, ipykernel); skipped without them.  The kernel
talks to the test over local sockets only.  It must be the interpreter running the
tests: ipykernel's wheel installs ``sys.prefix/share/jupyter/kernels/python3``, whose
``python`` jupyter_client replaces with ``sys.executable``; if ``python3`` resolves to
anything else, the test writes its own kernelspec and puts it first on ``JUPYTER_PATH``.
The first cell prints the kernel's ``sys.prefix`` to confirm it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import cli

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
kernelspec = pytest.importorskip("jupyter_client.kernelspec")

#: Generous: a kernel starts in a few seconds, but a loaded CI machine can take long.
STARTUP_TIMEOUT = 120
CELL_TIMEOUT = 120
KERNEL = "python3"
HAS_ANYIO = importlib.util.find_spec("anyio") is not None

HELPERS = (
    "async def double(x):\n"
    "    await asyncio.sleep(0)\n"
    "    return 2 * x\n"
    "\n"
    "\n"
    "async def total(*xs):\n"
    "    return sum([await double(x) for x in xs])\n"
)

#: (source before the fix, source after it, the error it raises before the fix).
RUNNER_CELLS: list[tuple[str, str, str]] = [
    (
        "a = asyncio.run(double(21))\nprint('a =', a)",
        "a = await double(21)\nprint('a =', a)",
        "asyncio.run() cannot be called from a running event loop",
    ),
]
if HAS_ANYIO:
    RUNNER_CELLS.append(
        (
            "b = anyio.run(total, 1, 2)\nprint('b =', b)",
            "b = await total(1, 2)\nprint('b =', b)",
            "Already running asyncio in this thread",  # anyio 4's own check
        )
    )
RUNNER_CELLS.append(
    (
        "loop = asyncio.get_event_loop()\nc = loop.run_until_complete(double(5))\nc",
        "loop = asyncio.get_event_loop()\nc = await double(5)\nc",
        "This event loop is already running",
    )
)


def build_notebook() -> Any:
    v4 = nbformat.v4
    imports = "import asyncio\nimport sys\n" + ("import anyio\n" if HAS_ANYIO else "")
    cells = [
        v4.new_markdown_cell("# Proof\n\nTop-level runner calls in a running kernel."),
        v4.new_code_cell(imports + "\nprint(sys.prefix)"),
        v4.new_code_cell(HELPERS),
        v4.new_code_cell("print('ready')\n'ready'"),
        *(v4.new_code_cell(before) for before, _, _ in RUNNER_CELLS),
        v4.new_code_cell(
            "results = [a, c]" + (" + [b]" if HAS_ANYIO else "") + "\nprint('results', results)"
        ),
    ]
    return v4.new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": KERNEL},
            "language_info": {"name": "python"},
        },
    )


def _runs_this_interpreter(command: str) -> bool:
    """What jupyter_client runs for a kernelspec's ``argv[0]``: it replaces ``python``,
    ``python3`` and ``python3.X`` by ``sys.executable``.  A path must be this very
    executable (not its realpath: a virtualenv's ``python`` links to the base one)."""
    major, minor = sys.version_info[:2]
    if command in {"python", f"python{major}", f"python{major}.{minor}"}:
        return True
    return os.path.abspath(command) == os.path.abspath(sys.executable)


@pytest.fixture
def kernel_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the kernel's state in ``tmp_path`` and make ``python3`` this interpreter."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    try:
        spec = kernelspec.KernelSpecManager().get_kernel_spec(KERNEL)
    except kernelspec.NoSuchKernel:
        spec = None
    if spec is not None and spec.argv and _runs_this_interpreter(spec.argv[0]):
        return
    kernel_dir = tmp_path / "jupyter" / "kernels" / KERNEL
    kernel_dir.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec_json = {"argv": argv, "display_name": "Python 3", "language": "python"}
    (kernel_dir / "kernel.json").write_text(json.dumps(spec_json), encoding="utf-8")
    path = os.environ.get("JUPYTER_PATH")
    joined = str(tmp_path / "jupyter") + (os.pathsep + path if path else "")
    monkeypatch.setenv("JUPYTER_PATH", joined)


def execute(path: Path) -> Any:
    """Run every cell (errors are outputs, as Jupyter's "run all" shows them)."""
    notebook = nbformat.read(str(path), as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name=KERNEL,
        timeout=CELL_TIMEOUT,
        startup_timeout=STARTUP_TIMEOUT,
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return notebook


def outputs(cell: Any) -> list[tuple[str, Any]]:
    """A cell's outputs without execution counts, ids or metadata; consecutive stream
    chunks of one stream joined (how the kernel splits them is not the cell's doing)."""
    result: list[tuple[str, Any]] = []
    for output in cell.get("outputs", []):
        kind = output["output_type"]
        if kind == "stream":
            if result and result[-1][0] == "stream" and result[-1][1][0] == output["name"]:
                name, text = result.pop()[1]
                result.append(("stream", (name, text + output["text"])))
            else:
                result.append(("stream", (output["name"], output["text"])))
        elif kind in ("execute_result", "display_data"):
            result.append((kind, dict(output["data"])))
        elif kind == "error":
            result.append((kind, (output["ename"], output["evalue"])))
    return result


def errors(cell: Any) -> list[tuple[str, str]]:
    return [value for kind, value in outputs(cell) if kind == "error"]


def code_cells(notebook: Any) -> list[Any]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


@pytest.mark.usefixtures("kernel_env")
def test_fix_makes_a_failing_notebook_run_in_a_real_kernel(tmp_path: Path) -> None:
    path = tmp_path / "proof.ipynb"
    nbformat.write(build_notebook(), str(path))

    before = execute(path)
    cells = code_cells(before)
    prefix_output = outputs(cells[0])
    assert prefix_output == [("stream", ("stdout", sys.prefix + "\n"))], (
        "the kernel is not the interpreter running the tests"
    )
    first_runner = 3  # imports, helpers, the plain cell, then the runner cells
    for cell in cells[:first_runner]:
        assert errors(cell) == [], cell.source
    for cell, (_, _, message) in zip(cells[first_runner:], RUNNER_CELLS, strict=False):
        ((ename, evalue),) = errors(cell)
        assert ename == "RuntimeError", (cell.source, evalue)
        assert message in evalue, (cell.source, evalue)
    assert errors(cells[-1])[0][0] == "NameError"  # the results were never computed

    checked = cli(tmp_path, "check", "--isolated", path.name)
    assert checked.returncode == 1, checked.stderr
    assert checked.stdout.count(" ARO103 ") == len(RUNNER_CELLS), checked.stdout

    fixed = cli(tmp_path, "fix", "--isolated", path.name)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    rewritten = nbformat.read(str(path), as_version=4)
    nbformat.validate(rewritten)
    sources = [cell.source for cell in code_cells(rewritten)]
    assert sources[first_runner:-1] == [after for _, after, _ in RUNNER_CELLS]
    rechecked = cli(tmp_path, "check", "--isolated", path.name)
    assert (rechecked.returncode, rechecked.stdout) == (0, ""), rechecked.stderr

    after = execute(path)
    after_cells = code_cells(after)
    for cell in after_cells:
        assert errors(cell) == [], (cell.source, errors(cell))
    # The cells that ran before the first failure give the same outputs again.
    for old, new in zip(cells[:first_runner], after_cells[:first_runner], strict=True):
        assert outputs(new) == outputs(old), new.source
    # The cells that failed now give what the calls would have returned.
    expected: dict[str, list[tuple[str, Any]]] = {
        "a": [("stream", ("stdout", "a = 42\n"))],
        "b": [("stream", ("stdout", "b = 6\n"))],
        "c": [("execute_result", {"text/plain": "10"})],
    }
    runner_outputs = [outputs(cell) for cell in after_cells[first_runner:-1]]
    names = ["a", "b", "c"] if HAS_ANYIO else ["a", "c"]
    assert runner_outputs == [expected[name] for name in names]
    results = "[42, 10, 6]" if HAS_ANYIO else "[42, 10]"
    assert outputs(after_cells[-1]) == [("stream", ("stdout", f"results {results}\n"))]
