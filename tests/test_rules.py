"""The annotated rule files under tests/rules/ are the specification of every rule.

A line that must be reported ends with ``# error: ARO101`` (several codes
comma-separated: ``# error: ARO101, ARO102``); every other line of the file must not be
reported.  A code may pin the column it is reported at, 1-based as flake8 prints it:
``# error: ARO101:5`` or ``# error: ARO101:5, ARO102:9``; then every front end must
report it there (positions are part of the interface).  A file may start with
``# options: asyncio-runners=a.b,c.d; loop-bound-factories=x.y`` to run with options,
which the harness passes to every front end.

Each file is checked three ways, and all three must agree exactly:

* the analysis API (``analyze_source``);
* flake8 with the installed plugin, in a subprocess (``flake8 --select ARO``);
* the ``flake8-asyncio-run check`` command, in a subprocess.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

import pytest
from spec_files import Report, RuleFile, _parse_reports, parse_rule_file

from flake8_asyncio_run.analysis import analyze_source
from flake8_asyncio_run.findings import Finding
from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.rules import RULES, ModuleReporter, Reporter, ScopeReporter

RULES_DIR = Path(__file__).parent / "rules"
RULE_FILES = sorted(RULES_DIR.glob("*.py"))


def _groups() -> dict[tuple[str, ...], list[Path]]:
    groups: dict[tuple[str, ...], list[Path]] = defaultdict(list)
    for path in RULE_FILES:
        groups[tuple(parse_rule_file(path).flags)].append(path)
    return groups


@cache
def flake8_reports(tmp: str) -> dict[str, set[Report]]:
    """One flake8 run per option set, from an empty directory (no config files)."""
    reports: dict[str, set[Report]] = {}
    for flags, paths in _groups().items():
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "flake8",
                "--isolated",
                "--select",
                "ARO",
                *flags,
                *(str(p) for p in paths),
            ],
            cwd=tmp,
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=False,
        )
        assert result.returncode in (0, 1), result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        reports.update(_parse_reports(result.stdout))
    return reports


@cache
def check_reports(tmp: str) -> dict[str, set[Report]]:
    """One ``flake8-asyncio-run check`` run per option set."""
    reports: dict[str, set[Report]] = {}
    for flags, paths in _groups().items():
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "flake8_asyncio_run",
                "check",
                "--isolated",
                *flags,
                *(str(p) for p in paths),
            ],
            cwd=tmp,
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=False,
        )
        assert result.returncode in (0, 1), result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        reports.update(_parse_reports(result.stdout))
    return reports


@pytest.fixture(scope="module")
def empty_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("empty"))


def api_reports(rule_file: RuleFile) -> set[Report]:
    analysis = analyze_source(
        rule_file.path.read_text("utf-8"), str(rule_file.path), rule_file.analysis_options
    )
    return {(f.span.line, f.span.col + 1, f.code, f.message) for f in analysis.findings}


def _describe(missing: set[tuple[int, str]], extra: set[tuple[int, str]]) -> str:
    parts = []
    if missing:
        parts.append(
            "not reported: " + ", ".join(f"{line}:{code}" for line, code in sorted(missing))
        )
    if extra:
        parts.append(
            "reported but not annotated: "
            + ", ".join(f"{line}:{code}" for line, code in sorted(extra))
        )
    return "; ".join(parts)


def test_rule_files_exist() -> None:
    assert len(RULE_FILES) >= 9
    annotated = set()
    for path in RULE_FILES:
        annotated |= {code for _, code in parse_rule_file(path).expected}
    assert annotated == set(RULES), "every rule needs annotated positives"


def assert_reports_match(rule_file: RuleFile, reports: set[Report]) -> None:
    """The reported (line, code) pairs are the annotated ones, at the pinned columns."""
    found = {(line, code) for line, _, code, _ in reports}
    assert found == rule_file.expected, _describe(
        rule_file.expected - found, found - rule_file.expected
    )
    columns = {(line, code): col for line, col, code, _ in reports}
    wrong = [
        f"{line}:{code} at column {columns[(line, code)]}, pinned {pinned}"
        for (line, code), pinned in rule_file.columns
        if columns[(line, code)] != pinned
    ]
    assert not wrong, "; ".join(wrong)


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.name for p in RULE_FILES])
def test_analysis_api(path: Path) -> None:
    rule_file = parse_rule_file(path)
    assert_reports_match(rule_file, api_reports(rule_file))


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.name for p in RULE_FILES])
def test_flake8_plugin(path: Path, empty_dir: str) -> None:
    rule_file = parse_rule_file(path)
    assert_reports_match(rule_file, flake8_reports(empty_dir).get(str(path.resolve()), set()))


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.name for p in RULE_FILES])
def test_check_command(path: Path, empty_dir: str) -> None:
    rule_file = parse_rule_file(path)
    assert_reports_match(rule_file, check_reports(empty_dir).get(str(path.resolve()), set()))


def test_every_rule_has_a_pinned_column() -> None:
    pinned = {code for path in RULE_FILES for (_, code), _ in parse_rule_file(path).columns}
    assert pinned == {code for code, rule in RULES.items() if rule.status == "stable"}


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.name for p in RULE_FILES])
def test_front_ends_identical(path: Path, empty_dir: str) -> None:
    """Line, column, code and message are the same through every front end."""
    rule_file = parse_rule_file(path)
    api = api_reports(rule_file)
    key = str(path.resolve())
    assert flake8_reports(empty_dir).get(key, set()) == api
    assert check_reports(empty_dir).get(key, set()) == api


def test_each_reporter_emits_the_codes_whose_rows_name_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every registered rule names a reporter, and over the spec files each reporter
    emits exactly the codes whose rows name it: none is left unreported, none is
    emitted by a reporter its row does not name."""
    emitted: dict[Reporter, set[str]] = defaultdict(set)

    def spy(reporter: Reporter) -> Reporter:
        def record(findings: Iterable[Finding]) -> Iterator[Finding]:
            for finding in findings:
                emitted[reporter].add(finding.code)
                yield finding

        if isinstance(reporter, ScopeReporter):
            scope_report = reporter.report
            return ScopeReporter(
                reporter.scopes, lambda view, flow: record(scope_report(view, flow))
            )
        module_report = reporter.report
        return ModuleReporter(lambda module: record(module_report(module)))

    declared: dict[Reporter, set[str]] = defaultdict(set)
    spies: dict[Reporter, Reporter] = {}
    for code, rule in RULES.items():
        assert rule.reporter is not None or rule.status == "removed", f"{code} has no reporter"
        if rule.reporter is not None:
            declared[rule.reporter].add(code)
            wrapped = spies.setdefault(rule.reporter, spy(rule.reporter))
            monkeypatch.setitem(RULES, code, dataclasses.replace(rule, reporter=wrapped))
    for path in RULE_FILES:
        api_reports(parse_rule_file(path))
    assert dict(emitted) == dict(declared)
    assert set().union(*declared.values()) == {c for c, r in RULES.items() if r.status == "stable"}


def test_harness_reads_annotations(tmp_path: Path) -> None:
    """The harness itself: annotations and option headers are parsed as documented."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "# options: asyncio-runners=a.b, c.d; loop-bound-factories=x.y\n"
        "x = 1  # error: ARO101, ARO102\n"
        "y = 2  # error: not-a-code\n"
        "z = 3  # error: ARO101:5, ARO102\n"
        "w = 4  # error: ARO104:12,ARO105:1\n",
        "utf-8",
    )
    parsed = parse_rule_file(sample)
    assert parsed.expected == {
        (2, "ARO101"),
        (2, "ARO102"),
        (4, "ARO101"),
        (4, "ARO102"),
        (5, "ARO104"),
        (5, "ARO105"),
    }
    assert dict(parsed.columns) == {(4, "ARO101"): 5, (5, "ARO104"): 12, (5, "ARO105"): 1}
    assert parsed.analysis_options == AnalysisOptions(("a.b", "c.d"), ("x.y",))
    assert parsed.flags == ["--asyncio-runners=a.b,c.d", "--loop-bound-factories=x.y"]


# --- Messages ---------------------------------------------------------------------------


def _messages(path: str) -> dict[tuple[int, str], str]:
    rule_file = parse_rule_file(RULES_DIR / path)
    return {(line, code): message for line, _, code, message in api_reports(rule_file)}


def _line_of(path: str, needle: str) -> int:
    for number, line in enumerate((RULES_DIR / path).read_text("utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def test_message_seed_scenario() -> None:
    messages = _messages("aro101_paths.py")
    first = _line_of("aro101_paths.py", "photo = asyncio.run(fetch(photo_key))")
    assert messages[(first + 1, "ARO101")] == (
        "asyncio.run() starts a 2nd event loop in 'analyze_photo_task' "
        f"(first at line {first}); combine the awaits into one coroutine run once"
    )
    assert "a 3rd event loop" in messages[(first + 2, "ARO101")]
    assert "a 4th event loop" in messages[(first + 3, "ARO101")]


def test_message_uses_the_larger_count_and_that_paths_first_call() -> None:
    messages = _messages("aro101_paths.py")
    path = "aro101_paths.py"
    one = _line_of(path, "def nth_and_mth") + 2
    last = _line_of(path, "asyncio.run(fetch(4))")
    # The call on line `last` is the 3rd on the `if` path (first: line `one`) and the
    # 2nd on the `else` path (first: fetch(3)): the larger count, the if path's first.
    assert messages[(last, "ARO101")].startswith(
        f"asyncio.run() starts a 3rd event loop in 'nth_and_mth' (first at line {one});"
    )


def test_message_scopes_are_qualified() -> None:
    messages = _messages("aro101_scopes.py")
    line = _line_of("aro101_scopes.py", "asyncio.run(work(3))")
    assert "in 'outer.inner'" in messages[(line, "ARO101")]
    line = _line_of("aro101_scopes.py", 'replica = asyncio.run(work("replica"))')
    assert "in 'Settings'" in messages[(line, "ARO101")]
    line = _line_of("aro101_scopes.py", "@functools.lru_cache(maxsize=asyncio.run(work(2)))")
    assert "in '<module>'" in messages[(line, "ARO101")]


def test_message_aro102_names_the_outermost_repeating_loop() -> None:
    path = "aro102_loops.py"
    messages = _messages(path)
    loop = _line_of(path, "def nested_loops") + 1
    call = loop + 2
    assert messages[(call, "ARO102")] == (
        "asyncio.run() inside a loop starts a new event loop on every iteration in "
        f"'nested_loops' (loop at line {loop}); run the whole loop in one coroutine"
    )
    # The inner loop always breaks after the call: the outer loop repeats it.
    outer = _line_of(path, "def break_in_inner_loop_only") + 1
    assert f"(loop at line {outer})" in messages[(outer + 2, "ARO102")]


def test_message_aro103_raises_for_asyncio_blocks_for_anyio_and_trio() -> None:
    path = "aro103_async.py"
    messages = _messages(path)
    asyncio_line = _line_of(path, "    asyncio.run(work(1))  # error: ARO103")
    assert messages[(asyncio_line, "ARO103")] == (
        "asyncio.run() inside async function 'handler' raises \"RuntimeError: "
        'asyncio.run() cannot be called from a running event loop"; await the coroutine '
        "instead"
    )
    for needle, name in (
        ("anyio.run(work, 1)", "anyio.run()"),
        ("trio.run(work, 1)", "trio.run()"),
    ):
        message = messages[(_line_of(path, needle), "ARO103")]
        assert message.startswith(f"{name} inside async function")
        assert "blocks the running event loop" in message
        assert "raises" not in message
    # anyio on its default asyncio backend refuses to start instead; the message says so.
    assert messages[(_line_of(path, "anyio.run(work, 1)"), "ARO103")] == (
        "anyio.run() inside async function 'anyio_blocks' blocks the running event loop until "
        'it finishes, or fails at once under asyncio ("Already running asyncio in this thread"); '
        "await the async function directly"
    )
    assert "fails at once" not in messages[(_line_of(path, "trio.run(work, 1)"), "ARO103")]
    message = messages[(_line_of(path, "async_to_sync(work)(1)"), "ARO103")]
    assert "You cannot use AsyncToSync in the same thread as an async event loop" in message


def test_message_wrappers_name_the_runner_behind_them() -> None:
    path = "wrappers.py"
    messages = _messages(path)
    line = _line_of(path, "run_with_logging(work(2))")
    first = _line_of(path, "run_twice_removed(work(1))")
    assert messages[(line, "ARO101")] == (
        "run_with_logging() (wraps asyncio.run()) starts a 2nd event loop in "
        f"'through_wrapper_of_wrapper' (first at line {first}); combine the awaits into one "
        "coroutine run once"
    )
    assert messages[(_line_of(path, "run_anyio(work, 2)"), "ARO101")].startswith(
        "run_anyio() (wraps anyio.run())"
    )
    assert messages[(_line_of(path, "run_a2s(work, 2)"), "ARO105")].startswith(
        "run_a2s() (wraps async_to_sync())"
    )
    assert messages[
        (_line_of(path, "    run_sync(work(1))  # error: ARO103"), "ARO103")
    ].startswith("run_sync() (wraps asyncio.run()) inside async function 'wrapper_in_async' raises")


def test_message_configured_runner() -> None:
    path = "configured_runners.py"
    messages = _messages(path)
    assert messages[(_line_of(path, "u.run_sync(work(2))"), "ARO101")].startswith(
        "myproj.utils.run_sync() starts a 2nd event loop in 'module_alias'"
    )


def test_message_aro104_names_the_managed_call() -> None:
    path = "aro104_mixed.py"
    messages = _messages(path)
    run_line = _line_of(path, "def get_after_run") + 1
    assert messages[(run_line + 1, "ARO104")] == (
        f"asyncio.get_event_loop() in 'get_after_run', which also runs asyncio.run() "
        f"(line {run_line}), mixes a managed event loop with a hand-managed one; use one "
        "asyncio.run() (or asyncio.Runner) alone"
    )


def test_message_aro104_recommends_get_running_loop_for_a_probe() -> None:
    path = "aro104_paths.py"
    messages = _messages(path)
    advice = (
        "; to test for a running loop, call asyncio.get_running_loop() instead "
        "(it raises RuntimeError when none runs)"
    )
    in_try = _line_of(path, "def run_after_probe_in_try") + 2
    assert messages[(in_try, "ARO104")] == (
        "asyncio.get_event_loop() in 'run_after_probe_in_try', which also runs "
        f"asyncio.run() (line {in_try + 3}), mixes a managed event loop with a "
        f"hand-managed one{advice}"
    )
    for probe in ("def probe_with_is_running", "def direct_is_running"):
        assert messages[(_line_of(path, probe) + 1, "ARO104")].endswith(advice)
    # Not a probe: the usual advice.
    not_probe = _line_of(path, "def get_after_run_on_one_branch") + 3
    assert messages[(not_probe, "ARO104")].endswith(
        "; use one asyncio.run() (or asyncio.Runner) alone"
    )


def test_message_aro105_names_what_async_to_sync_made() -> None:
    path = "aro105_async_to_sync.py"
    messages = _messages(path)
    second = _line_of(path, "def decorated_twice") + 2
    assert messages[(second, "ARO105")] == (
        "notify() (made by async_to_sync()) starts a 2nd event loop in "
        f"'decorated_twice' (first at line {second - 1}); combine the awaits into one "
        "coroutine run once"
    )


def test_message_aro201_names_resource_global_and_starter() -> None:
    path = "aro201_globals.py"
    messages = _messages(path)
    task = _line_of(path, "def task(job_id)")
    line = _line_of(path, "_pool = await asyncpg.create_pool(")
    assert messages[(line, "ARO201")] == (
        "asyncpg pool cached in module global '_pool' is bound to the first event loop "
        f"that uses it, but 'tests.rules.aro201_globals:task' (line {task}) starts a new "
        "event loop per call and reaches it (aro201_globals.task → "
        "aro201_globals.use_everything → aro201_globals.get_pool); create it inside the "
        "coroutine (async with) or keep one loop per worker"
    )
    expected = {
        "client = httpx.AsyncClient()": "httpx AsyncClient",
        "session = aiohttp.ClientSession()": "aiohttp ClientSession",
        "connector = TCPConnector(limit=10)": "aiohttp TCPConnector",
        "cache = redis.asyncio.Redis()": "redis.asyncio client",
        "redis_pool = ConnectionPool(": "redis.asyncio connection pool",
        "engine = create_async_engine(": "SQLAlchemy async engine",
        "mongo = motor.motor_asyncio.AsyncIOMotorClient()": "Motor client",
        "_rabbit = await aio_pika.connect_robust(": "aio-pika connection",
        "_conn = await asyncpg.connect(": "asyncpg connection",
        "queue = asyncio.Queue()": "asyncio.Queue",
        "condition = asyncio.Condition()": "asyncio.Condition",
    }
    for needle, resource in expected.items():
        assert messages[(_line_of(path, needle), "ARO201")].startswith(f"{resource} cached in")
    # A call of a wrapper starts a loop per call: the first such entry point is named.
    kinds = _messages("aro201_runner_kinds.py")
    entry = _line_of("aro201_runner_kinds.py", "def through_wrapper")
    assert (
        f"but 'tests.rules.aro201_runner_kinds:through_wrapper' (line {entry}) starts a new "
        "event loop per call and reaches it (aro201_runner_kinds.through_wrapper → "
        "aro201_runner_kinds.fetch)"
    ) in kinds[(_line_of("aro201_runner_kinds.py", "client ="), "ARO201")]
    options = _messages("aro201_factories_option.py")
    assert options[
        (_line_of("aro201_factories_option.py", "pool = make_pool()"), "ARO201")
    ].startswith("'myproj.db.make_pool' resource cached in module global 'pool'")
