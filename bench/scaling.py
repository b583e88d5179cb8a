"""Growth with the size of one function or file (issue 15): how ``check`` and ``fix``
scale on generated async-heavy shapes, and the fitted growth exponent of each curve.

    python bench/scaling.py                         # every shape, default sizes
    python bench/scaling.py --shapes for_loops --sizes 25,50,100,200
    python bench/scaling.py --repeats 3 --no-memory

Shapes (``SHAPES``), each a function of N:

* ``for_loops``: one function with N sequential ``for`` loops, a runner call in each;
* ``functions``: a file of N small fixable functions (two runner calls each);
* ``optional_ifs``: N ``if flag: asyncio.run(...)`` in one function;
* ``sequential``: one function with N sequential runner calls;
* ``if_else``: one function with N ``if/else`` blocks, a runner call in each branch.

Times are in-process: ``check_source`` for ``check`` and ``fix_text`` for ``fix
--diff`` (what the command line runs per file, without start-up and I/O), medians of
``--repeats``.  Peak memory is measured in a fresh interpreter per run (a subprocess
that reports its ``VmHWM`` from ``/proc/self/status``, else ``ru_maxrss``):
``fix_text`` on the file against ``libcst.parse_module`` of the same file, both minus a
bare interpreter that imported the same modules.  The exponent is the least-squares
slope of log(time) over log(N) (1.0: linear; N log N fits about 1.1 over these ranges;
2.0: quadratic).
"""

from __future__ import annotations

import argparse
import math
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
sys.path.insert(0, str(REPO_DIR))

HEADER = "import asyncio\n\n\nasync def work(i):\n    return i\n"


def for_loops(n: int) -> str:
    """N sequential ``for`` loops in one function, a runner call in each."""
    body = "".join(f"    for i in range(3):\n        asyncio.run(work({k}))\n" for k in range(n))
    return f"{HEADER}\n\ndef main():\n{body}"


def functions(n: int) -> str:
    """N small functions, each with two runner calls (ARO101, a safe combine fix)."""
    parts = [HEADER]
    for k in range(n):
        parts.append(
            f"\n\ndef job_{k}():\n"
            f"    first = asyncio.run(work({k}))\n"
            f"    second = asyncio.run(work(first))\n"
            f"    return second\n"
        )
    return "".join(parts)


def optional_ifs(n: int) -> str:
    """N optional runner calls in one scope: ``if flag: asyncio.run(...)``."""
    body = "".join(f"    if flags[{k}]:\n        asyncio.run(work({k}))\n" for k in range(n))
    return f"{HEADER}\n\ndef main(flags):\n{body}"


def sequential(n: int) -> str:
    """N sequential runner calls in one function."""
    body = "".join(f"    asyncio.run(work({k}))\n" for k in range(n))
    return f"{HEADER}\n\ndef main():\n{body}"


def if_else(n: int) -> str:
    """N ``if/else`` blocks in one function, a runner call in each branch."""
    body = "".join(
        f"    if flags[{k}]:\n        asyncio.run(work({k}))\n"
        f"    else:\n        asyncio.run(work(-{k}))\n"
        for k in range(n)
    )
    return f"{HEADER}\n\ndef main(flags):\n{body}"


SHAPES: dict[str, Callable[[int], str]] = {
    "for_loops": for_loops,
    "functions": functions,
    "optional_ifs": optional_ifs,
    "sequential": sequential,
    "if_else": if_else,
}

DEFAULT_SIZES: dict[str, tuple[int, ...]] = {
    "for_loops": (25, 50, 100, 200, 400),
    "functions": (500, 1000, 2000, 4000, 8000),
    "optional_ifs": (200, 400, 800, 1600, 3200),
    "sequential": (10, 30, 100, 300, 1000),
    "if_else": (10, 30, 100, 300, 1000),
}

_MEMORY_SCRIPT = """
import resource, sys
from pathlib import Path
import libcst
from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.fix import fix_text
text = Path(sys.argv[2]).read_text()
if sys.argv[1] == "fix":
    fix_text(text, "scaling.py", Settings(), target=(3, 11))
elif sys.argv[1] == "libcst":
    libcst.parse_module(text)
# VmHWM is this process's own peak; ru_maxrss would count the benchmark's own memory,
# which Linux carries over into a child it forks and execs.
try:
    status = Path("/proc/self/status").read_text()
    print(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
except OSError:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _timed(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _peak_kib(mode: str, path: Path) -> int:
    """The peak RSS (KiB) of a fresh interpreter doing ``mode`` on the file."""
    done = subprocess.run(
        [sys.executable, "-c", _MEMORY_SCRIPT, mode, str(path)],
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.split()[-1])


def slope(points: list[tuple[int, float]]) -> float:
    """The least-squares slope of log(y) over log(x)."""
    xs = [math.log(x) for x, _ in points]
    ys = [math.log(max(y, 1e-6)) for _, y in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    num = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    den = sum((x - mx) ** 2 for x in xs)
    return num / den if den else 0.0


def measure(shape: str, sizes: tuple[int, ...], repeats: int, memory: bool) -> None:
    from flake8_asyncio_run.checker import check_source
    from flake8_asyncio_run.config import Settings
    from flake8_asyncio_run.fix import fix_text

    settings = Settings()
    print(f"\n{shape}: {SHAPES[shape].__doc__}")
    header = f"{'N':>6} {'lines':>7} {'findings':>8} {'check s':>9} {'fix s':>9}"
    if memory:
        header += f" {'fix MiB':>8} {'libcst MiB':>10} {'ratio':>6}"
    print(header)
    checks: list[tuple[int, float]] = []
    fixes: list[tuple[int, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = _peak_kib("none", Path(__file__)) if memory else 0
        for n in sizes:
            text = SHAPES[shape](n)
            found = len(check_source(text, "scaling.py", settings).findings)
            check = _timed(lambda text=text: check_source(text, "scaling.py", settings), repeats)
            fix = _timed(
                lambda text=text: fix_text(text, "scaling.py", settings, target=(3, 11)), repeats
            )
            checks.append((n, check))
            fixes.append((n, fix))
            row = f"{n:>6} {text.count(chr(10)):>7} {found:>8} {check:>9.3f} {fix:>9.3f}"
            if memory:
                path = Path(tmp) / f"{shape}_{n}.py"
                path.write_text(text)
                fix_mib = (_peak_kib("fix", path) - base) / 1024
                cst_mib = (_peak_kib("libcst", path) - base) / 1024
                row += f" {fix_mib:>8.1f} {cst_mib:>10.1f} {fix_mib / max(cst_mib, 0.1):>6.2f}"
            print(row, flush=True)
    print(f"  growth exponent: check {slope(checks):.2f}, fix {slope(fixes):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated")
    parser.add_argument("--sizes", help="comma-separated N for every shape chosen")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--no-memory", action="store_true", help="skip the RSS subprocesses")
    args = parser.parse_args()
    from common import machine_summary

    print(machine_summary())
    for shape in args.shapes.split(","):
        sizes = tuple(int(s) for s in args.sizes.split(",")) if args.sizes else DEFAULT_SIZES[shape]
        measure(shape, sizes, args.repeats, not args.no_memory)


if __name__ == "__main__":
    main()
