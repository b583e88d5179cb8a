"""Notebook benchmark: ``flake8-asyncio-run check`` on a directory of generated Jupyter
notebooks, against ``ruff check`` on the same notebooks and against ``check`` on the same
code exported as ``.py`` files (the notebook layer's overhead).

    python bench/notebooks.py                    # 200 notebooks, 9 interleaved rounds
    python bench/notebooks.py --notebooks 400 --repeats 15 -v

The notebooks are generated (deterministically, ``--seed``) into a new temporary
directory, ``nb/``, with an empty ``pyproject.toml`` (a project root of its own, outside
this repository and its configuration): most are pandas-style analyses with no runner
import, a few hundred lines over 10 to 30 cells with stream, table and image outputs;
some import asyncio and call ``asyncio.run()`` at a cell's top level; some call
``nest_asyncio.apply()`` first.  ``py/``, another project root, holds each notebook's
code cells as a percent-format script (``# %%`` between cells, line magics commented
out, as jupytext writes them).

Contenders, interleaved round by round (the order rotating) after a warm-up round,
reported as medians of wall and CPU time:

* ``flake8-asyncio-run check --isolated --no-cache nb/``
* ``ruff check --isolated --no-cache --select ASYNC nb/`` (ruff reads notebooks)
* ``flake8-asyncio-run check --isolated --no-cache py/``
* ``ruff check --isolated --no-cache --select ASYNC py/``, for context

Then one more ``check`` of ``nb/`` in this process with ``compile(..., PyCF_ONLY_AST)``
(which ``ast.parse`` and the analysis's ``parse_source`` both call) counted: the script
asserts that exactly the notebooks with a runner call are parsed, each once, and no
notebook without one (``tests/test_notebooks_prefilter.py`` asserts the same).
"""

from __future__ import annotations

import argparse
import ast
import base64
import builtins
import contextlib
import io
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import REPO_DIR, Timed, find_executable, interleave, log, machine_summary, tool_version

sys.path.insert(0, str(REPO_DIR))

from flake8_asyncio_run.cli import main as cli_main

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")

# --- The notebooks ----------------------------------------------------------------------

COLUMNS = ("price", "quantity", "region", "store", "category", "discount", "margin", "visits")
FRAMES = ("sales", "orders", "visits", "stock", "returns", "runs")


def _analysis_cells(rng: random.Random) -> list[str]:
    """Code cells of a pandas-style analysis (no runner import)."""
    frame = rng.choice(FRAMES)
    cols = rng.sample(COLUMNS, 4)
    cells = [
        "import numpy as np\nimport pandas as pd\nimport matplotlib.pyplot as plt\n"
        + ("import seaborn as sns\n" if rng.random() < 0.5 else "")
        + ("from sklearn.linear_model import LinearRegression\n" if rng.random() < 0.4 else "")
        + "\n%matplotlib inline\npd.set_option('display.max_columns', 50)",
        f"{frame} = pd.read_csv('data/{frame}_2026.csv', parse_dates=['date'])\n{frame}.shape",
        f"{frame}.head()",
        f"{frame}.describe(include='all').T",
    ]
    for _ in range(rng.randint(6, 26)):
        # One to three steps a cell, as people write them.
        steps: list[str] = []
        for _ in range(rng.randint(1, 3)):
            _analysis_step(rng, frame, cols, steps)
        cells.append("\n\n".join(steps))
    return cells


def _analysis_step(rng: random.Random, frame: str, cols: list[str], cells: list[str]) -> None:
    """Append one analysis step (a few lines) to ``cells``."""
    kind = rng.randrange(6)
    a, b = rng.sample(cols, 2)
    if kind == 0:
        cells.append(
            f"{frame} = {frame}.dropna(subset=['{a}'])\n"
            f"{frame}['{b}'] = {frame}['{b}'].fillna({frame}['{b}'].median())\n"
            f"{frame}['{a}_log'] = np.log1p({frame}['{a}'].clip(lower=0))\n"
            f"{frame}['month'] = {frame}['date'].dt.to_period('M')\n"
            f"{frame}.info()"
        )
    elif kind == 1:
        cells.append(
            f"summary = (\n    {frame}.groupby(['month', '{b}'])\n"
            f"    .agg(total=('{a}', 'sum'), mean=('{a}', 'mean'), n=('{a}', 'size'))\n"
            "    .reset_index()\n    .sort_values('total', ascending=False)\n)\n"
            "summary.head(20)"
        )
    elif kind == 2:
        cells.append(
            "fig, axes = plt.subplots(1, 2, figsize=(12, 4))\n"
            f"{frame}['{a}'].hist(bins=40, ax=axes[0])\n"
            f"axes[0].set_title('{a}')\n"
            f"{frame}.plot.scatter(x='{a}', y='{b}', alpha=0.3, ax=axes[1])\n"
            "fig.tight_layout()\nplt.show()"
        )
    elif kind == 3:
        cells.append(
            "def outliers(df, column, k=1.5):\n"
            '    """Rows outside the Tukey fences of ``column``."""\n'
            "    q1, q3 = df[column].quantile([0.25, 0.75])\n"
            "    spread = q3 - q1\n"
            "    low, high = q1 - k * spread, q3 + k * spread\n"
            "    mask = (df[column] < low) | (df[column] > high)\n"
            "    return df[mask]\n\n\n"
            "for column in " + repr(cols) + ":\n"
            f"    found = outliers({frame}, column)\n"
            "    print(f'{column}: {len(found)} outliers')"
        )
    elif kind == 4:
        cells.append(
            f"pivot = {frame}.pivot_table(index='month', columns='{b}', values='{a}', "
            "aggfunc='sum')\n"
            "pivot = pivot.fillna(0).astype(int)\n"
            "pivot.style.background_gradient(cmap='Blues')"
        )
    else:
        cells.append(
            f"X = {frame}[['{a}', '{b}']].to_numpy()\n"
            f"y = {frame}['{cols[0]}'].to_numpy()\n"
            "rng = np.random.default_rng(0)\n"
            "idx = rng.permutation(len(X))\n"
            "train, test = idx[: len(X) * 4 // 5], idx[len(X) * 4 // 5 :]\n"
            "coef, *_ = np.linalg.lstsq(X[train], y[train], rcond=None)\n"
            "pred = X[test] @ coef\n"
            "rmse = float(np.sqrt(np.mean((pred - y[test]) ** 2)))\n"
            "print('coefficients', coef.round(3), 'rmse', round(rmse, 3))"
        )


ASYNC_HELPERS = (
    "async def fetch(client, item_id):\n"
    "    response = await client.get(f'https://api.example.org/items/{item_id}')\n"
    "    response.raise_for_status()\n"
    "    return response.json()\n\n\n"
    "async def fetch_all(ids, limit=8):\n"
    "    semaphore = asyncio.Semaphore(limit)\n"
    "    async with httpx.AsyncClient(timeout=30) as client:\n\n"
    "        async def one(item_id):\n"
    "            async with semaphore:\n"
    "                return await fetch(client, item_id)\n\n"
    "        return await asyncio.gather(*(one(i) for i in ids))"
)


def _async_cells(rng: random.Random, nested: bool) -> list[str]:
    """An analysis that fetches its data with an async client, run with asyncio.run()."""
    cells = _analysis_cells(rng)
    head = "import asyncio\n\nimport httpx\n"
    if nested:
        head += "import nest_asyncio\n\nnest_asyncio.apply()\n"
    cells.insert(1, head)
    cells.insert(2, ASYNC_HELPERS)
    at = rng.randint(3, len(cells))
    cells.insert(at, "records = asyncio.run(fetch_all(range(100)))\nlen(records)")
    return cells


def _fake_png(rng: random.Random) -> str:
    raw = rng.randbytes(rng.randint(8_000, 30_000))
    return base64.b64encode(raw).decode("ascii")


def _outputs(rng: random.Random, source: str, count: int) -> list[dict[str, Any]]:
    if "plt.show()" in source:
        return [
            {
                "data": {"image/png": _fake_png(rng), "text/plain": ["<Figure size 1200x400>"]},
                "metadata": {},
                "output_type": "display_data",
            }
        ]
    last = source.splitlines()[-1]
    if last.startswith(("print", "    print", "for ")) or "info()" in last:
        text = [f"line {n}: {rng.random():.6f}\n" for n in range(rng.randint(2, 12))]
        return [{"name": "stdout", "output_type": "stream", "text": text}]
    rows = rng.randint(5, 20)
    table = ['<table border="1" class="dataframe">\n', "<tbody>\n"]
    table += [f"<tr><th>{r}</th><td>{rng.random():.4f}</td></tr>\n" for r in range(rows)]
    table += ["</tbody>\n", "</table>"]
    plain = [f"{r}  {rng.random():.4f}\n" for r in range(rows)]
    return [
        {
            "data": {"text/html": table, "text/plain": plain},
            "execution_count": count,
            "metadata": {},
            "output_type": "execute_result",
        }
    ]


@dataclass
class Generated:
    name: str
    kind: str  # "plain", "runner" or "nested"
    cells: int
    lines: int


def make_notebook(rng: random.Random, kind: str) -> tuple[dict[str, Any], list[str]]:
    codes = _analysis_cells(rng) if kind == "plain" else _async_cells(rng, kind == "nested")
    cells: list[dict[str, Any]] = [
        {
            "cell_type": "markdown",
            "id": f"{rng.getrandbits(32):08x}",
            "metadata": {},
            "source": ["# Analysis\n", "\n", "Data from the 2026 export; see the README."],
        }
    ]
    for count, source in enumerate(codes, start=1):
        if rng.random() < 0.2:
            cells.append(
                {
                    "cell_type": "markdown",
                    "id": f"{rng.getrandbits(32):08x}",
                    "metadata": {},
                    "source": [f"## Step {count}\n", "\n", "What the next cell shows."],
                }
            )
        cells.append(
            {
                "cell_type": "code",
                "execution_count": count,
                "id": f"{rng.getrandbits(32):08x}",
                "metadata": {},
                "outputs": _outputs(rng, source, count),
                "source": source.splitlines(keepends=True),
            }
        )
    notebook = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python", "version": "3.11.7"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return notebook, codes


def as_script(codes: list[str]) -> str:
    """The code cells as a percent-format script, line magics commented out."""
    pieces = []
    for source in codes:
        lines = [
            f"# {line}" if line.lstrip().startswith("%") else line for line in source.split("\n")
        ]
        pieces.append("# %%\n" + "\n".join(lines) + "\n")
    return "\n".join(pieces)


def generate(root: Path, count: int, runners: int, nested: int, seed: int) -> list[Generated]:
    rng = random.Random(seed)
    kinds = ["runner"] * runners + ["nested"] * nested
    kinds += ["plain"] * (count - len(kinds))
    rng.shuffle(kinds)
    for directory in ("nb", "py"):  # two projects, so that neither indexes the other
        (root / directory).mkdir()
        (root / directory / "pyproject.toml").write_text("")
    made = []
    for number, kind in enumerate(kinds):
        name = f"analysis_{number:03d}"
        notebook, codes = make_notebook(rng, kind)
        text = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
        (root / "nb" / f"{name}.ipynb").write_text(text, encoding="utf-8")
        script = as_script(codes)
        (root / "py" / f"{name}.py").write_text(script, encoding="utf-8")
        made.append(Generated(name, kind, len(codes), script.count("\n")))
    return made


# --- Measuring --------------------------------------------------------------------------


def count_parses(directory: Path) -> tuple[list[str], int]:
    """(the files parsed, the check's exit status) of one in-process ``check``."""
    parsed: list[str] = []
    real = builtins.compile

    def counting(
        source: Any, filename: Any, mode: str, flags: int = 0, *args: Any, **kw: Any
    ) -> Any:
        if flags & ast.PyCF_ONLY_AST:
            parsed.append(str(filename))
        return real(source, filename, mode, flags, *args, **kw)

    builtins.compile = counting
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            status = cli_main(["check", "--isolated", "--no-cache", str(directory)])
    finally:
        builtins.compile = real
    return parsed, status


def compare(base: Timed, other: Timed) -> tuple[float, float, float]:
    wall = other.median / base.median
    paired = statistics.median(o / b for o, b in zip(other.times, base.times, strict=True))
    cpu = other.cpu_median / base.cpu_median if base.cpu_median else float("nan")
    print(
        f"  {other.name} / {base.name}: ratio of median wall times {wall:.3f}; "
        f"median of per-round ratios {paired:.3f}; ratio of median CPU times {cpu:.3f}"
    )
    return wall, paired, cpu


def _no_root_above(path: Path) -> bool:
    return not any((p / m).exists() for p in path.resolve().parents for m in ROOT_MARKERS)


def main() -> int:
    parser = argparse.ArgumentParser(description="Notebook speed benchmark.")
    parser.add_argument("--notebooks", type=int, default=200)
    parser.add_argument("--runners", type=int, default=16, help="notebooks with asyncio.run()")
    parser.add_argument("--nested", type=int, default=8, help="... and nest_asyncio.apply()")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--tmp", type=Path, default=None, help="where to generate them")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every timing")
    args = parser.parse_args()

    ours = find_executable("flake8-asyncio-run")
    ruff = find_executable("ruff")
    if ours is None or ruff is None:
        sys.exit("needs flake8-asyncio-run and ruff (pip install -e '.[dev]')")
    base = Path(tempfile.mkdtemp(prefix="aro-notebooks-", dir=args.tmp))
    if not _no_root_above(base):
        shutil.rmtree(base)
        sys.exit(f"{base} has a project root above it; pass --tmp elsewhere")
    try:
        made = generate(base, args.notebooks, args.runners, args.nested, args.seed)
        nb_bytes = sum(p.stat().st_size for p in (base / "nb").glob("*.ipynb"))
        kinds = {k: sum(1 for m in made if m.kind == k) for k in ("plain", "runner", "nested")}
        print(f"machine: {machine_summary()}")
        print(f"tools: {tool_version([ours, '--version'])}; {tool_version([ruff, '--version'])}")
        print(f"load average at the start: {os.getloadavg()[0]:.2f}")
        print(
            f"corpus: {len(made)} notebooks ({kinds['plain']} without a runner import, "
            f"{kinds['runner']} with asyncio.run(), {kinds['nested']} with nest_asyncio and "
            f"asyncio.run()); {sum(m.cells for m in made)} code cells "
            f"({min(m.cells for m in made)} to {max(m.cells for m in made)} a notebook), "
            f"{sum(m.lines for m in made):,} lines of code "
            f"({statistics.median(m.lines for m in made):.0f} median), "
            f"{nb_bytes / 1e6:.1f} MB of notebook JSON"
        )

        contenders = [
            Timed("check nb/", [ours, "check", "--isolated", "--no-cache", "nb"], cwd=base),
            Timed(
                "ruff nb/",
                [ruff, "check", "--isolated", "--no-cache", "--select", "ASYNC", "nb"],
                cwd=base,
            ),
            Timed("check py/", [ours, "check", "--isolated", "--no-cache", "py"], cwd=base),
            Timed(
                "ruff py/",
                [ruff, "check", "--isolated", "--no-cache", "--select", "ASYNC", "py"],
                cwd=base,
            ),
        ]
        interleave(contenders, args.repeats, progress=log if args.verbose else None)
        for timed in contenders:
            print(
                f"  {timed.name:<10} wall median {timed.median:.3f} s ({timed.spread}); "
                f"CPU median {timed.cpu_median:.3f} s"
            )
        check_nb, ruff_nb, check_py, ruff_py = contenders
        against_ruff = compare(ruff_nb, check_nb)
        overhead = compare(check_py, check_nb)
        ruff_overhead = compare(ruff_py, ruff_nb)

        parsed, status = count_parses(base / "nb")
        expected = sorted(f"{m.name}.ipynb" for m in made if m.kind != "plain")
        got = sorted(Path(p).name for p in parsed)
        print(
            f"parses in one check of nb/: {len(parsed)} for {len(made)} notebooks "
            f"({len(expected)} with a runner call); exit status {status}"
        )
        assert got == expected, f"parsed {got}, expected {expected}"
        print("  every notebook with a runner call parsed once; no other notebook parsed")
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            figures = {
                "machine": machine_summary(),
                "kinds": kinds,
                "medians": {t.name: [t.median, t.cpu_median] for t in contenders},
                "check_nb_vs_ruff_nb": against_ruff,
                "check_nb_vs_check_py": overhead,
                "ruff_nb_vs_ruff_py": ruff_overhead,
                "parses": len(parsed),
            }
            args.json.write_text(json.dumps(figures, indent=2) + "\n")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
