"""Crash-freedom: the analysis never raises on real code (the installed stdlib, the bench
corpus) nor on generated code with runner calls spliced in, and what it returns keeps
its contract (sorted, one finding per code and line, spans inside the file)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import sysconfig
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flake8_asyncio_run.analysis import Analysis, analyze_source, analyze_tree
from flake8_asyncio_run.lines import split_lines
from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.plugin import Plugin
from flake8_asyncio_run.rules import RULES

STDLIB = Path(sysconfig.get_paths()["stdlib"])
CORPUS = Path(__file__).resolve().parent.parent / "bench" / "corpus"

#: Everyday stdlib callables configured as runners and factories, so that the rules
#: really run on every file, not only on the few that use asyncio.
BUSY = AnalysisOptions(
    runners=("os.path.join", "os.fspath", "subprocess.run", "isinstance.__call__"),
    factories=("collections.OrderedDict", "threading.Lock", "re.compile"),
)


def python_files(root: Path, skip: tuple[str, ...] = ()) -> list[Path]:
    return sorted(
        p for p in root.rglob("*.py") if not any(part in skip for part in p.relative_to(root).parts)
    )


def parse(path: Path) -> tuple[str, ast.Module] | None:
    """The text and tree of a file Python itself can compile, else None."""
    try:
        text = path.read_bytes().decode("utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes in old test files
            return text, ast.parse(text, str(path))
    except (UnicodeDecodeError, SyntaxError, ValueError):
        return None


def assert_contract(analysis: Analysis, text: str) -> None:
    lines = split_lines(text)
    keys = [f.sort_key() for f in analysis.findings]
    assert keys == sorted(keys)
    assert len({(f.code, f.line) for f in analysis.findings}) == len(analysis.findings)
    for finding in analysis.findings:
        assert finding.code in RULES
        span = finding.span
        assert 1 <= span.line <= span.end_line <= len(lines)
        assert 0 <= span.col <= len(lines[span.line - 1])
        assert 0 <= span.end_col <= len(lines[span.end_line - 1])
        if finding.code in ("ARO101", "ARO105"):
            # (first call of the path, ..., this call); two calls on one line share one
            # finding, which carries both.
            assert len(finding.calls) >= 2
            assert span in {call.span for call in finding.calls}
        if finding.code == "ARO102":
            assert finding.loop is not None and finding.loop.line <= span.line
    for call in analysis.runner_calls:
        assert 1 <= call.span.line <= len(lines)


def check_file(path: Path, options: AnalysisOptions) -> int:
    parsed = parse(path)
    if parsed is None:
        return 0
    text, tree = parsed
    analysis = analyze_tree(tree, split_lines(text), options)
    assert_contract(analysis, text)
    return len(analysis.findings)


# --- The installed stdlib -----------------------------------------------------------------


#: Debian and Ubuntu split the standard library into packages (668 files in Debian 12's
#: libpython3.11-stdlib, against about 2,000 in a full CPython), so the bound only says
#: that the walk found a real stdlib, whichever build it is.
STDLIB_MINIMUM = 300


def stdlib_files() -> list[Path]:
    return python_files(STDLIB, skip=("site-packages", "dist-packages"))


def test_stdlib_files_that_mention_runner_modules() -> None:
    """Fast: every stdlib file the prefilter lets through, with the default options."""
    checked = 0
    for path in stdlib_files():
        try:
            text = path.read_bytes().decode("utf-8")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                analysis = analyze_source(text, str(path))
        except (UnicodeDecodeError, SyntaxError, ValueError):
            continue
        assert_contract(analysis, text)
        checked += 1
    assert checked > STDLIB_MINIMUM


@pytest.mark.slow
def test_whole_stdlib_with_busy_options() -> None:
    """Stdlib files through the whole tree walk, with common calls as runners."""
    files = stdlib_files()
    assert len(files) > STDLIB_MINIMUM
    # Every file already went through the analysis above; here a deterministic sample
    # (ARO_STDLIB_STEP=1 for all of them) takes the whole walk with busy options.
    step = int(os.environ.get("ARO_STDLIB_STEP", "3"))
    findings = sum(check_file(path, BUSY) for path in files[::step])
    # The options really made the rules run.
    assert findings > 100


# --- The benchmark corpus, when it has been downloaded -------------------------------------


def corpus_files() -> list[Path]:
    return python_files(CORPUS) if CORPUS.is_dir() else []


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="bench/corpus not downloaded (bench/corpus.py)")
def test_bench_corpus() -> None:
    files = corpus_files()
    assert files
    for path in files:
        parsed = parse(path)
        if parsed is None:
            continue
        text, _ = parsed
        assert_contract(analyze_source(text, str(path)), text)
    # A deterministic sample through the whole walk with busy options.
    step = int(os.environ.get("ARO_CORPUS_STEP", "20"))
    for path in files[::step]:
        check_file(path, BUSY)


# --- Generated code with runner calls spliced in -------------------------------------------

RUNNER_STATEMENTS = (
    "asyncio.run(work())",
    "aio.run(work())",
    "go(work())",
    "anyio.run(work, 1)",
    "async_to_sync(work)(1)",
    "run_sync(work())",
    "asyncio.get_event_loop()",
    "_pool = asyncpg.create_pool()",
)
PRELUDE = (
    "import asyncio\nimport asyncio as aio\nimport anyio\nimport asyncpg\n"
    "from asyncio import run as go\nfrom asgiref.sync import async_to_sync\n"
    "def run_sync(c):\n    return asyncio.run(c)\n"
)


class Splicer(ast.NodeTransformer):
    """Put a runner statement at the start and end of every statement block."""

    def __init__(self, choices: list[int]) -> None:
        self.choices = choices or [0]
        self.count = 0

    def _statement(self) -> ast.stmt:
        text = RUNNER_STATEMENTS[
            self.choices[self.count % len(self.choices)] % len(RUNNER_STATEMENTS)
        ]
        self.count += 1
        return ast.parse(text).body[0]

    def _splice(self, body: list[ast.stmt]) -> list[ast.stmt]:
        return [self._statement(), *body, self._statement()]

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                setattr(node, name, self._splice(block))
        return node


def splice(source: str, choices: list[int]) -> str | None:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    try:
        spliced = Splicer(choices).visit(tree)
        ast.fix_missing_locations(spliced)
        text = PRELUDE + ast.unparse(spliced) + "\n"
        compile(text, "<spliced>", "exec")
    except (SyntaxError, ValueError, RecursionError):
        # A 'global' after use, 'return' outside a function and the like: skip.
        return None
    return text


def analyse_everywhere(text: str) -> Analysis:
    analysis = analyze_source(text, "<generated>", BUSY)
    assert_contract(analysis, text)
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    plugin_findings = list(Plugin(tree, lines).run())
    default = analyze_source(text, "<generated>")
    assert [(f.line, f.col, f"{f.code} {f.message}") for f in default.findings] == [
        (line, col, message) for line, col, message, _ in plugin_findings
    ]
    return analysis


def test_spliced_runner_calls_are_analysed() -> None:
    """The splicer really produces runner calls the rules see."""
    text = splice("def f(x):\n    if x:\n        pass\n    for i in x:\n        pass\n", [0, 1])
    assert text is not None
    codes = {f.code for f in analyse_everywhere(text).findings}
    assert {"ARO101", "ARO102"} <= codes


try:
    import hypothesmith
except ImportError:  # pragma: no cover - hypothesmith is in the test extra
    hypothesmith = None


@pytest.mark.slow
@pytest.mark.skipif(hypothesmith is None, reason="hypothesmith not installed")
@settings(
    max_examples=int(os.environ.get("ARO_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(
    source=hypothesmith.from_node() if hypothesmith else st.just(""),
    choices=st.lists(st.integers(0, 50), min_size=1, max_size=8),
)
def test_generated_code_with_spliced_runners(source: str, choices: list[int]) -> None:
    text = splice(source, choices)
    if text is None:
        return
    analyse_everywhere(text)


@pytest.mark.slow
@pytest.mark.skipif(hypothesmith is None, reason="hypothesmith not installed")
@settings(
    max_examples=int(os.environ.get("ARO_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(source=hypothesmith.from_grammar() if hypothesmith else st.just(""))
def test_generated_text_never_crashes(source: str) -> None:
    """Arbitrary grammatical text (which may not compile): no exception but SyntaxError."""
    try:
        analysis = analyze_source(PRELUDE + source, "<generated>", BUSY)
    except (SyntaxError, ValueError):
        return
    assert_contract(analysis, PRELUDE + source)


def _iter_blocks(tree: ast.AST) -> Iterator[list[ast.stmt]]:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
            yield body


def test_deeply_nested_code_does_not_overflow() -> None:
    depth = 60
    lines = ["import asyncio", "def f(x):"]
    for level in range(depth):
        lines.append("    " * (level + 1) + "if x:")
    lines.append("    " * (depth + 1) + "asyncio.run(a())")
    lines.append("    " * (depth + 1) + "asyncio.run(b())")
    text = "\n".join(lines) + "\n"
    analysis = analyze_source(text)
    assert [f.code for f in analysis.findings] == ["ARO101"]
    assert sum(1 for _ in _iter_blocks(ast.parse(text))) == depth + 2


@pytest.mark.parametrize("terms", [600, 1500])
def test_deep_operator_chains_parse_and_analyse(terms: int) -> None:
    """A long ``a + b + ...`` chain is a left-deep tree several hundred levels deep (as in
    sympy's generated tables): the visitors must not hit the recursion limit."""
    chain = " + ".join(f"v{i}" for i in range(terms))
    text = (
        f"import asyncio\ndef f():\n    asyncio.run(a())\n    x = {chain}\n    asyncio.run(b())\n"
    )
    limit = sys.getrecursionlimit()
    analysis = analyze_source(text)
    assert [f.code for f in analysis.findings] == ["ARO101"]
    assert sys.getrecursionlimit() == limit


def test_too_deep_to_parse_is_a_syntax_error_in_check(tmp_path: Path) -> None:
    chain = " + ".join(f"v{i}" for i in range(4000))
    (tmp_path / "deep.py").write_text(f"import asyncio\nasyncio.run(a())\nx = {chain}\n", "utf-8")
    (tmp_path / "tasks.py").write_text(
        "import asyncio\nasyncio.run(a())\nasyncio.run(b())\n", "utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", "check", "--isolated", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "./deep.py:1:1: E999 SyntaxError: " in result.stdout
    assert "./tasks.py:3:1: ARO101 " in result.stdout


def test_long_straight_line_function() -> None:
    calls = 400
    text = "import asyncio\ndef f():\n" + "".join(
        f"    asyncio.run(a({i}))\n" for i in range(calls)
    )
    analysis = analyze_source(text)
    assert len(analysis.findings) == calls - 1
    assert analysis.findings[-1].message.startswith(f"asyncio.run() starts a {calls}th event loop")


def test_many_branches_do_not_explode() -> None:
    """Paths double with each if; the state must stay small (summaries, not paths)."""
    branches = 60
    body = "".join(
        f"    if x == {i}:\n        asyncio.run(a({i}))\n    else:\n        pass\n"
        for i in range(branches)
    )
    text = "import asyncio\ndef f(x):\n" + body
    analysis = analyze_source(text)
    assert len(analysis.findings) == branches - 1
