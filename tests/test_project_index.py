"""The project index, end to end, on a project in the seed's layout
(tests/fixtures/project_seed): a ``run_sync`` helper in ``app/utils``, tasks in
``app/workers``, repositories awaiting a pooled connection module, an async API whose
hook calls a task, a CLI and tests that call tasks in a row.

Its ``# error:`` comments are the specification.  ``check`` on the whole project,
``check`` on each file alone (as pre-commit runs it), flake8 and ``fix --diff
--output-format json`` must each report exactly those; the language server's test is
in tests/lsp/.  Then: the cache, its invalidation and its failure modes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from spec_files import _FLAKE8_LINE, parse_rule_file

from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.project.build import build_project
from flake8_asyncio_run.project.cache import CACHE_DIRECTORY, IndexCache, Stored

FIXTURE = Path(__file__).parent / "fixtures" / "project_seed"
#: (path relative to the project root, line, code)
Expected = set[tuple[str, int, str]]


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    root = tmp_path / "seed"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns(CACHE_DIRECTORY, "__pycache__"))
    return root


def python_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        if CACHE_DIRECTORY not in path.parts:
            yield path


def annotations(root: Path) -> Expected:
    expected: Expected = set()
    for path in python_files(root):
        relative = path.relative_to(root).as_posix()
        expected.update((relative, line, code) for line, code in parse_rule_file(path).expected)
    return expected


def run(root: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=cwd or root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def reported(root: Path, output: str, cwd: Path | None = None) -> Expected:
    """The (path from the root, line, code) of each report line printed from ``cwd``."""
    found: Expected = set()
    for line in output.splitlines():
        match = _FLAKE8_LINE.match(line)
        assert match, f"unexpected output line: {line!r}"
        path = ((cwd or root) / match["path"]).resolve().relative_to(root.resolve())
        found.add((path.as_posix(), int(match["line"]), match["code"]))
    return found


def test_the_fixture_has_the_six_cross_module_problems() -> None:
    codes = sorted(code for _, _, code in annotations(FIXTURE))
    assert codes == ["ARO101", "ARO101", "ARO102", "ARO103", "ARO201", "ARO201", "ARO201"]


@pytest.mark.parametrize("cache", [True, False], ids=["cached", "no-cache"])
def test_check_on_the_project_reports_exactly_the_annotations(seed: Path, cache: bool) -> None:
    flags = [] if cache else ["--no-cache"]
    result = run(seed, "flake8_asyncio_run", "check", *flags, ".")
    assert result.returncode == 1, result.stderr
    assert reported(seed, result.stdout) == annotations(seed)
    assert (seed / CACHE_DIRECTORY).is_dir() == cache


def test_flake8_reports_exactly_the_annotations(seed: Path) -> None:
    result = run(seed, "flake8", "--select", "ARO", ".")
    assert reported(seed, result.stdout) == annotations(seed), result.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_flake8_in_parallel_gives_the_same_answer(seed: Path, jobs: str) -> None:
    result = run(seed, "flake8", "--select", "ARO", "-j", jobs, ".")
    assert reported(seed, result.stdout) == annotations(seed), result.stderr


def test_fix_diff_json_reports_exactly_the_annotations(seed: Path) -> None:
    result = run(seed, "flake8_asyncio_run", "fix", "--diff", "--output-format", "json", ".")
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    found = {(f["path"], f["range"]["start"]["line"], f["code"]) for f in findings}
    assert found == annotations(seed)


@pytest.mark.parametrize("outside", [False, True], ids=["from-root", "from-elsewhere"])
def test_check_on_each_file_alone_sees_the_whole_project(seed: Path, outside: bool) -> None:
    """As pre-commit runs it: one file named, findings for it alone, but found with the
    rest of the project (the pool's ARO201 needs the task two modules away)."""
    expected = annotations(seed)
    cwd = seed.parent if outside else seed
    for path in python_files(seed):
        relative = path.relative_to(seed).as_posix()
        result = run(seed, "flake8_asyncio_run", "check", str(path.relative_to(cwd)), cwd=cwd)
        found = reported(seed, result.stdout, cwd)
        assert found == {e for e in expected if e[0] == relative}, relative


def test_flake8_on_each_file_alone_sees_the_whole_project(seed: Path) -> None:
    expected = annotations(seed)
    for relative in ("database/connection.py", "app/api/routes.py", "app/workers/tasks.py"):
        result = run(seed, "flake8", "--select", "ARO", relative)
        assert reported(seed, result.stdout) == {e for e in expected if e[0] == relative}


def test_messages_name_the_entry_and_the_chain(seed: Path) -> None:
    result = run(seed, "flake8_asyncio_run", "check", "database/connection.py")
    assert result.stdout.strip().endswith(
        "ARO201 asyncpg pool cached in module global '_pool' is bound to the first event "
        "loop that uses it, but 'app.workers.tasks:analyze_photo_task' (line 21) starts a "
        "new event loop per call and reaches it (tasks.analyze_photo_task → "
        "AnalysisRepository.create_analysis → connection.get_pool); create it inside the "
        "coroutine (async with) or keep one loop per worker"
    )
    routes = run(seed, "flake8_asyncio_run", "check", "app/api/routes.py").stdout
    assert "ARO103 notify_task() (runs asyncio.run()) inside async function 'on_upload'" in routes
    jobs = run(seed, "flake8_asyncio_run", "check", "database/cache.py").stdout
    assert "'app.workers.jobs:refresh_stats' (line 8) runs as an RQ job" in jobs


def test_fix_on_the_tasks_module_leaves_one_loop_per_task(seed: Path) -> None:
    tasks = seed / "app" / "workers" / "tasks.py"
    safe = run(seed, "flake8_asyncio_run", "fix", "app/workers/tasks.py")
    assert safe.returncode == 1  # the loop over keys needs --unsafe-fixes
    text = tasks.read_text("utf-8")
    body = text.split("def analyze_photo_task", 1)[1].split("\ndef ", 1)[0]
    assert body.count("run_sync(") == 1 and "await verify_photo(photo)" in body
    unsafe = run(seed, "flake8_asyncio_run", "fix", "--unsafe-fixes", "app/workers/tasks.py")
    assert unsafe.returncode == 0, unsafe.stdout + unsafe.stderr
    compile(tasks.read_text("utf-8"), str(tasks), "exec")
    again = run(seed, "flake8_asyncio_run", "check", "app/workers/tasks.py")
    assert again.returncode == 0 and again.stdout == "", again.stdout
    # The pool is still cached in a global, and the fixed task still reaches it.
    pool = run(seed, "flake8_asyncio_run", "check", "database/connection.py")
    assert "ARO201" in pool.stdout


def test_a_configured_runner_that_is_a_plain_pass_through_is_fixed(seed: Path) -> None:
    """Configuring a runner the index can read changes nothing: its body says it is a
    plain pass-through, so its calls are fixed (the reason for a configured runner whose
    body is out of sight is in tests/fixtures/fix/custom_runner_none)."""
    configured = run(
        seed,
        "flake8_asyncio_run",
        "fix",
        "--diff",
        "--asyncio-runners=app.utils.async_utils.run_sync",
        "app/workers/tasks.py",
    )
    plain = run(seed, "flake8_asyncio_run", "fix", "--diff", "app/workers/tasks.py")
    assert "+        verdict = await verify_photo(photo)" in configured.stdout
    assert configured.stdout == plain.stdout
    assert "configured runner" not in configured.stderr
    assert "not a plain pass-through" not in configured.stderr


# --- The cache ----------------------------------------------------------------------------


def test_the_cache_directory_ignores_itself(seed: Path) -> None:
    run(seed, "flake8_asyncio_run", "check", ".")
    directory = seed / CACHE_DIRECTORY
    assert (directory / ".gitignore").read_text("utf-8").splitlines()[-1] == "*"
    assert (directory / "CACHEDIR.TAG").read_text("utf-8").startswith("Signature: 8a477f59")
    (index,) = directory.glob("index-*.json")
    data = json.loads(index.read_text("utf-8"))
    assert data["tool"] == "flake8-asyncio-run"
    assert "database/connection.py" in data["entries"]


def test_cache_false_in_pyproject_writes_no_cache(seed: Path) -> None:
    with open(seed / "pyproject.toml", "a", encoding="utf-8") as handle:
        handle.write("\n[tool.flake8-asyncio-run]\ncache = false\n")
    check = run(seed, "flake8_asyncio_run", "check", ".")
    flake8 = run(seed, "flake8", "--select", "ARO", ".")
    assert reported(seed, check.stdout) == reported(seed, flake8.stdout) == annotations(seed)
    assert not (seed / CACHE_DIRECTORY).exists()


def test_flake8_no_cache_flag_writes_no_cache(seed: Path) -> None:
    result = run(seed, "flake8", "--select", "ARO", "--asyncio-run-no-cache", ".")
    assert reported(seed, result.stdout) == annotations(seed)
    assert not (seed / CACHE_DIRECTORY).exists()


def test_a_bad_cache_value_is_a_config_error(seed: Path) -> None:
    with open(seed / "pyproject.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[tool.flake8-asyncio-run]\ncache = "no"\n')
    result = run(seed, "flake8_asyncio_run", "check", ".")
    assert result.returncode == 2
    assert "'cache' must be true or false" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_changed_module_updates_findings_in_the_others(seed: Path) -> None:
    run(seed, "flake8_asyncio_run", "check", ".")
    # The helper stops running a loop: its callers have nothing to report any more,
    # and the pool is no longer reached from a task that starts loops through it.
    helper = seed / "app" / "utils" / "async_utils.py"
    helper.write_text("def run_sync(coro):\n    return coro\n", "utf-8")
    result = run(seed, "flake8_asyncio_run", "check", "app/workers/tasks.py")
    assert result.stdout == ""


def test_a_same_size_edit_that_keeps_the_mtime_is_seen(seed: Path) -> None:
    """Edited within the cache's racy window (the file was written just before it was
    cached) with the mtime put back: the digest tells."""
    helper = seed / "app" / "utils" / "async_utils.py"
    os.utime(helper)
    run(seed, "flake8_asyncio_run", "check", ".")
    before = helper.stat()
    text = helper.read_text("utf-8")
    helper.write_text(text.replace("asyncio.run(coro)", "asyncio.nur(coro)"), "utf-8")
    os.utime(helper, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert helper.stat().st_size == before.st_size
    result = run(seed, "flake8_asyncio_run", "check", "app/workers/tasks.py")
    assert result.stdout == ""


@pytest.mark.parametrize(
    "content",
    [b"not json at all", b'{"tool": "something-else", "entries": {}}', b"\xff\xfe\x00", b"[]",
     b'{"tool": "flake8-asyncio-run", "schema": 1, "version": "0.1.0", "entries": 3}'],
    ids=["garbage", "foreign", "binary", "list", "wrong-shape"],
)  # fmt: skip
def test_a_corrupt_or_foreign_cache_is_rebuilt(seed: Path, content: bytes) -> None:
    run(seed, "flake8_asyncio_run", "check", ".")
    (index,) = (seed / CACHE_DIRECTORY).glob("index-*.json")
    index.write_bytes(content)
    result = run(seed, "flake8_asyncio_run", "check", ".")
    assert reported(seed, result.stdout) == annotations(seed)
    assert "Traceback" not in result.stderr
    assert json.loads(index.read_text("utf-8"))["tool"] == "flake8-asyncio-run"


def test_a_cache_that_cannot_be_written_falls_back_to_memory(seed: Path) -> None:
    (seed / CACHE_DIRECTORY).write_text("a file where the directory would be", "utf-8")
    result = run(seed, "flake8_asyncio_run", "check", ".")
    assert reported(seed, result.stdout) == annotations(seed)
    assert result.stderr.startswith("Found 7 findings")


def test_concurrent_runs_share_one_cache_safely(seed: Path) -> None:
    """flake8 -j and several editors at once: cold cache, concurrent builders and
    readers, every answer whole and right, and the cache valid after."""

    def one(index: int) -> Expected:
        args = ("flake8", "--select", "ARO", "-j", "2", ".") if index % 2 else (
            "flake8_asyncio_run", "check", ".")  # fmt: skip
        return reported(seed, run(seed, *args).stdout)

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(one, range(6)))
    assert all(answer == annotations(seed) for answer in answers)
    (index,) = (seed / CACHE_DIRECTORY).glob("index-*.json")
    assert json.loads(index.read_text("utf-8"))["entries"]
    assert not list((seed / CACHE_DIRECTORY).glob(".index-*.tmp"))


def test_readers_never_see_half_an_index(seed: Path) -> None:
    options = AnalysisOptions()
    project = build_project(seed, options, (), use_cache=True)
    cache = IndexCache(seed, options)
    stored = cache.load()
    assert stored.entries

    def write(_: int) -> None:
        for _ in range(20):
            cache.save(Stored(stored.entries, stored.words_checked))

    def read(_: int) -> int:
        sizes = set()
        for _ in range(40):
            sizes.add(len(cache.load().entries))
        return len(sizes - {len(stored.entries)})

    with ThreadPoolExecutor(max_workers=4) as pool:
        writers = [pool.submit(write, i) for i in range(2)]
        readers = [pool.submit(read, i) for i in range(2)]
        assert [r.result() for r in readers] == [0, 0]
        for w in writers:
            w.result()
    assert set(project.index.modules) >= {"database.connection", "app.workers.tasks"}


def test_only_changed_modules_are_summarised_again(seed: Path, summarised: list[str]) -> None:
    options = AnalysisOptions()
    build_project(seed, options, ())
    summarised.clear()  # the first build is cold
    for entry in (seed / CACHE_DIRECTORY).glob("index-*.json"):
        # Make every entry old enough to be trusted by its stat alone.
        data = json.loads(entry.read_text("utf-8"))
        for value in data["entries"].values():
            value["cached_ns"] = value["mtime_ns"] + 10**10
        entry.write_text(json.dumps(data), "utf-8")
    build_project(seed, options, ())
    assert summarised == []
    connection = seed / "database" / "connection.py"
    connection.write_text(connection.read_text("utf-8") + "\n# edited\n", "utf-8")
    build_project(seed, options, ())
    assert summarised == ["database.connection"]


def test_concurrent_cold_builders_summarise_once(
    seed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """flake8 -j 2 on a cold cache: one builder summarises, under the cache's lock; the
    other waits and loads what it wrote."""
    import threading
    import time

    from flake8_asyncio_run.project import build

    summarised: list[str] = []
    guard = threading.Lock()
    real = build.summarize_source

    def slow(data: bytes, name: build.ModuleName, opts: AnalysisOptions) -> object:
        with guard:
            summarised.append(name.name)
        time.sleep(0.01)  # long enough for the other builder to reach the lock
        return real(data, name, opts)

    monkeypatch.setattr(build, "summarize_source", slow)
    options = AnalysisOptions()
    with ThreadPoolExecutor(max_workers=2) as pool:
        built = list(pool.map(lambda _: build_project(seed, options, ()), range(2)))
    assert len(summarised) == len(set(summarised)), sorted(summarised)
    assert built[0].index.modules == built[1].index.modules
    assert "database.connection" in built[0].index.modules
