"""The project index's speed budget, as ratios measured side by side in one run.

    python bench/corpus.py && python bench/project_index.py
    python bench/project_index.py --skip-flake8 --cli-repeats 15 --build-repeats 7

The index is built per project root (the nearest directory upward with pyproject.toml,
setup.cfg, setup.py or .git).  bench/corpus/ lies inside this repository, so there
every corpus file's root would be the repository itself, whose configuration excludes
bench/corpus from the walk.  So this script copies each corpus package into a
temporary directory outside the repository (``--tmp``, checked to have no root marker
above it) and writes an empty pyproject.toml into each copy: django, SQLAlchemy, sympy
and prefect are then four projects of their own, as their own checkouts would be.

1. flake8 with our plugin against flake8 alone (two virtualenvs, as in detector.py),
   on the django copy: with a warm index (the cache left from the previous run) and a
   cold one (``.flake8-asyncio-run-cache/`` deleted before each run).  Targets: warm
   <= 1.03, cold <= 1.10.
2. ``flake8-asyncio-run check`` against ``ruff check --no-cache --select ASYNC`` on
   the copied corpus (three roots): ``check --no-cache`` (index built in memory, as
   ruff's --no-cache), ``check`` with a cold cache (deleted before each run, then
   written) and with a warm one.  Target: <= 1.0.  For context (``--in-repo-runs``),
   ``check --no-cache`` in bench/corpus itself, where the root is the repository
   (what detector.py times).
3. The index build (``build_project``): cold without a cache in this process and in a
   new interpreter each time (as every flake8 worker and ``check`` run builds it),
   cold writing the cache, and warm, for each corpus project and for prefect; how many
   modules were summarised and how many the prefilter skipped; and, counting every
   ``ast.parse`` during a cold build, that a skipped module costs no parse.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import (
    ASYNC_CORPUS_DIR,
    ASYNC_PINNED,
    CORPUS_DIR,
    PINNED,
    REPO_DIR,
    Timed,
    corpus_files,
    count_lines,
    interleave,
    log,
    machine_summary,
    require_corpus,
    tool_version,
    venv_script,
)
from corpus import download, unpack
from detector import FLAKE8_EXCLUDE, Ratio, compare, ensure_venv, flake8_argv, load_average

FLAKE8_WARM_TARGET = 1.03
FLAKE8_COLD_TARGET = 1.10
CLI_TARGET = 1.0
CACHE_DIRECTORY = ".flake8-asyncio-run-cache"
ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
ROOT_FILE = "# Written by bench/project_index.py: this copy is a project root of its own.\n"


def package_dir(pin: str, into: Path = CORPUS_DIR) -> Path:
    return into / pin.replace("==", "-")


def ensure_async_corpus() -> None:
    """Download and unpack the async-heavy project (once)."""
    missing = [pin for pin in ASYNC_PINNED if not package_dir(pin, ASYNC_CORPUS_DIR).exists()]
    if missing:
        for pin, wheel in zip(missing, download(tuple(missing)), strict=True):
            log(f"unpacking {wheel.name} into {ASYNC_CORPUS_DIR}")
            unpack(pin, wheel, ASYNC_CORPUS_DIR)


def has_root_above(directory: Path) -> Path | None:
    for candidate in (directory, *directory.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    return None


def rooted_copies(base: Path) -> tuple[Path, dict[str, Path]]:
    """Copy every corpus package and the async project below a new temporary
    directory, each with a pyproject.toml of its own; return the directory and the
    copies by pin."""
    top = Path(tempfile.mkdtemp(prefix="aro-bench-", dir=base))
    found = has_root_above(top)
    if found is not None:
        shutil.rmtree(top)
        sys.exit(f"{top} lies below a project root ({found}): pass --tmp elsewhere")
    corpus = top / "corpus"
    copies: dict[str, Path] = {}
    for pin in PINNED:
        copies[pin] = corpus / package_dir(pin).name
    for pin in ASYNC_PINNED:
        copies[pin] = top / "async" / package_dir(pin).name
    for pin, copy in copies.items():
        source = package_dir(pin, ASYNC_CORPUS_DIR if pin in ASYNC_PINNED else CORPUS_DIR)
        shutil.copytree(source, copy)
        (copy / "pyproject.toml").write_text(ROOT_FILE)
    return top, copies


def drop_caches(*roots: Path) -> Callable[[], None]:
    def drop() -> None:
        for root in roots:
            shutil.rmtree(root / CACHE_DIRECTORY, ignore_errors=True)

    return drop


def tree_summary(root: Path) -> str:
    files = corpus_files(root)
    return f"{len(files):,} files, {count_lines(files):,} lines"


def report(ratio: Ratio, target: float) -> str:
    verdict = "met" if ratio.wall <= target else "MISSED"
    cpu = "met" if ratio.cpu <= target else "missed"
    return f"  target <= {target}: {verdict} on wall time ({cpu} on CPU time)"


def timings(timed: Timed) -> dict[str, Any]:
    return {"wall_s": timed.times, "cpu_s": timed.cpu_times}


# --- 1. flake8 ---------------------------------------------------------------------------


def bench_flake8(django: Path, repeats: int, progress: Any) -> dict[str, Any]:
    bare = ensure_venv("bare", False)
    aro = ensure_venv("aro", False)
    paths = ["."]
    print(
        f"\n## 1. flake8 with the plugin against flake8 alone, django copy "
        f"({tree_summary(django)}; {repeats} rounds)"
    )
    plain = Timed("flake8 (bare venv)", flake8_argv(bare, paths), django, ok_codes=(0,))
    warm = Timed("flake8 + plugin, warm index", flake8_argv(aro, paths), django, ok_codes=(0,))
    cold = Timed(
        "flake8 + plugin, cold index",
        flake8_argv(aro, paths),
        django,
        ok_codes=(0,),
        before=drop_caches(django),
    )
    interleave([plain, warm, cold], repeats, progress=progress)
    results: dict[str, Any] = {"bare": timings(plain)}
    for timed, target, key in (
        (warm, FLAKE8_WARM_TARGET, "warm"),
        (cold, FLAKE8_COLD_TARGET, "cold"),
    ):
        print(f" {key} index:")
        ratio = compare(plain, timed)
        print(report(ratio, target))
        results[key] = {**timings(timed), **ratio.as_dict()}
    return results


# --- 2. check against ruff ---------------------------------------------------------------


def bench_cli(
    corpus: Path, roots: list[Path], repeats: int, in_repo_runs: int, progress: Any
) -> dict[str, Any]:
    aro = ensure_venv("aro", False)
    check = str(venv_script(aro, "flake8-asyncio-run"))
    ruff_argv = [
        str(venv_script(aro, "ruff")),
        *("check", "--isolated", "--no-cache", "--select", "ASYNC", "."),
    ]
    print(
        f"\n## 2. check against ruff on the copied corpus ({tree_summary(corpus)}, "
        f"{len(roots)} roots; {repeats} rounds)"
    )
    ruff = Timed("ruff check --no-cache --select ASYNC", ruff_argv, corpus)
    no_cache = Timed("check --no-cache", [check, "check", "--isolated", "--no-cache", "."], corpus)
    cold = Timed(
        "check, cold cache",
        [check, "check", "--isolated", "."],
        corpus,
        before=drop_caches(*roots),
    )
    warm = Timed("check, warm cache", [check, "check", "--isolated", "."], corpus)
    contenders = [ruff, no_cache, cold, warm]
    interleave(contenders, repeats, progress=progress)
    results: dict[str, Any] = {"ruff": timings(ruff)}
    for timed in contenders[1:]:
        print(f" {timed.name}:")
        ratio = compare(ruff, timed)
        print(report(ratio, CLI_TARGET))
        results[timed.name] = {**timings(timed), **ratio.as_dict()}
    if in_repo_runs:
        # Context, not interleaved (it is slow): in bench/corpus the root is this
        # repository, so one index covers the corpus, corpus-async and the repository.
        in_repo = Timed(
            "check --no-cache in bench/corpus (root: repo)",
            [check, "check", "--isolated", "--no-cache", "."],
            CORPUS_DIR,
        )
        interleave([in_repo], in_repo_runs, warmup=0, progress=progress)
        print(
            f" {in_repo.name}: wall median {in_repo.median:.3f} s, CPU median "
            f"{in_repo.cpu_median:.3f} s ({in_repo_runs} runs, not interleaved); "
            f"{in_repo.median / ruff.median:.2f}x ruff's median above"
        )
        results[in_repo.name] = timings(in_repo)
    return results


# --- 3. the index build ------------------------------------------------------------------


@dataclass
class Counts:
    """What one cold build did."""

    modules: int = 0
    summarised: int = 0
    #: Modules worth summarising whose text does not parse (their facts are None).
    unparsable: int = 0
    #: Of the summarised: those found only by the later word search.
    late: int = 0
    parses: int = 0
    parsed_modules: set[str] = field(default_factory=set)

    @property
    def skipped(self) -> int:
        return self.modules - self.summarised - self.unparsable


@contextmanager
def counting(counts: Counts) -> Iterator[None]:
    """Count every parse (``parse_source``) while a build runs, and the modules it parsed."""
    from flake8_asyncio_run.project import build

    real_parse = build.parse_source
    real_summarize = build.summarize_source
    real_worthy = build._Builder.summarise_worthy
    after_worthy = False  # the modules summarised from now on were found by the words

    def parse(*args: Any, **kwargs: Any) -> Any:
        counts.parses += 1
        return real_parse(*args, **kwargs)

    def summarize_source(data: bytes, name: Any, options: Any) -> Any:
        counts.parsed_modules.add(name.name)
        facts = real_summarize(data, name, options)
        counts.late += after_worthy and facts is not None
        return facts

    def worthy(self: Any) -> None:
        nonlocal after_worthy
        after_worthy = False
        real_worthy(self)
        after_worthy = True

    build.parse_source = parse  # type: ignore[assignment]
    build.summarize_source = summarize_source  # type: ignore[assignment]
    build._Builder.summarise_worthy = worthy  # type: ignore[method-assign]
    try:
        yield
    finally:
        build.parse_source = real_parse
        build.summarize_source = real_summarize
        build._Builder.summarise_worthy = real_worthy  # type: ignore[method-assign]


def count_build(root: Path) -> Counts:
    from flake8_asyncio_run.config import DEFAULT_EXCLUDE
    from flake8_asyncio_run.options import AnalysisOptions
    from flake8_asyncio_run.project.build import build_project

    counts = Counts()
    with counting(counts):
        project = build_project(root, AnalysisOptions(), DEFAULT_EXCLUDE, use_cache=False)
    summarised = set(project.index.modules)
    counts.modules = len(project.names)
    counts.summarised = len(summarised)
    counts.unparsable = len(counts.parsed_modules - summarised)
    skipped = {n.name for n in project.names.values()} - counts.parsed_modules
    # The claim: a module the prefilter skips costs no parse at all.
    assert not skipped & counts.parsed_modules
    assert counts.parses == len(counts.parsed_modules), (counts.parses, len(counts.parsed_modules))
    return counts


MODES = ("cold, no cache", "cold, fresh process", "cold, cache written", "warm cache")

#: A cold build without a cache in a new interpreter, as every flake8 worker and every
#: ``check`` run does it; only the build is timed, not the start-up or the imports.
FRESH_BUILD = """
import json, sys, time
from pathlib import Path
from flake8_asyncio_run.config import DEFAULT_EXCLUDE
from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.project.build import build_project
start_wall, start_cpu = time.perf_counter(), time.process_time()
build_project(Path(sys.argv[1]), AnalysisOptions(), DEFAULT_EXCLUDE, use_cache=False)
print(json.dumps([time.perf_counter() - start_wall, time.process_time() - start_cpu]))
"""


def bench_build(projects: dict[str, Path], repeats: int) -> dict[str, Any]:
    from flake8_asyncio_run.config import DEFAULT_EXCLUDE
    from flake8_asyncio_run.options import AnalysisOptions
    from flake8_asyncio_run.project.build import build_project

    options = AnalysisOptions()

    def build_once(root: Path, mode: str) -> tuple[float, float]:
        if mode == "cold, fresh process":
            done = subprocess.run(
                [sys.executable, "-c", FRESH_BUILD, str(root)],
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ, "PYTHONPATH": str(REPO_DIR)},
            )
            wall, cpu = json.loads(done.stdout)
            return float(wall), float(cpu)
        if mode == "cold, cache written":
            drop_caches(root)()  # outside the timing
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        build_project(root, options, DEFAULT_EXCLUDE, use_cache=mode != "cold, no cache")
        return time.perf_counter() - start_wall, time.process_time() - start_cpu

    print(f"\n## 3. the index build, in one process ({repeats} rounds, medians)")
    for root in projects.values():  # the warm mode needs a cache from the start
        build_project(root, options, DEFAULT_EXCLUDE, use_cache=True)
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    jobs = [(name, mode) for name in projects for mode in MODES]
    for round_number in range(-1, repeats):  # one warm-up round, the order rotating
        shift = round_number % len(jobs)
        for name, mode in jobs[shift:] + jobs[:shift]:
            measured = build_once(projects[name], mode)
            if round_number >= 0:
                times.setdefault((name, mode), []).append(measured)
    corpus = [name for name in projects if name in PINNED]
    for mode in MODES:  # the whole corpus: per round, the sum of its three projects
        times[("corpus", mode)] = [
            (sum(w for w, _ in row), sum(c for _, c in row))
            for row in zip(*(times[(name, mode)] for name in corpus), strict=True)
        ]

    results: dict[str, Any] = {}
    print(
        "| project | files | lines | summarised | skipped by the prefilter | of the summarised, "
        "found late | ast.parse calls | cold, no cache | cold, fresh process "
        "| cold, cache written | warm cache |"
    )
    print("|" + " --- |" * 11)
    rows = {name: count_build(root) for name, root in projects.items()}
    total = rows["corpus"] = Counts()
    for name in corpus:
        for attr in ("modules", "summarised", "unparsable", "late", "parses"):
            setattr(total, attr, getattr(total, attr) + getattr(rows[name], attr))
    sizes = {name: corpus_files(root) for name, root in projects.items()}
    sizes["corpus"] = [f for name in corpus for f in sizes[name]]
    for name in [*projects, "corpus"]:
        counts, files = rows[name], sizes[name]
        entry: dict[str, Any] = {
            "files": len(files),
            "lines": count_lines(files),
            "modules": counts.modules,
            "summarised": counts.summarised,
            "unparsable": counts.unparsable,
            "late": counts.late,
            "skipped": counts.skipped,
            "parses": counts.parses,
        }
        cells = []
        for mode in MODES:
            walls = [w for w, _ in times[(name, mode)]]
            cpus = [c for _, c in times[(name, mode)]]
            cells.append(f"{statistics.median(walls):.3f} s ({statistics.median(cpus):.3f} CPU)")
            entry[mode] = {"wall_s": walls, "cpu_s": cpus}
        unparsable = f" + {counts.unparsable} unparsable" if counts.unparsable else ""
        label = "corpus (the three)" if name == "corpus" else name
        print(
            f"| {label} | {entry['files']:,} | {entry['lines']:,} | {counts.summarised}"
            f"{unparsable} | {counts.skipped} | {counts.late} | {counts.parses} | "
            + " | ".join(cells)
            + " |"
        )
        results[name] = entry
    print(
        "  ast.parse ran once per summarised (or unparsable) module, and never for a "
        "module the prefilter skipped (asserted in count_build)"
    )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description="Project index speed benchmark.")
    parser.add_argument("--flake8-repeats", type=int, default=5)
    parser.add_argument("--cli-repeats", type=int, default=11)
    parser.add_argument("--build-repeats", type=int, default=5)
    parser.add_argument(
        "--in-repo-runs",
        type=int,
        default=0,
        help="also time `check --no-cache` in bench/corpus itself this often (slow)",
    )
    parser.add_argument("--skip-flake8", action="store_true")
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument(
        "--tmp",
        type=Path,
        default=Path(tempfile.gettempdir()),
        help="where the rooted copies go (no project root may be above it)",
    )
    parser.add_argument(
        "--no-reinstall",
        action="store_true",
        help="do not reinstall this checkout into the 'aro' virtualenv",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every timing")
    args = parser.parse_args()

    require_corpus()
    ensure_async_corpus()
    progress = log if args.verbose else None
    aro = ensure_venv("aro", not args.no_reinstall)
    bare = ensure_venv("bare", False) if not args.skip_flake8 else None
    top, copies = rooted_copies(args.tmp)
    results: dict[str, Any] = {}
    try:
        print("# flake8-asyncio-run project index benchmark")
        print(f"machine: {machine_summary()}")
        print(f"copies:  {top} (each package with its own pyproject.toml)")
        for pin, copy in copies.items():
            print(f"  {pin}: {tree_summary(copy)}")
        tools = [tool_version([str(venv_script(aro, "flake8-asyncio-run")), "--version"])]
        tools.append(tool_version([str(venv_script(aro, "ruff")), "--version"]))
        if bare is not None:
            tools.insert(
                0, "flake8 " + tool_version([str(venv_script(bare, "flake8")), "--version"])
            )
        print(f"tools:   {'; '.join(tools)}")
        print(f"flake8 leaves out {', '.join(FLAKE8_EXCLUDE)} (see detector.py)")
        print(f"load:    {load_average()} (1, 5, 15 min) at the start")
        if not args.skip_flake8:
            django = copies[PINNED[0]]
            results["flake8"] = bench_flake8(django, args.flake8_repeats, progress)
            print(f"load:    {load_average()} after section 1")
        if not args.skip_cli:
            roots = [copies[pin] for pin in PINNED]
            results["cli"] = bench_cli(
                top / "corpus", roots, args.cli_repeats, args.in_repo_runs, progress
            )
            print(f"load:    {load_average()} after section 2")
        if not args.skip_build:
            sys.path.insert(0, str(REPO_DIR))  # the working tree, as the aro venv has it
            results["build"] = bench_build(
                {pin: copies[pin] for pin in (*PINNED, *ASYNC_PINNED)}, args.build_repeats
            )
        print(f"\nload:    {load_average()} (1, 5, 15 min) at the end")
    finally:
        shutil.rmtree(top, ignore_errors=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.exit(main())
