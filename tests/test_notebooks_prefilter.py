"""A notebook whose code imports no runner module costs no parse: ``check`` reads its
JSON and joins its code cells, and the text prefilter, run on that virtual module,
skips it as it skips a ``.py`` file with the same code (``bench/notebooks.py`` counts
the same on 200 generated notebooks)."""

from __future__ import annotations

import ast
import builtins
import json
from pathlib import Path
from typing import Any

import pytest

from flake8_asyncio_run.cli import main

ANALYSIS = (
    "import pandas as pd\nimport subprocess\n",
    "df = pd.read_csv('runs.csv')\ndf['run'] = df.run_id.astype(int)\ndf.head()\n",
    "out = subprocess.run(['ls'], capture_output=True)\nprint(out.returncode)\n",
)
#: ``asyncio`` imported, but no runner named: skipped, as the same ``.py`` file is.
AWAIT_ONLY = (
    "import asyncio\n",
    "async def tick():\n    await asyncio.sleep(0)\n    return 1\n",
    "value = await tick()\nresults = await asyncio.gather(tick(), tick())\n",
)
RUNNER = (
    "import asyncio\n",
    "async def main():\n    return 1\n",
    "value = asyncio.run(main())\n",
)
NESTED = (
    "import asyncio\nimport nest_asyncio\n\nnest_asyncio.apply()\n",
    "async def main():\n    return 1\n",
    "value = asyncio.run(main())\n",
)
#: No runner module imported, but any ``loop.run_until_complete()`` at a cell's top level
#: is ARO103: a notebook passes on that word.
ELSEWHERE = ("from mylib import loop, work\n", "value = loop.run_until_complete(work())\n")
#: The runner is only in a markdown cell, which is not code.
IN_MARKDOWN = ("x = 1\n",)


def notebook(codes: tuple[str, ...], markdown: str = "# Analysis") -> dict[str, Any]:
    cells: list[dict[str, Any]] = [{"cell_type": "markdown", "metadata": {}, "source": markdown}]
    for source in codes:
        cells.append(
            {
                "cell_type": "code",
                "execution_count": 1,
                "metadata": {},
                "outputs": [{"name": "stdout", "output_type": "stream", "text": ["ok\n"]}],
                "source": source.splitlines(keepends=True),
            }
        )
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The file name of every Python parse (``ast.parse`` and the analysis's
    ``parse_source`` both come down to ``compile(..., PyCF_ONLY_AST)``)."""
    names: list[str] = []
    real = builtins.compile

    def counting(
        source: Any, filename: Any, mode: str, flags: int = 0, *args: Any, **kw: Any
    ) -> Any:
        if flags & ast.PyCF_ONLY_AST:
            names.append(str(filename))
        return real(source, filename, mode, flags, *args, **kw)

    monkeypatch.setattr(builtins, "compile", counting)
    return names


def test_notebooks_without_a_runner_are_not_parsed(
    tmp_path: Path,
    parsed: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    plain = {
        "analysis.ipynb": notebook(ANALYSIS),
        "await_only.ipynb": notebook(AWAIT_ONLY),
        "in_markdown.ipynb": notebook(
            IN_MARKDOWN, "```python\nimport asyncio\nasyncio.run(f())\n```"
        ),
    }
    runners = {
        "runner.ipynb": notebook(RUNNER),
        "nested.ipynb": notebook(NESTED),
        "elsewhere.ipynb": notebook(ELSEWHERE),
    }
    positions = {"runner.ipynb": "4:1:9", "nested.ipynb": "4:1:9", "elsewhere.ipynb": "3:1:9"}
    for name, data in {**plain, **runners}.items():
        (tmp_path / name).write_text(json.dumps(data, indent=1), encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    status = main(["check", "--isolated", "--no-cache", "."])

    out = capsys.readouterr().out
    assert status == 1
    # Only the runner notebooks' virtual modules, once each.  Neither the project
    # index (which would ``ast.parse`` a notebook's JSON as "<unknown>" if it took the
    # notebook for a module) nor the check parses anything else; the separator comments
    # between cells spell no prefilter word, so ``await_only`` is skipped like a .py file.
    assert sorted(parsed) == sorted(f"./{name}" for name in runners), parsed
    for name in runners:
        assert f"{name}:cell {positions[name]}: ARO103 " in out, out
    for name in plain:
        assert name not in out
