"""What every benchmark script shares: the pinned corpus, the machine, and a timer that
runs commands side by side (interleaved, repeated) and reports medians.

The scripts are meant to be run as ``python bench/<name>.py`` from any directory; they
import this module as ``common`` (their own directory is first on ``sys.path``).
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

try:
    import resource
except ImportError:  # Windows: wall time only
    resource = None  # type: ignore[assignment]

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
CORPUS_DIR = BENCH_DIR / "corpus"
WHEELS_DIR = BENCH_DIR / "wheels"
VENVS_DIR = BENCH_DIR / ".venvs"

#: The async-heavy project for the project-index benchmark (``bench/project_index.py``):
#: a pinned wheel whose ``.py`` files go to ``corpus-async/``, apart from the corpus above.
ASYNC_CORPUS_DIR = BENCH_DIR / "corpus-async"
ASYNC_PINNED: tuple[str, ...] = ("prefect==3.9.1",)

#: The async corpus (``python bench/corpus.py --async``): async-heavy libraries, pinned
#: wheels unpacked into ``corpus-async/`` beside prefect.  Most of their files import
#: asyncio (or anyio, trio), so the prefilter's key on module names lets them all
#: through: this is where a test on the call's shape matters.
ASYNC_CORPUS: tuple[str, ...] = (
    "aio-pika==10.2.1",
    "aiobotocore==3.10.0",
    "aiofiles==25.1.0",
    "aiohttp==3.14.3",
    "aiokafka==0.14.0",
    "aiomysql==0.3.2",
    "aiormq==7.2.4",
    "aiosqlite==0.22.1",
    "anyio==4.15.1",
    "asyncpg==0.31.0",
    "celery==5.6.3",
    "distributed==2026.8.0",
    "elasticsearch==9.5.1",
    "fastapi==0.142.2",
    "fastmcp-slim==4.0.10",
    "google-genai==2.25.0",
    "grpcio==1.84.0",
    "httpcore==1.0.9",
    "httpx==0.28.1",
    "huggingface-hub==2.0.0",
    "ipykernel==7.4.0",
    "ipython==9.17.1",
    "janus==2.0.0",
    "jupyter-client==8.10.0",
    "jupyter-server==2.21.1",
    "kombu==5.6.2",
    "langchain-community==0.4.2",
    "langchain-core==1.6.5",
    "langgraph-sdk==0.4.5",
    "langgraph==1.2.12",
    "langsmith==0.14.0",
    "mcp==2.3.0",
    "motor==3.7.1",
    "nats-py==2.15.0",
    "openai==2.54.0",
    "prefect==3.9.1",
    "prompt-toolkit==3.0.53",
    "py-key-value-aio==0.4.6",
    "pymodbus==3.15.0",
    "pyzmq==27.2.0",
    "ray==2.58.0",
    "redis==8.1.0",
    "sanic==25.12.1",
    "starlette==1.7.0",
    "temporalio==1.35.0",
    "textual==8.2.8",
    "tornado==6.6.1",
    "trio==0.34.0",
    "twisted==26.4.0",
    "uvicorn==0.54.0",
    "websockets==16.1.1",
)

#: The corpus: pinned wheels from PyPI, unpacked.  Pure-Python sources of three large,
#: well-known projects; django and SQLAlchemy use asyncio/asgiref, so some files pass the
#: prefilter and really get analysed.
PINNED: tuple[str, ...] = ("django==5.2.19", "sqlalchemy==2.1.9", "sympy==1.14.0")


def corpus_files(root: Path = CORPUS_DIR) -> list[Path]:
    """Every ``.py`` file of the unpacked corpus, sorted."""
    return sorted(p for p in root.rglob("*.py") if p.is_file())


def require_corpus() -> list[Path]:
    files = corpus_files()
    if not files:
        sys.exit(f"no corpus in {CORPUS_DIR}: run `python {BENCH_DIR / 'corpus.py'}` first")
    return files


def count_lines(files: Sequence[Path]) -> int:
    total = 0
    for path in files:
        with open(path, "rb") as handle:
            total += handle.read().count(b"\n")
    return total


# --- The machine ---------------------------------------------------------------------------


def _lscpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown CPU"
    for line in out.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "Model name":
            return value.strip()
    return "unknown CPU"


def tool_version(command: Sequence[str]) -> str:
    try:
        out = subprocess.run(list(command), capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unavailable"
    return (out.stdout or out.stderr).strip().splitlines()[0]


def machine_summary() -> str:
    return (
        f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {_lscpu_model()}; "
        f"{platform.system()} {platform.release()}; "
        f"Python {platform.python_version()} ({platform.python_implementation()})"
    )


# --- Timing --------------------------------------------------------------------------------


@dataclass
class Timed:
    """One contender: a command line run in ``cwd`` with ``env``."""

    name: str
    argv: list[str]
    cwd: Path = REPO_DIR
    env: Mapping[str, str] | None = None
    #: Exit codes that count as success (linters exit 1 when they find something).
    ok_codes: tuple[int, ...] = (0, 1)
    #: Called before every run, outside the timing (e.g. to delete a cache).
    before: Callable[[], None] | None = None
    times: list[float] = field(default_factory=list)
    #: CPU seconds (user + system) of the command and every process it waited for: far
    #: less sensitive than wall time to other work on a shared machine.
    cpu_times: list[float] = field(default_factory=list)
    last_cpu: float = 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_times)

    @property
    def spread(self) -> str:
        return f"min {min(self.times):.3f} s, max {max(self.times):.3f} s"

    def run_once(self) -> float:
        if self.before is not None:
            self.before()
        before = resource.getrusage(resource.RUSAGE_CHILDREN) if resource else None
        start = time.perf_counter()
        done = subprocess.run(
            self.argv,
            cwd=self.cwd,
            env=None if self.env is None else dict(self.env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        elapsed = time.perf_counter() - start
        if resource and before:
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            self.last_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if done.returncode not in self.ok_codes:
            sys.exit(
                f"{self.name} failed with exit {done.returncode}:\n"
                f"  {' '.join(self.argv)}\n{done.stderr.decode(errors='replace')[-2000:]}"
            )
        return elapsed


def interleave(
    contenders: Sequence[Timed],
    repeats: int,
    warmup: int = 1,
    progress: Callable[[str], None] | None = None,
) -> None:
    """Run every contender once per round, rotating the order each round so that no
    contender always goes first (or right after another one); fill ``times``."""
    count = len(contenders)
    for round_number in range(-warmup, repeats):
        shift = round_number % count
        order = list(contenders[shift:]) + list(contenders[:shift])
        for contender in order:
            elapsed = contender.run_once()
            if round_number >= 0:
                contender.times.append(elapsed)
                contender.cpu_times.append(contender.last_cpu)
            if progress:
                label = "warm-up" if round_number < 0 else f"round {round_number + 1}/{repeats}"
                progress(f"  {label}: {contender.name} {elapsed:.3f} s")


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def venv_script(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


def find_executable(name: str) -> str | None:
    """``name`` next to the running interpreter first, then on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
