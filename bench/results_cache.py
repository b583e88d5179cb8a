"""The results cache's benchmark (issue 15): ``check`` cold against ``check`` warm.

Three contenders, interleaved round by round after a warm-up round, on two trees:

* ``cold``: ``.flake8-asyncio-run-cache/`` deleted before each run (outside the
  timing), so the index is built and every file checked, and both caches written;
* ``warm index``: only the results files deleted, so the index comes from its cache
  but every file is read and checked again (what a warm ``check`` did before the
  results cache, and what any edit to the project costs now, since the results are
  keyed by the whole index's state);
* ``warm``: both caches left from the previous run: stats, the two cache files, the
  output;
* ``warm, 1 edit``: as warm, with one module the prefilter skips (no facts in the
  index) edited before each run: the index reads it again, its result is checked
  again, the others stand (the index's state does not change).

Trees: the corpus (bench/corpus: django, SQLAlchemy, sympy) copied to a temporary
directory with a ``pyproject.toml`` in each package (three roots, as
``project_index.py`` does: bench/corpus itself lies inside this repository); and a
larger tree, ``--scale`` copies of the whole corpus under one root.  The command is
this interpreter's ``python -m flake8_asyncio_run check --isolated .`` (the working
tree, as installed with ``pip install -e .``), in the chosen ``--output-format``.

    python bench/results_cache.py                       # defaults: 11 rounds, scale 4
    python bench/results_cache.py --repeats 7 --scale 3 --output-format json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import (
    CORPUS_DIR,
    PINNED,
    Timed,
    corpus_files,
    count_lines,
    interleave,
    log,
    machine_summary,
    require_corpus,
)

CACHE_DIRECTORY = ".flake8-asyncio-run-cache"
ROOT_FILE = "# Written by bench/results_cache.py: a project root of its own.\n"
TARGET = 0.3


def copy_corpus(into: Path) -> list[Path]:
    """Each corpus package under ``into``, each a root; return the roots."""
    roots = []
    for pin in PINNED:
        name = pin.replace("==", "-")
        shutil.copytree(CORPUS_DIR / name, into / name)
        (into / name / "pyproject.toml").write_text(ROOT_FILE)
        roots.append(into / name)
    return roots


def copy_scaled(into: Path, scale: int) -> list[Path]:
    """``scale`` copies of the corpus under one root."""
    for number in range(scale):
        for pin in PINNED:
            name = pin.replace("==", "-")
            shutil.copytree(CORPUS_DIR / name, into / f"copy{number}" / name)
    (into / "pyproject.toml").write_text(ROOT_FILE)
    return [into]


def drop(roots: list[Path], results_only: bool) -> Callable[[], None]:
    def before() -> None:
        for root in roots:
            directory = root / CACHE_DIRECTORY
            if results_only:
                for path in directory.glob("results-*.json"):
                    path.unlink()
            else:
                shutil.rmtree(directory, ignore_errors=True)

    return before


def edit_one(tree: Path) -> Callable[[], None]:
    """Append a comment to the first module (sorted) that the index keeps no facts
    for, before each run."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from flake8_asyncio_run.options import AnalysisOptions
    from flake8_asyncio_run.project.build import worth_summarising

    target = next(
        p for p in corpus_files(tree) if not worth_summarising(p.read_bytes(), AnalysisOptions())
    )
    rounds = iter(range(1_000_000))

    def before() -> None:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(f"# edit {next(rounds)}\n")

    return before


def bench_tree(
    label: str, tree: Path, roots: list[Path], args: argparse.Namespace
) -> dict[str, Any]:
    files = corpus_files(tree)
    print(f"\n## {label}: {len(files):,} files, {count_lines(files):,} lines, {len(roots)} root(s)")
    argv = [
        sys.executable,
        *("-m", "flake8_asyncio_run", "check", "--isolated"),
        *("--output-format", args.output_format, "."),
    ]
    cold = Timed("cold", argv, tree, before=drop(roots, results_only=False))
    index_only = Timed("warm index", argv, tree, before=drop(roots, results_only=True))
    warm = Timed("warm", argv, tree)
    edited = Timed("warm, 1 edit", argv, tree, before=edit_one(tree))
    contenders = [cold, index_only, warm, edited]
    interleave(contenders, args.repeats, progress=log if args.verbose else None)
    figures: dict[str, Any] = {}
    for timed in contenders:
        print(
            f"  {timed.name:<13} wall median {timed.median:7.3f} s   CPU median "
            f"{timed.cpu_median:7.3f} s   ({timed.spread})"
        )
        figures[timed.name] = {"wall_s": timed.times, "cpu_s": timed.cpu_times}
    for timed in contenders[1:]:
        wall = timed.median / cold.median
        cpu = timed.cpu_median / cold.cpu_median
        verdict = "met" if wall <= TARGET else "MISSED"
        print(f"  {timed.name} / cold: wall {wall:.3f}x, CPU {cpu:.3f}x", end="")
        print(f" (target <= {TARGET}: {verdict})")
        figures[f"{timed.name} / cold"] = {"wall": wall, "cpu": cpu}
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description="Results cache benchmark: check cold vs warm.")
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--scale", type=int, default=4, help="corpus copies in the large tree")
    parser.add_argument("--output-format", default="text")
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--tmp", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args()
    require_corpus()
    top = Path(tempfile.mkdtemp(prefix="aro-rcache-", dir=args.tmp))
    results: dict[str, Any] = {}
    try:
        print("# flake8-asyncio-run results cache benchmark")
        print(f"machine: {machine_summary()}")
        print(
            f"command: {sys.executable} -m flake8_asyncio_run check --isolated "
            f"--output-format {args.output_format} ."
        )
        roots = copy_corpus(top / "corpus")
        results["corpus"] = bench_tree("corpus", top / "corpus", roots, args)
        if not args.skip_large:
            roots = copy_scaled(top / "large", args.scale)
            label = f"large tree ({args.scale} copies of the corpus, one root)"
            results["large"] = bench_tree(label, top / "large", roots, args)
    finally:
        shutil.rmtree(top, ignore_errors=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    # Bytecode caching on, as a normal install has it (the interpreter's start-up and
    # imports are most of a warm run).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.exit(main())
