"""Jupyter notebooks through the real command line: cells as one module, IPython syntax,
positions ``path:cell N:LINE:COL``, fixes that rewrite only the changed cells' sources."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import cli

from flake8_asyncio_run.notebook.cells import CellText, NotebookError, read_cells, read_notebook
from flake8_asyncio_run.notebook.ipython import mask, unmask

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"


def notebook(*cells: dict[str, Any], language: str = "python") -> dict[str, Any]:
    return {
        "cells": list(cells),
        "metadata": {
            "kernelspec": {"display_name": "K", "language": language, "name": "k"},
            "language_info": {"name": language},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def code(source: str, **extra: Any) -> dict[str, Any]:
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": source.splitlines(keepends=True),
    }
    cell.update(extra)
    return cell


def markdown(source: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def write(path: Path, data: dict[str, Any], **dump: Any) -> str:
    options: dict[str, Any] = {"indent": 1, "ensure_ascii": False, "sort_keys": True}
    options.update(dump)
    text = json.dumps(data, **options) + "\n"
    path.write_text(text, encoding="utf-8")
    return text


IMPORTS = code("import asyncio\n\n\nasync def main(x=1):\n    return x\n")


def test_a_top_level_runner_call_is_aro103_at_its_cell_and_line(tmp_path: Path) -> None:
    """The position counts every cell (markdown too) and the line within the cell."""
    write(
        tmp_path / "nb.ipynb",
        notebook(markdown("# Title"), IMPORTS, code("x = 1\ny = asyncio.run(main())")),
    )
    done = cli(tmp_path, "check", "--isolated", "nb.ipynb")
    assert done.returncode == 1, done.stderr
    (line,) = done.stdout.splitlines()
    assert line.startswith(
        "nb.ipynb:cell 3:2:5: ARO103 asyncio.run() at the top level of a notebook"
    )
    assert "top-level 'await' works in a cell" in line


def test_ipython_syntax_is_no_syntax_error(tmp_path: Path) -> None:
    """Magics, shell escapes and their assignments, help, a cell magic, top-level
    ``await``, ``async with``: valid IPython never gives E999; masked lines inside a
    string stay as they are."""
    source = (
        "%load_ext autoreload\n"
        "!ls -la\n"
        "files = !ls\n"
        "t = %time 1 + 1\n"
        "asyncio?\n"
        "??asyncio.run\n"
        "for i in range(2):\n"
        "    %time i\n"
        "text = '''\n!not a shell escape\n%not a magic\n'''\n"
        "value = await main()\n"
        "async with asyncio.timeout(1):\n"
        "    pass\n"
    )
    write(tmp_path / "nb.ipynb", notebook(IMPORTS, code(source), code("%%bash\necho hi ?\n")))
    done = cli(tmp_path, "check", "--isolated", "nb.ipynb")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_a_syntax_error_in_a_cell_is_reported_in_that_cell(tmp_path: Path) -> None:
    write(tmp_path / "nb.ipynb", notebook(IMPORTS, code("x = asyncio.run(main())\ndef broken(:\n")))
    done = cli(tmp_path, "check", "--isolated", "nb.ipynb")
    assert done.returncode == 1
    assert done.stdout.startswith("nb.ipynb:cell 2:2:"), done.stdout
    assert " E999 SyntaxError" in done.stdout


def test_functions_in_cells_keep_their_rules_and_name_lines_of_their_cell(tmp_path: Path) -> None:
    task = (
        "def task():\n    a = asyncio.run(main())\n    b = asyncio.run(main())\n    return a, b\n"
    )
    write(tmp_path / "nb.ipynb", notebook(IMPORTS, markdown("text"), code(task)))
    done = cli(tmp_path, "check", "--isolated", "nb.ipynb")
    (line,) = done.stdout.splitlines()
    assert line.startswith("nb.ipynb:cell 3:3:9: ARO101 ")
    assert "(first at line 2)" in line


def test_a_non_python_notebook_and_non_python_cells_are_skipped(tmp_path: Path) -> None:
    write(tmp_path / "r.ipynb", notebook(code("x <- asyncio.run(main())"), language="R"))
    vscode = {"vscode": {"languageId": "sql"}}
    write(
        tmp_path / "mixed.ipynb", notebook(IMPORTS, code("SELECT asyncio.run(1)", metadata=vscode))
    )
    done = cli(tmp_path, "check", "--isolated", ".")
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
    r_kernel = (FIXTURES / "r_kernel.ipynb").read_text(encoding="utf-8")
    (tmp_path / "fixture.ipynb").write_text(r_kernel, encoding="utf-8")
    assert cli(tmp_path, "check", "--isolated", "fixture.ipynb").returncode == 0


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("not json", "not valid JSON"),
        ('{"cells": 3}', "not a notebook: no 'cells' list"),
        ('{"cells": [], "nbformat": 3}', "nbformat 3 is not supported"),
        ('{"cells": [{"cell_type": "code", "source": 7}], "nbformat": 4}', "not text"),
    ],
)
def test_a_broken_notebook_is_an_error_naming_it(tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / "bad.ipynb").write_text(text, encoding="utf-8")
    for command in ("check", "fix"):
        done = cli(tmp_path, command, "--isolated", "bad.ipynb")
        assert done.returncode == 2, done
        assert "Traceback" not in done.stderr
        assert "bad.ipynb: " in done.stderr and problem in done.stderr, done.stderr
    assert (tmp_path / "bad.ipynb").read_text(encoding="utf-8") == text


def test_fix_rewrites_only_the_changed_cells_sources(tmp_path: Path) -> None:
    """Every byte outside the fixed cell's ``source`` stays: other cells, outputs,
    execution counts, ids, metadata, key order, indentation, the final newline."""
    original = (FIXTURES / "analysis.ipynb").read_text(encoding="utf-8")
    path = tmp_path / "analysis.ipynb"
    path.write_text(original, encoding="utf-8")
    done = cli(tmp_path, "fix", "--isolated", "analysis.ipynb")
    assert done.returncode == 0, done.stderr
    fixed = path.read_text(encoding="utf-8")
    before, after = json.loads(original), json.loads(fixed)
    changed = [
        i for i, (a, b) in enumerate(zip(before["cells"], after["cells"], strict=True)) if a != b
    ]
    assert changed, "nothing was fixed"
    for index in changed:
        old_cell, new_cell = before["cells"][index], after["cells"][index]
        assert {k: v for k, v in old_cell.items() if k != "source"} == {
            k: v for k, v in new_cell.items() if k != "source"
        }
    # Only the changed cells' source values differ, byte for byte.
    assert _outside_sources(original, before, changed) == _outside_sources(fixed, after, changed)
    assert "await fetch_all([1, 2, 3])" in "".join(after["cells"][3]["source"])
    assert cli(tmp_path, "check", "--isolated", "analysis.ipynb").returncode == 0


def _outside_sources(text: str, data: dict[str, Any], cells: list[int]) -> list[str]:
    """The text with the source values of ``cells`` cut out (located independently of
    the code under test: by the order of ``"source":`` keys, one per cell)."""
    pieces, position = [], 0
    decoder = json.JSONDecoder()
    starts = [i for i in range(len(text)) if text.startswith('"source":', i)]
    assert len(starts) == len(data["cells"])
    for index in cells:
        value_start = starts[index] + len('"source":')
        while text[value_start] in " \n":
            value_start += 1
        value_end = decoder.raw_decode(text, value_start)[1]
        pieces.append(text[position:value_start])
        position = value_end
    pieces.append(text[position:])
    return pieces


@pytest.mark.parametrize(
    "dump",
    [
        {"indent": 2, "ensure_ascii": True, "sort_keys": False},
        {"indent": 4, "ensure_ascii": False, "sort_keys": True},
        {"indent": None, "separators": (",", ":")},
    ],
)
def test_fix_writes_a_cell_in_the_files_own_style(tmp_path: Path, dump: dict[str, Any]) -> None:
    data = notebook(
        markdown("Café ☕"), IMPORTS, code("# é\nvalue = asyncio.run(main())\nprint(value)")
    )
    text = write(tmp_path / "nb.ipynb", data, **dump)
    assert cli(tmp_path, "fix", "--isolated", "nb.ipynb").returncode == 0
    fixed = (tmp_path / "nb.ipynb").read_text(encoding="utf-8")
    data["cells"][2]["source"] = ["# é\n", "value = await main()\n", "print(value)"]
    options: dict[str, Any] = {"indent": 1, "ensure_ascii": False, "sort_keys": True}
    options.update(dump)
    assert fixed == json.dumps(data, **options) + "\n"
    assert fixed != text


def test_fix_keeps_a_source_written_as_one_string(tmp_path: Path) -> None:
    data = notebook(IMPORTS, code(""))
    data["cells"][1]["source"] = "value = asyncio.run(main())"
    text = write(tmp_path / "nb.ipynb", data)
    assert cli(tmp_path, "fix", "--isolated", "nb.ipynb").returncode == 0
    fixed = (tmp_path / "nb.ipynb").read_text(encoding="utf-8")
    assert fixed == text.replace('"value = asyncio.run(main())"', '"value = await main()"')


def test_fix_diff_is_per_cell_and_writes_nothing(tmp_path: Path) -> None:
    data = notebook(IMPORTS, markdown("m"), code("a = asyncio.run(main())\nprint(a)\n"))
    text = write(tmp_path / "nb.ipynb", data)
    done = cli(tmp_path, "fix", "--isolated", "--diff", "nb.ipynb")
    assert done.returncode == 1, done.stderr
    assert done.stdout == (
        "--- nb.ipynb:cell 3\n+++ nb.ipynb:cell 3\n@@ -1,2 +1,2 @@\n"
        "-a = asyncio.run(main())\n+a = await main()\n print(a)\n"
    )
    assert (tmp_path / "nb.ipynb").read_text(encoding="utf-8") == text


def test_masked_lines_come_back_after_a_fix(tmp_path: Path) -> None:
    source = "!echo start\nfiles = !ls\nvalue = asyncio.run(main())\n%time value\nvalue?"
    write(tmp_path / "nb.ipynb", notebook(IMPORTS, code(source)))
    assert cli(tmp_path, "fix", "--isolated", "nb.ipynb").returncode == 0
    cells = json.loads((tmp_path / "nb.ipynb").read_text(encoding="utf-8"))["cells"]
    assert "".join(cells[1]["source"]) == source.replace("asyncio.run(main())", "await main()")


def test_run_until_complete_on_another_loop_has_no_fix(tmp_path: Path) -> None:
    cell = "loop = asyncio.new_event_loop()\nloop.run_until_complete(main())\n"
    write(tmp_path / "nb.ipynb", notebook(IMPORTS, code(cell)))
    done = cli(tmp_path, "fix", "--isolated", "--diff", "nb.ipynb")
    assert done.stdout == ""
    assert "nb.ipynb:cell 2:2:1: ARO103 loop.run_until_complete()" in done.stderr
    assert "may run another loop than the kernel's running one" in done.stderr


def test_noqa_works_on_a_cell_line(tmp_path: Path) -> None:
    write(tmp_path / "nb.ipynb", notebook(IMPORTS, code("x = asyncio.run(main())  # noqa: ARO103")))
    assert cli(tmp_path, "check", "--isolated", "nb.ipynb").returncode == 0


def test_walks_include_notebooks_unless_turned_off(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "nb.ipynb", notebook(IMPORTS, code("x = asyncio.run(main())")))
    checkpoint = tmp_path / "sub" / ".ipynb_checkpoints"
    checkpoint.mkdir()
    write(checkpoint / "nb-checkpoint.ipynb", notebook(IMPORTS, code("x = asyncio.run(main())")))
    assert cli(tmp_path, "check", "--isolated", ".").stdout.startswith("./sub/nb.ipynb:cell 2:")
    assert cli(tmp_path, "check", "--isolated", ".").stdout.count("\n") == 1
    assert cli(tmp_path, "check", "--isolated", "--no-notebooks", ".").returncode == 0
    (tmp_path / "pyproject.toml").write_text("[tool.flake8-asyncio-run]\nnotebooks = false\n")
    assert cli(tmp_path, "check", ".").returncode == 0
    # A notebook named on the command line is checked all the same.
    assert cli(tmp_path, "check", "sub/nb.ipynb").returncode == 1


def test_standard_input_with_a_notebook_name(tmp_path: Path) -> None:
    text = json.dumps(notebook(IMPORTS, code("x = asyncio.run(main())")), indent=1)
    done = cli(tmp_path, "check", "--isolated", "-", "--stdin-filename", "nb.ipynb", stdin=text)
    assert done.stdout.startswith("nb.ipynb:cell 2:1:5: ARO103"), done.stderr
    fixed = cli(tmp_path, "fix", "--isolated", "-", "--stdin-filename", "nb.ipynb", stdin=text)
    assert json.loads(fixed.stdout)["cells"][1]["source"] == ["x = await main()"]


def test_json_output_carries_the_cell(tmp_path: Path) -> None:
    write(
        tmp_path / "nb.ipynb", notebook(markdown("m"), IMPORTS, code("\nx = asyncio.run(main())"))
    )
    (tmp_path / "t.py").write_text("import asyncio\nasync def f():\n    asyncio.run(f())\n")
    done = cli(tmp_path, "check", "--isolated", "--output-format", "json", ".")
    findings = json.loads(done.stdout)["findings"]
    cells = {f["path"]: (f["cell"], f["range"]["start"]["line"]) for f in findings}
    assert cells == {"nb.ipynb": (3, 2), "t.py": (None, 3)}
    (edit,) = next(f for f in findings if f["path"] == "nb.ipynb")["fix"]["edits"]
    assert edit["range"]["start"]["line"] == 2 and edit["content"] == "await main()"


# The masking, directly -------------------------------------------------------------------
def test_mask_and_unmask_round_trip() -> None:
    text = "x = 1\n  %time x\ns = '''\n!keep\n'''\ny = [\n  !keep_too\n]\nz?\n"
    masked = mask(text, "0123456789ab")
    assert "%time" not in masked.text and "!keep\n" in masked.text and "!keep_too" in masked.text
    assert "  pass  # ipython-0-0123456789ab\n" in masked.text
    assert unmask(masked.text, masked.originals, "0123456789ab") == text


def test_a_notebook_with_no_python_cell_is_an_empty_module() -> None:
    found = read_notebook(json.dumps(notebook(markdown("only text"))))
    assert found.text == "" and found.cells == ()
    with pytest.raises(NotebookError, match="nbformat"):
        read_notebook(json.dumps({"cells": [], "nbformat": 5}))


def test_wrappers_entries_and_class_bodies_at_the_top_level(tmp_path: Path) -> None:
    """A pass-through defined in a cell becomes ``await`` of its argument; a
    loop-starting function (an entry) and a class body are reported, not fixed."""
    helpers = (
        "import asyncio\n\n\nasync def main():\n    return 1\n\n\n"
        "def run_sync(coro):\n    return asyncio.run(coro)\n\n\n"
        "def job():\n    return asyncio.run(main())\n"
    )
    uses = "a = run_sync(main())\nb = job()\nclass K:\n    v = asyncio.run(main())\n"
    write(tmp_path / "nb.ipynb", notebook(code(helpers), code(uses)))
    done = cli(tmp_path, "fix", "--isolated", "nb.ipynb")
    assert done.returncode == 1
    left = sorted(
        line.split(" ARO103 ")[0] for line in done.stderr.splitlines() if "ARO103" in line
    )
    assert left == ["nb.ipynb:cell 2:2:5:", "nb.ipynb:cell 2:4:9:"], done.stderr
    assert "runs a coroutine of its own" in done.stderr
    assert "a class body cannot 'await'" in done.stderr
    cells = json.loads((tmp_path / "nb.ipynb").read_text(encoding="utf-8"))["cells"]
    assert cells[1]["source"][0] == "a = await main()\n"


def test_an_editors_cells_read_as_the_file_would_be() -> None:
    # The language server's notebooks: cells with their languages, no JSON file.
    cells = [
        CellText(False, "markdown", "# Title\n"),
        CellText(True, "python", "import asyncio\n"),
        CellText(True, "python", "%%time\nasyncio.run(main())\n"),
        CellText(True, "r", "print(1)\n"),
        CellText(True, "python", "!ls\nasyncio.run(main())"),
    ]
    found = read_cells(cells)
    assert [(cell.number, cell.index) for cell in found.cells] == [(2, 1), (5, 4)]
    file = notebook(
        markdown("# Title\n"),
        code("import asyncio\n"),
        code("%%time\nasyncio.run(main())\n"),
        code("print(1)\n", metadata={"vscode": {"languageId": "r"}}),
        code("!ls\nasyncio.run(main())"),
    )
    same = read_notebook(json.dumps(file))
    assert found.text.replace(found.token, "") == same.text.replace(same.token, "")
    assert found.cell_map.starts == same.cell_map.starts


def test_the_api_analyses_notebook_text_without_cell_separators() -> None:
    """``analyze_source(..., in_notebook=True)`` on text that is not a virtual module (no
    separator lines): one cell, its lines as given, no IndexError."""
    from flake8_asyncio_run.analysis import analyze_source

    text = "import asyncio\n\n\ndef t():\n    asyncio.run(a())\n    asyncio.run(b())\n"
    (finding,) = analyze_source(text, "cells.py", in_notebook=True).findings
    assert finding.code == "ARO101" and "(first at line 5)" in finding.message
