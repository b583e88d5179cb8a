"""Detector speed: what our flake8 plugin adds to flake8, and ``check`` against ruff.

    python bench/corpus.py && python bench/detector.py
    python bench/detector.py --flake8-paths django-5.2.19 --flake8-async-paths none

Three virtualenvs under bench/.venvs/ (made on first use, from PyPI) hold the contenders,
with the same pinned flake8 in each:

* ``bare``: flake8 alone;
* ``aro``: flake8 plus this checkout's package (reinstalled from the working tree on
  every run), and the pinned ruff;
* ``async``: flake8 plus flake8-async, the closest existing plugin, for context.

Every comparison runs its commands side by side in one run: round after round, the
order rotating each round, after one warm-up round; the figures are medians.

1. ``flake8`` with our plugin against the same flake8 without it, on the whole corpus.
   Target: ratio <= 1.03.  flake8-async's ratio on django/core, for context.
2. ``flake8-asyncio-run check`` against ``ruff check --no-cache --select ASYNC`` on the
   whole corpus.  Target: ratio <= 1.0.

Both tools get ``--isolated``: the repository's own configuration excludes bench/corpus.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import venv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import common
from common import (
    ASYNC_CORPUS,
    ASYNC_CORPUS_DIR,
    PINNED,
    REPO_DIR,
    VENVS_DIR,
    Timed,
    corpus_files,
    count_lines,
    interleave,
    log,
    machine_summary,
    require_corpus,
    tool_version,
    venv_python,
    venv_script,
)

FLAKE8 = "flake8==7.5.0"
RUFF = "ruff==0.17.6"
FLAKE8_ASYNC = "flake8-async==26.8.1"

#: Issue 15's targets: flake8 + plugin CPU against bare flake8; check against ruff,
#: wall and CPU.
FLAKE8_TARGET = 1.01
CLI_TARGET = 0.5
CLI_CPU_TARGET = 0.75
#: Where every run happens: bench/corpus/, or bench/corpus-async/ with ``--async``.
CORPUS_DIR = common.CORPUS_DIR

#: What each virtualenv gets besides flake8; "." is this checkout.
VENVS: dict[str, tuple[str, ...]] = {
    "bare": (FLAKE8,),
    "aro": (FLAKE8, RUFF, "."),
    "async": (FLAKE8, FLAKE8_ASYNC),
}


def pip(venv_dir: Path, *args: str) -> None:
    subprocess.run(
        [str(venv_python(venv_dir)), "-m", "pip", "--disable-pip-version-check", "-q", *args],
        check=True,
        cwd=REPO_DIR,
    )


def ensure_venv(name: str, reinstall_project: bool) -> Path:
    """Create the virtualenv (once) and install its pinned requirements."""
    venv_dir = VENVS_DIR / name
    wanted = VENVS[name]
    stamp = venv_dir / ".bench-requirements"
    if not venv_python(venv_dir).exists():
        log(f"creating {venv_dir} ...")
        venv.create(venv_dir, with_pip=True, clear=True)
    if not stamp.exists() or stamp.read_text() != "\n".join(wanted):
        log(f"installing {' '.join(wanted)} into {name} ...")
        pip(venv_dir, "install", *(str(REPO_DIR) if w == "." else w for w in wanted))
        stamp.write_text("\n".join(wanted))
    elif "." in wanted and reinstall_project:
        # The working tree may have changed since the last run: measure what is there now.
        pip(venv_dir, "install", "--no-deps", "--force-reinstall", str(REPO_DIR))
    return venv_dir


def import_cost(aro: Path, repeats: int = 7) -> tuple[float, bool]:
    """Median cumulative import time of the plugin module (ms), and whether libcst was
    imported with it."""
    code = "import sys, flake8_asyncio_run.plugin; print('libcst' in sys.modules)"
    times: list[float] = []
    libcst = False
    for _ in range(repeats):
        done = subprocess.run(
            [str(venv_python(aro)), "-X", "importtime", "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=CORPUS_DIR,
        )
        libcst = libcst or done.stdout.strip() == "True"
        for line in done.stderr.splitlines():
            fields = [f.strip() for f in line.split("|")]
            if len(fields) == 3 and fields[2] == "flake8_asyncio_run.plugin":
                times.append(int(fields[1]) / 1000)
    return statistics.median(times), libcst


def corpus_facts(aro: Path) -> dict[str, int]:
    """How many files our walk and ruff see, how many pass the prefilter, findings."""
    code = (
        "import json, sys\n"
        "from flake8_asyncio_run.config import Settings\n"
        "from flake8_asyncio_run.discovery import iter_python_files\n"
        "from flake8_asyncio_run.prefilter import might_run_event_loops_bytes\n"
        "from flake8_asyncio_run.checker import check_files\n"
        "s = Settings()\n"
        "paths = list(iter_python_files(['.'], s.excludes))\n"
        "passed = sum(might_run_event_loops_bytes(open(p, 'rb').read(), s.analysis)"
        " for p in paths)\n"
        "found = sum(len(r.findings) for r in check_files(paths, s))\n"
        "print(json.dumps({'files': len(paths), 'prefilter_passed': passed, 'findings': found}))"
    )
    out = subprocess.run(
        [str(venv_python(aro)), "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=CORPUS_DIR,
    )
    facts: dict[str, int] = json.loads(out.stdout)
    shown = subprocess.run(
        [str(venv_script(aro, "ruff")), "check", "--isolated", "--show-files", "."],
        capture_output=True,
        text=True,
        check=True,
        cwd=CORPUS_DIR,
    )
    facts["ruff_files"] = sum(1 for line in shown.stdout.splitlines() if line.endswith(".py"))
    found = subprocess.run(
        [
            str(venv_script(aro, "ruff")),
            "check",
            "--isolated",
            "--no-cache",
            "--select",
            "ASYNC",
            "--output-format",
            "json",
            ".",
        ],
        capture_output=True,
        text=True,
        cwd=CORPUS_DIR,
    )
    facts["ruff_findings"] = len(json.loads(found.stdout or "[]"))
    return facts


def load_average() -> str:
    """Other work on the machine skews absolute times (ratios less so): say how much."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


#: pyflakes dies with RecursionError on this generated table (one huge expression), and
#: flake8 then aborts the whole run; leave it out of every flake8 run alike.
FLAKE8_EXCLUDE = ("resolvent_lookup.py",)


PLUGIN_WORK = """
import ast, json, sys, time, tokenize
from flake8_asyncio_run.plugin import Plugin
paths = sys.argv[1:]
wall = cpu = 0.0
parsed = 0
for path in paths:
    with tokenize.open(path) as handle:  # decoded lines, as flake8 hands them over
        lines = handle.readlines()
    try:
        tree = ast.parse("".join(lines))  # flake8 parses once for every plugin: not ours
    except (SyntaxError, ValueError):
        continue
    parsed += 1
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    list(Plugin(tree, lines).run())
    wall += time.perf_counter() - start_wall
    cpu += time.process_time() - start_cpu
print(json.dumps({"files": parsed, "wall_s": wall, "cpu_s": cpu}))
"""


def plugin_work(aro: Path, where: Sequence[str]) -> dict[str, float]:
    """The plugin's own work on every file (prefilter, and analysis where it passes),
    timed in one process on trees parsed beforehand, as flake8 hands them over."""
    paths: list[str] = []
    for item in where:
        target = CORPUS_DIR / item
        found = [target] if target.is_file() else corpus_files(target)
        paths += [str(p) for p in found if p.name not in FLAKE8_EXCLUDE]
    done = subprocess.run(
        [str(venv_python(aro)), "-c", PLUGIN_WORK, *paths],
        capture_output=True,
        text=True,
        check=True,
        cwd=CORPUS_DIR,
    )
    work: dict[str, float] = json.loads(done.stdout)
    return work


def flake8_argv(venv_dir: Path, paths: Sequence[str]) -> list[str]:
    # flake8's defaults (pyflakes, pycodestyle, mccabe; jobs = CPU count), output discarded.
    return [
        str(venv_script(venv_dir, "flake8")),
        "--isolated",
        "--exit-zero",
        f"--extend-exclude={','.join(FLAKE8_EXCLUDE)}",
        *paths,
    ]


@dataclass
class Ratio:
    wall: float  # ratio of median wall times: the headline figure
    paired: float  # median of the per-round wall-time ratios
    cpu: float  # ratio of median CPU times (user + system, all processes)

    def as_dict(self) -> dict[str, float]:
        return {"ratio": self.wall, "paired_ratio": self.paired, "cpu_ratio": self.cpu}


def compare(base: Timed, other: Timed) -> Ratio:
    ratio = Ratio(
        other.median / base.median,
        statistics.median(o / b for o, b in zip(other.times, base.times, strict=True)),
        other.cpu_median / base.cpu_median if base.cpu_median else float("nan"),
    )
    for timed in (base, other):
        print(
            f"  {timed.name:<38} wall median {timed.median:8.3f} s ({timed.spread}); "
            f"CPU median {timed.cpu_median:8.3f} s"
        )
    print(
        f"  ratio of median wall times {ratio.wall:.3f}; median of per-round ratios "
        f"{ratio.paired:.3f}; ratio of median CPU times {ratio.cpu:.3f}"
    )
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description="Detector speed benchmark.")
    parser.add_argument("--flake8-repeats", type=int, default=5)
    parser.add_argument("--cli-repeats", type=int, default=15)
    parser.add_argument(
        "--flake8-paths",
        nargs="+",
        default=["."],
        metavar="PATH",
        help="what flake8 checks, relative to bench/corpus (default: all of it)",
    )
    parser.add_argument(
        "--flake8-async-paths",
        nargs="*",
        default=["django-5.2.19/django/core"],
        metavar="PATH",
        help="where to time flake8-async for context (default: django/core; none to skip)",
    )
    parser.add_argument("--flake8-async-repeats", type=int, default=3)
    parser.add_argument("--skip-flake8", action="store_true")
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument(
        "--no-reinstall",
        action="store_true",
        help="do not reinstall this checkout into the 'aro' virtualenv",
    )
    parser.add_argument(
        "--async",
        dest="async_corpus",
        action="store_true",
        help="measure on bench/corpus-async/ (python bench/corpus.py --async)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every timing")
    args = parser.parse_args()

    global CORPUS_DIR
    pins = PINNED
    if args.async_corpus:
        CORPUS_DIR, pins = ASYNC_CORPUS_DIR, ASYNC_CORPUS
        files = corpus_files(CORPUS_DIR)
        if not files:
            sys.exit("no async corpus: run `python bench/corpus.py --async` first")
    else:
        files = require_corpus()
    progress = log if args.verbose else None
    bare = ensure_venv("bare", False)
    aro = ensure_venv("aro", not args.no_reinstall)
    results: dict[str, object] = {}

    print("# flake8-asyncio-run detector benchmark")
    print(f"machine: {machine_summary()}")
    print(f"corpus:  {', '.join(pins)}: {len(files)} files, {count_lines(files):,} lines")
    flake8_version = tool_version([str(venv_script(bare, "flake8")), "--version"])
    print(
        f"tools:   flake8 {flake8_version.split(' (')[0]}; "
        f"{tool_version([str(venv_script(aro, 'ruff')), '--version'])}; "
        f"{tool_version([str(venv_script(aro, 'flake8-asyncio-run')), '--version'])}"
    )
    print(f"load:    {load_average()} (1, 5, 15 min) at the start")
    facts = corpus_facts(aro)
    print(
        f"walk:    ours {facts['files']} files, ruff {facts['ruff_files']}; "
        f"{facts['prefilter_passed']} pass our prefilter and are parsed; "
        f"findings: ours {facts['findings']} ARO, ruff {facts['ruff_findings']} ASYNC"
    )
    millis, libcst = import_cost(aro)
    print(f"plugin import: {millis:.1f} ms cumulative (median of 7), libcst imported: {libcst}")
    results.update(facts, plugin_import_ms=millis, plugin_imports_libcst=libcst)

    if not args.skip_flake8:
        where = args.flake8_paths
        part = corpus_files(CORPUS_DIR / where[0]) if len(where) == 1 else []
        size = f"{len(part)} files, {count_lines(part):,} lines" if part else "several paths"
        print(
            f"\n## 1. flake8 with the plugin against flake8 alone, on {' '.join(where)} "
            f"({size}; {args.flake8_repeats} rounds)"
        )
        # --exit-zero: exit 1 now means flake8 failed, and the timing would be worthless.
        plain = Timed("flake8 (bare venv)", flake8_argv(bare, where), CORPUS_DIR, ok_codes=(0,))
        ours = Timed(
            "flake8 + flake8-asyncio-run", flake8_argv(aro, where), CORPUS_DIR, ok_codes=(0,)
        )
        interleave([plain, ours], args.flake8_repeats, progress=progress)
        ratio = compare(plain, ours)
        met = ratio.cpu <= FLAKE8_TARGET
        print(f"  target CPU <= {FLAKE8_TARGET}: {'met' if met else 'MISSED'}")
        work = plugin_work(aro, where)
        share = work["cpu_s"] / plain.cpu_median
        print(
            f"  the plugin's own work on those {work['files']:.0f} files, in one process: "
            f"{work['cpu_s']:.3f} s CPU ({work['wall_s']:.3f} s wall), "
            f"{1000 * work['cpu_s'] / work['files']:.3f} ms a file; against bare flake8's "
            f"CPU median that is an overhead of {share:.2%} (ratio {1 + share:.4f})"
        )
        results["flake8"] = {
            "bare_s": plain.times,
            "aro_s": ours.times,
            "bare_cpu_s": plain.cpu_times,
            "aro_cpu_s": ours.cpu_times,
            **ratio.as_dict(),
            "plugin_work": work,
            "plugin_work_ratio": 1 + share,
        }
        if args.flake8_async_paths and args.flake8_async_paths != ["none"]:
            where = args.flake8_async_paths
            label = " ".join(where)
            asyncv = ensure_venv("async", False)
            print(f"\n   flake8-async for context, {label} ({args.flake8_async_repeats} rounds)")
            plain_part = Timed(
                "flake8 (bare venv)", flake8_argv(bare, where), CORPUS_DIR, ok_codes=(0,)
            )
            theirs = Timed(
                "flake8 + flake8-async", flake8_argv(asyncv, where), CORPUS_DIR, ok_codes=(0,)
            )
            interleave([plain_part, theirs], args.flake8_async_repeats, progress=progress)
            results["flake8_async"] = {
                "where": label,
                "bare_s": plain_part.times,
                "async_s": theirs.times,
                **compare(plain_part, theirs).as_dict(),
            }

    if not args.skip_cli:
        print(f"\n## 2. flake8-asyncio-run check against ruff ({args.cli_repeats} rounds)")
        check = Timed(
            "flake8-asyncio-run check",
            # --no-cache, as ruff's: both cold (bench/results_cache.py times a warm run).
            [str(venv_script(aro, "flake8-asyncio-run")), "check", "--isolated", "--no-cache", "."],
            cwd=CORPUS_DIR,
        )
        ruff = Timed(
            "ruff check --no-cache --select ASYNC",
            [
                str(venv_script(aro, "ruff")),
                "check",
                "--isolated",
                "--no-cache",
                "--select",
                "ASYNC",
                ".",
            ],
            cwd=CORPUS_DIR,
        )
        interleave([ruff, check], args.cli_repeats, progress=progress)
        ratio = compare(ruff, check)
        print(f"  target wall <= {CLI_TARGET}: {'met' if ratio.wall <= CLI_TARGET else 'MISSED'}")
        met = ratio.cpu <= CLI_CPU_TARGET
        print(f"  target CPU <= {CLI_CPU_TARGET}: {'met' if met else 'MISSED'}")
        results["cli"] = {
            "ruff_s": ruff.times,
            "check_s": check.times,
            "ruff_cpu_s": ruff.cpu_times,
            "check_cpu_s": check.cpu_times,
            **ratio.as_dict(),
        }

    print(f"\nload:    {load_average()} (1, 5, 15 min) at the end")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
