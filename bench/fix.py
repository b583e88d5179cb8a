"""Fix benchmark: ``flake8-asyncio-run fix`` against its floor, libcst parse plus code
generation of the same files alone.

    python bench/fix.py                    # 80 files, 5 interleaved rounds
    python bench/fix.py --files 400 --repeats 11

A deterministic sample of the pinned corpus (``python bench/corpus.py`` first) is copied
to a temporary directory and every copy gets violations injected: a function with three
``asyncio.run()`` calls (ARO101) inserted before the file's first top-level ``def`` or
``class``, and one that runs ``asyncio.run()`` in a ``for`` loop (ARO102) appended at the
end.  So every file has findings and every file goes through libcst.

Two comparisons, each interleaved round by round and reported as medians of wall and
CPU time, both as the ratio of the medians and as the median of the round-by-round
ratios (a round's two runs go back to back, so a slow spell of a shared machine hits
both):

* in-process: ``fix_text`` over every file's text against ``libcst.parse_module(text).code``
  over the same texts (no interpreter start-up, no I/O);
* command line: ``flake8-asyncio-run fix --diff --isolated -j 1`` on the directory against
  a one-process script that reads, decodes, parses and regenerates the same files with
  libcst.  ``--diff`` runs the whole pipeline and writes nothing, so every round starts
  from the same files.

The target is a wall-time ratio of at most 1.5.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from common import REPO_DIR, Timed, interleave, log, machine_summary, require_corpus

sys.path.insert(0, str(REPO_DIR))

import libcst

from flake8_asyncio_run.checker import check_source
from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.fix import fix_text
from flake8_asyncio_run.sourcefile import decode_source

TARGET = (3, 11)

INSERTED = """
import asyncio as _fixbench_asyncio_{n}


async def _fixbench_fetch_{n}(value):
    return value


def _fixbench_task_{n}(value):
    first = _fixbench_asyncio_{n}.run(_fixbench_fetch_{n}(value))
    second = _fixbench_asyncio_{n}.run(_fixbench_fetch_{n}(first))
    third = _fixbench_asyncio_{n}.run(_fixbench_fetch_{n}(second + 1))
    return first, second, third

"""

APPENDED = """

def _fixbench_batch_{n}(values):
    results = []
    for value in values:
        results.append(_fixbench_asyncio_{n}.run(_fixbench_fetch_{n}(value)))
    return results
"""

FLOOR_SCRIPT = """
import sys
from pathlib import Path
import libcst
from flake8_asyncio_run.sourcefile import decode_source
for path in sorted(Path(sys.argv[1]).rglob("*.py")):
    source = decode_source(path.read_bytes())
    libcst.parse_module(source.text).code
"""


def inject(text: str, n: int) -> str | None:
    """The file with its two violations, or None when it does not parse here."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    first_def = next((s for s in tree.body if isinstance(s, (ast.FunctionDef, ast.ClassDef))), None)
    if first_def is None:
        return None
    lineno = min([first_def.lineno, *(d.lineno for d in first_def.decorator_list)])
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    inserted = INSERTED.format(n=n).replace("\n", newline)
    tail = "" if text.endswith(("\n", "\r")) else newline
    appended = APPENDED.format(n=n).replace("\n", newline)
    return "".join(lines[: lineno - 1]) + inserted + "".join(lines[lineno - 1 :]) + tail + appended


def build_sample(files: list[Path], count: int, target: Path) -> list[Path]:
    """Every k-th corpus file that has a top-level def or class, injected and copied."""
    step = max(1, len(files) // (count * 2))
    written: list[Path] = []
    for index, path in enumerate(files[::step]):
        if len(written) == count:
            break
        data = path.read_bytes()
        try:
            source = decode_source(data)
        except SyntaxError:
            continue
        injected = inject(source.text, index)
        if injected is None:
            continue
        copy = target / f"f{len(written):04d}_{path.name}"
        copy.write_bytes(injected.encode(source.encoding))
        written.append(copy)
    return written


def median_ms(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:.0f} ms"


def in_process(texts: list[str], repeats: int) -> tuple[Rounds, Rounds, int]:
    """Wall and CPU seconds of each round, for fix_text and for the floor."""
    settings = Settings()
    fix = Rounds()
    floor = Rounds()
    fixed_files = 0
    for round_number in range(-1, repeats):
        order = ("fix", "floor") if round_number % 2 == 0 else ("floor", "fix")
        for name in order:
            start, cpu_start = time.perf_counter(), time.process_time()
            if name == "fix":
                changed = 0
                for text in texts:
                    outcome = fix_text(text, "sample.py", settings, target=TARGET)
                    if outcome.internal_error:
                        sys.exit(f"internal error: {outcome.internal_error}")
                    changed += outcome.text != text
                fixed_files = changed
            else:
                for text in texts:
                    libcst.parse_module(text).code  # noqa: B018 - the work being timed
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
            if round_number >= 0:
                (fix if name == "fix" else floor).add(elapsed, cpu)
        label = "warm-up" if round_number < 0 else f"round {round_number + 1}/{repeats}"
        log(f"  in-process {label} done")
    return fix, floor, fixed_files


class Rounds:
    """Wall and CPU times of one contender, one entry per round."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def add(self, wall: float, cpu: float) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)


def ratios(fix: list[float], floor: list[float]) -> str:
    """The ratio of the medians, and the median of the round-by-round ratios (each
    round's pair ran back to back, so a slow spell of the machine hits both)."""
    of_medians = statistics.median(fix) / statistics.median(floor)
    paired = statistics.median(a / b for a, b in zip(fix, floor, strict=True))
    return f"{of_medians:.2f}x (median of per-round ratios {paired:.2f}x)"


def breakdown(texts: list[str], repeats: int = 3) -> list[tuple[str, float]]:
    """Median time of each step fix_text is made of, over all texts (the fixer also
    computes libcst positions and walks the tree; the remainder shows that)."""
    settings = Settings()
    modules = [libcst.parse_module(text) for text in texts]
    steps: list[tuple[str, Callable[[], object]]] = [
        ("analysis (check_source)", lambda: [check_source(t, "s.py", settings) for t in texts]),
        ("libcst parse", lambda: [libcst.parse_module(t) for t in texts]),
        ("libcst codegen", lambda: [m.code for m in modules]),
        ("compile", lambda: [compile(t, "s.py", "exec", dont_inherit=True) for t in texts]),
    ]
    figures = []
    for name, step in steps:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
        figures.append((name, statistics.median(times)))
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=80, help="files in the sample")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved rounds")
    args = parser.parse_args()

    corpus = require_corpus()
    workdir = Path(tempfile.mkdtemp(prefix="fixbench-"))
    try:
        sample_dir = workdir / "sample"
        sample_dir.mkdir()
        sample = build_sample(corpus, args.files, sample_dir)
        texts = [decode_source(p.read_bytes()).text for p in sample]
        lines = sum(t.count("\n") for t in texts)
        print(f"machine: {machine_summary()}")
        print(f"libcst {metadata.version('libcst')}")
        print(f"sample: {len(sample)} corpus files, {lines:,} lines, 2 injected violations each")

        fix, floor, fixed = in_process(texts, args.repeats)
        print(f"in-process ({args.repeats} rounds, {fixed}/{len(texts)} files changed):")
        print(
            f"  fix_text                 median {median_ms(fix.wall)} wall, "
            f"{median_ms(fix.cpu)} CPU"
        )
        print(
            f"  libcst parse + codegen   median {median_ms(floor.wall)} wall, "
            f"{median_ms(floor.cpu)} CPU"
        )
        print(f"  wall ratio {ratios(fix.wall, floor.wall)} (target <= 1.5x)")
        print(f"  CPU ratio  {ratios(fix.cpu, floor.cpu)}")
        print("  where fix_text's time goes (each step once over all files, medians):")
        for name, seconds in breakdown(texts):
            print(f"    {name:24} {seconds * 1000:.0f} ms")

        command = [sys.executable, "-m", "flake8_asyncio_run", "fix"]
        # Both sides run with bytecode caching on, as in a normal install: pip wrote
        # libcst's .pyc files, and the warm-up round writes ours (a machine that sets
        # PYTHONDONTWRITEBYTECODE would otherwise recompile our modules on every run).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        contenders = [
            Timed(
                "fix --diff -j 1",
                [
                    *command,
                    "--diff",
                    "--isolated",
                    "-j",
                    "1",
                    "--target-version",
                    "py311",
                    str(sample_dir),
                ],
                env=env,
            ),
            Timed(
                "libcst floor",
                [sys.executable, "-c", FLOOR_SCRIPT, str(sample_dir)],
                env=env,
                ok_codes=(0,),
            ),
        ]
        interleave(contenders, args.repeats, progress=log)
        fix_run, floor_run = contenders
        print(f"command line ({args.repeats} interleaved rounds, medians):")
        for contender in contenders:
            print(
                f"  {contender.name:28} {contender.median:.3f} s wall ({contender.spread}), "
                f"{contender.cpu_median:.3f} s CPU"
            )
        print(f"  wall ratio {ratios(fix_run.times, floor_run.times)} (target <= 1.5x)")
        print(f"  CPU ratio  {ratios(fix_run.cpu_times, floor_run.cpu_times)}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
