"""The prefilter never hides a finding, and parallel checking changes no result.

The promise: for every file, if the analysis (run without the prefilter) finds
something, the prefilter lets the file through.  Checked on hand-made runner forms, on
the stdlib files that come closest (they name a runner module but are filtered out), and
on a sample of the rest.  ``ARO_FULL_PREFILTER_SWEEP=1`` sweeps every stdlib file and the
benchmark corpora (when ``python bench/corpus.py`` and ``python bench/corpus.py --async``
have fetched them): a few minutes.
The filter is derived from the rules: a rule declared with ``needs_runner=False`` is let
through by its triggers, or turns the filter off.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest

from flake8_asyncio_run import checker
from flake8_asyncio_run.analysis import Analysis, analyze_source, analyze_tree
from flake8_asyncio_run.checker import FileResult, check_bytes, check_files, check_source
from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.findings import Finding, ScopeRef, Span
from flake8_asyncio_run.lines import split_lines
from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.prefilter import (
    might_run_event_loops,
    might_run_event_loops_bytes,
    rule_triggers,
    runner_pairs,
)
from flake8_asyncio_run.rules import RULES, ModuleView, Rule, in_module
from flake8_asyncio_run.sourcefile import decode_source

DEFAULT = AnalysisOptions()
CONFIGURED = AnalysisOptions(runners=("myproj.utils.run_sync",))
REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "bench" / "corpus"
#: The async corpus (``python bench/corpus.py --async``): most files import asyncio.
ASYNC_CORPUS = REPO / "bench" / "corpus-async"


def analyse_unfiltered(data: bytes, options: AnalysisOptions) -> Analysis | None:
    """The analysis as if there were no prefilter (None: the file does not parse)."""
    try:
        text = decode_source(data).text
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    return analyze_tree(tree, split_lines(text), options)


def assert_promise(data: bytes, options: AnalysisOptions, name: str) -> bool:
    """Findings imply a pass; returns whether the analysis found anything."""
    analysis = analyse_unfiltered(data, options)
    if analysis is None or not analysis.findings:
        return False
    assert might_run_event_loops_bytes(data, options), f"bytes prefilter hides {name}"
    assert might_run_event_loops(decode_source(data).text, options), f"prefilter hides {name}"
    return True


# --- Hand-made runner forms: each has findings, and each must pass -----------------------

TWO_CALLS = "def task():\n    {a}\n    {b}\n"

POSITIVE: dict[str, tuple[str, AnalysisOptions]] = {
    "import": (
        "import asyncio\n" + TWO_CALLS.format(a="asyncio.run(a())", b="asyncio.run(b())"),
        DEFAULT,
    ),
    "alias": (
        "import asyncio as aio\n" + TWO_CALLS.format(a="aio.run(a())", b="aio.run(b())"),
        DEFAULT,
    ),
    "from": ("from asyncio import run\n" + TWO_CALLS.format(a="run(a())", b="run(b())"), DEFAULT),
    "from-as": (
        "from asyncio import run as go\n" + TWO_CALLS.format(a="go(a())", b="go(b())"),
        DEFAULT,
    ),
    "star": ("from asyncio import *\n" + TWO_CALLS.format(a="run(a())", b="run(b())"), DEFAULT),
    "submodule": (
        "import asyncio.runners\n"
        + TWO_CALLS.format(a="asyncio.runners.run(a())", b="asyncio.runners.run(b())"),
        DEFAULT,
    ),
    "comma": (
        "import os, asyncio\n" + TWO_CALLS.format(a="asyncio.run(a())", b="asyncio.run(b())"),
        DEFAULT,
    ),
    "comma-no-space": (
        "import os,asyncio\n" + TWO_CALLS.format(a="asyncio.run(a())", b="asyncio.run(b())"),
        DEFAULT,
    ),
    "continuation": (
        "import os, \\\n    asyncio\n"
        + TWO_CALLS.format(a="asyncio.run(a())", b="asyncio.run(b())"),
        DEFAULT,
    ),
    "continuation-crlf": (
        "from \\\r\n  asyncio import \\\r\n  run\r\n"
        "def task():\r\n    run(a())\r\n    run(b())\r\n",
        DEFAULT,
    ),
    "tab-formfeed": (
        "import\t\x0casyncio\n" + TWO_CALLS.format(a="asyncio.run(a())", b="asyncio.run(b())"),
        DEFAULT,
    ),
    "semicolon": (
        "import os;import asyncio\n" + TWO_CALLS.format(a="asyncio.run(a())", b="asyncio.run(b())"),
        DEFAULT,
    ),
    "spaced-attribute": (
        "import asyncio\n" + TWO_CALLS.format(a="asyncio . run(a())", b="asyncio.\\\n  run(b())"),
        DEFAULT,
    ),
    "alias-assignment": (
        "import asyncio\ngo = asyncio.run\n" + TWO_CALLS.format(a="go(a())", b="go(b())"),
        DEFAULT,
    ),
    "local-import": (
        "def task():\n    import asyncio\n    asyncio.run(a())\n    asyncio.run(b())\n",
        DEFAULT,
    ),
    "anyio": ("import anyio\n" + TWO_CALLS.format(a="anyio.run(a)", b="anyio.run(b)"), DEFAULT),
    "trio": ("from trio import run\n" + TWO_CALLS.format(a="run(a)", b="run(b)"), DEFAULT),
    "asgiref": (
        "from asgiref.sync import async_to_sync\n"
        + TWO_CALLS.format(a="async_to_sync(a)()", b="async_to_sync(b)()"),
        DEFAULT,
    ),
    "asgiref-module": (
        "import asgiref.sync as s\n"
        + TWO_CALLS.format(a="s.async_to_sync(a)()", b="s.async_to_sync(b)()"),
        DEFAULT,
    ),
    "in-loop": (
        "import asyncio\ndef task(xs):\n    for x in xs:\n        asyncio.run(x)\n",
        DEFAULT,
    ),
    "in-async": ("import asyncio\nasync def main():\n    asyncio.run(a())\n", DEFAULT),
    "wrapper": (
        "import asyncio\ndef run_sync(c):\n    return asyncio.run(c)\n"
        + TWO_CALLS.format(a="run_sync(a())", b="run_sync(b())"),
        DEFAULT,
    ),
    "configured": (
        "from myproj.utils import run_sync\n"
        + TWO_CALLS.format(a="run_sync(a())", b="run_sync(b())"),
        CONFIGURED,
    ),
    "configured-module": (
        "import myproj.utils as u\n" + TWO_CALLS.format(a="u.run_sync(a())", b="u.run_sync(b())"),
        CONFIGURED,
    ),
    # Python reads identifiers in NFKC form: these are asyncio, run and import.
    "fullwidth-module": (
        "import \uff41\uff53\uff59\uff4e\uff43\uff49\uff4f\n"
        + TWO_CALLS.format(a="asyncio.run(a())", b="asyncio.run(b())"),
        DEFAULT,
    ),
    "fullwidth-name": (
        "import asyncio\n"
        + TWO_CALLS.format(a="asyncio.\uff52\uff55\uff4e(a())", b="asyncio.\uff52un(b())"),
        DEFAULT,
    ),
    "ligature": (
        "from asyncio import run as \ufb01rst\n"
        + TWO_CALLS.format(a="first(a())", b="\ufb01rst(b())"),
        DEFAULT,
    ),
    # The call-shaped test: the name must be reachable as the analysis resolves it.
    "spaced-call": (
        "import asyncio\n" + TWO_CALLS.format(a="asyncio . run (a())", b="asyncio .run\\\n(b())"),
        DEFAULT,
    ),
    "bracketed-lines": (
        "import asyncio\n"
        + TWO_CALLS.format(a="(asyncio\n        .run)(a())", b="(asyncio.\n        run(b()))"),
        DEFAULT,
    ),
    "comment-between": (
        "import asyncio\n"
        + TWO_CALLS.format(
            a="(asyncio  # x.y\n        .run(a()))", b="(asyncio.  # (\n  run(b()))"
        ),
        DEFAULT,
    ),
    "runners-module": (
        "from asyncio import runners\n"
        + TWO_CALLS.format(a="runners.run(a())", b="runners.run(b())"),
        DEFAULT,
    ),
    "submodule-as": (
        "import asyncio.runners as r\n" + TWO_CALLS.format(a="r.run(a())", b="r.run(b())"),
        DEFAULT,
    ),
    "module-alias-assignment": (
        "import asyncio\naio = asyncio\n" + TWO_CALLS.format(a="aio.run(a())", b="aio.run(b())"),
        DEFAULT,
    ),
    "alias-of-alias": (
        "import asyncio as a\nb = (a)\nc = b.runners\n"
        + TWO_CALLS.format(a="c.run(a())", b="b.run(b())"),
        DEFAULT,
    ),
    "alias-of-runner-alias": (
        "from asyncio import run as go\nstart = go\n"
        + TWO_CALLS.format(a="start(a())", b="start(b())"),
        DEFAULT,
    ),
    "from-list-with-comment": (
        "from asyncio import (  # see (the docs)\n    sleep,\n    run,\n)\n"
        + TWO_CALLS.format(a="run(a())", b="run(b())"),
        DEFAULT,
    ),
    "from-continuation-as": (
        "from asyncio import sleep, \\\n    run as go\n"
        + TWO_CALLS.format(a="go(a())", b="go(b())"),
        DEFAULT,
    ),
    "from-spaced-module": (
        "from asyncio . runners import run\n" + TWO_CALLS.format(a="run(a())", b="run(b())"),
        DEFAULT,
    ),
    "non-ascii-alias": (
        "import asyncio as \u03b1io\n"
        + TWO_CALLS.format(a="\u03b1io.run(a())", b="\u03b1io.run(b())"),
        DEFAULT,
    ),
    "non-ascii-alias-assignment": (
        "import asyncio\n\u03b1\u03b2 = asyncio\n"
        + TWO_CALLS.format(a="\u03b1\u03b2.run(a())", b="\u03b1\u03b2.run(b())"),
        DEFAULT,
    ),
    "async_to_sync-decorator": (
        "from asgiref.sync import async_to_sync\n@async_to_sync\nasync def send():\n    pass\n"
        + TWO_CALLS.format(a="send()", b="send()"),
        DEFAULT,
    ),
    "async_to_sync-bound": (
        "import asgiref.sync\nsend = asgiref.sync.async_to_sync(f)\n"
        + TWO_CALLS.format(a="send()", b="send()"),
        DEFAULT,
    ),
    "anyio-alias": (
        "import anyio as a\n" + TWO_CALLS.format(a="a.run(f)", b="a.run(g)"),
        DEFAULT,
    ),
    "trio-star": ("from trio import *\n" + TWO_CALLS.format(a="run(f)", b="run(g)"), DEFAULT),
    "runner-passed-on": (
        "import asyncio\ngo = asyncio.run\n" + TWO_CALLS.format(a="go(a())", b="go(b())"),
        DEFAULT,
    ),
    "configured-from-package": (
        "from myproj import utils\n"
        + TWO_CALLS.format(a="utils.run_sync(a())", b="utils.run_sync(b())"),
        CONFIGURED,
    ),
    # ARO106 needs no runner: its triggers, nest_asyncio(2).apply, let the file through.
    "nest_asyncio": ("import nest_asyncio\nnest_asyncio.apply()\n", DEFAULT),
    "nest_asyncio-alias": ("import nest_asyncio as na\ndef f():\n    na.apply()\n", DEFAULT),
    "nest_asyncio-from-as": (
        "from nest_asyncio import apply as patch\nclass C:\n    patch(loop)\n",
        DEFAULT,
    ),
    "nest_asyncio2": ("from nest_asyncio2 import apply\nasync def f():\n    apply()\n", DEFAULT),
    "nest_asyncio-star": ("from nest_asyncio import *\napply()\n", DEFAULT),
    "nest_asyncio-fullwidth": (
        "import \uff4eest_asyncio\nnest_asyncio.\uff41pply()\n",
        DEFAULT,
    ),
}


@pytest.mark.parametrize("name", sorted(POSITIVE))
def test_runner_forms_with_findings_pass(name: str) -> None:
    source, options = POSITIVE[name]
    data = source.encode("utf-8")
    assert assert_promise(data, options, name), f"{name}: the case has no finding"


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "latin-1", "cp1252", "shift_jis", "utf-16"]
)
def test_encodings(encoding: str) -> None:
    source = "import asyncio\n" + TWO_CALLS.format(a="asyncio.run(a('é'))", b="asyncio.run(b())")
    if encoding == "shift_jis":
        source = source.replace("é", "日本")
    cookie = "" if encoding.startswith("utf-8") else f"# -*- coding: {encoding} -*-\n"
    text = cookie + source
    data = text.encode(encoding)
    analysis = analyse_unfiltered(data, DEFAULT)
    if analysis is None:
        # Python itself cannot read this codec as source: no findings, nothing to hide.
        assert encoding == "utf-16"
        return
    assert assert_promise(data, DEFAULT, encoding)


NEGATIVE: dict[str, str] = {
    "no runner module": "import os\ndef task():\n    run(a())\n    run(b())\n",
    "module but no runner name": "import asyncio\nasync def f():\n    await asyncio.sleep(1)\n",
    "sync_to_async only": "from asgiref.sync import sync_to_async\nf = sync_to_async(g)\nrun = 1\n",
    "submodule of another package": "from sqlalchemy.ext.asyncio import create_engine\nrun()\n",
    "private module": "import _asyncio\n_asyncio.run(a())\n_asyncio.run(b())\n",
    "relative import": "from .asyncio import run\nrun(a())\nrun(b())\n",
    "only in prose": "# we use asyncio to run things\ndef task():\n    pass\n",
    "only a longer word": "import asyncio\ndef task():\n    return runner.running\n",
    "apply without nest_asyncio": "import os\ndef task(df):\n    df.apply(f)\n    apply()\n",
    "nest_asyncio only in prose": "# nest_asyncio.apply() is not used here\napply()\n",
    "nest_asyncio imported, no apply": "import nest_asyncio\nprint(nest_asyncio.__name__)\n",
    "relative nest_asyncio": "from .nest_asyncio import apply\napply()\n",
    "longer module name": "import nest_asyncio_extra\nnest_asyncio_extra.apply()\n",
    # The call-shaped test: ``run`` spelled where no runner can be.
    "another module's run": (
        "import asyncio, subprocess\ndef task():\n    subprocess.run(a)\n    subprocess.run(b)\n"
    ),
    "a method run": (
        "import asyncio\nclass C:\n    def run(self):\n        self.run()\n        self.run()\n"
    ),
    "run only in prose": 'import asyncio\n# run it twice\ndef task():\n    """run"""\n',
    "getattr": (
        "import asyncio\ndef task():\n"
        '    getattr(asyncio, "run")(a())\n    getattr(asyncio, "run")(b())\n'
    ),
    "a call's attribute": "import asyncio\ndef task():\n    get().run(a())\n    get().run(b())\n",
    "from another module": (
        "import asyncio\nfrom subprocess import run\ndef task():\n    run(a)\n    run(b)\n"
    ),
    "bare run": "import asyncio\ndef task():\n    run(a())\n    run(b())\n",
    "with-as": "import asyncio\nwith open(p) as f:\n    f.run()\n    f.run()\n",
    "an app's run": "import asyncio\napp = Flask(__name__)\napp.run()\napp.run()\n",
    "trio's run through asyncio": "import asyncio\nimport trio as t\nasyncio.sleep\nx.run(f)\n",
    "factory from the wrong module": "import redis\nfrom redis import Redis\nr = redis.Redis()\n",
    "async_to_sync of another module": (
        "from asgiref.sync import sync_to_async\nfrom mylib import async_to_sync\n"
        "@async_to_sync\nasync def f():\n    pass\nf()\nf()\n"
    ),
}


@pytest.mark.parametrize("name", sorted(NEGATIVE))
def test_files_without_runners_are_filtered_out(name: str) -> None:
    source = NEGATIVE[name]
    data = source.encode()
    analysis = analyse_unfiltered(data, DEFAULT)
    assert analysis is not None and not analysis.findings
    assert not might_run_event_loops(source, DEFAULT)
    assert not might_run_event_loops_bytes(data, DEFAULT)


RUNNER_MODULES = {"asyncio", "anyio", "trio", "asgiref"}


def test_keys_on_runner_modules() -> None:
    assert set(runner_pairs(DEFAULT)) == RUNNER_MODULES
    assert set(runner_pairs(CONFIGURED)) == {*RUNNER_MODULES, "myproj"}
    assert runner_pairs(CONFIGURED)["myproj"] == {"run_sync"}
    # A configured runner needs its own module name: the word run_sync alone is not enough.
    source = "from other import run_sync\nrun_sync(a())\nrun_sync(b())\n"
    assert not might_run_event_loops(source, CONFIGURED)


# --- The filter is derived from the rules ---------------------------------------------

#: A file that calls a made-up trigger, and nothing a shipped rule reports.
PATCH = "import loop_patch\nloop_patch.install()\n"


@in_module
def _report_every_file(module: ModuleView) -> Iterator[Finding]:
    """A stand-in reporter: it reports every file the analysis reaches."""
    yield Finding(
        "ARO199",
        "loop_patch.install() ...",
        Span(2, 0, 2, 20),
        ScopeRef("module", "<module>", 0, 0),
    )


#: A made-up rule whose findings need no runner call, triggered by ``loop_patch.install``.
NEEDS_NO_RUNNER = Rule(
    "ARO199",
    "loop-patch-install",
    "loop_patch.install() patches the running event loop.",
    "A rule whose findings need no runner call.",
    "never",
    manual_fix="remove it",
    reporter=_report_every_file,
    needs_runner=False,
    triggers=("loop_patch.install",),
)


def test_every_shipped_rule_needs_a_runner_a_trigger_or_a_factory() -> None:
    """What prefilter.py's docstring says of today's rules (update both together):
    ARO106 and ARO201 alone need no runner in their file; ARO106's triggers are
    nest_asyncio(2).apply, ARO201's the factories."""
    assert [c for c, rule in RULES.items() if not rule.needs_runner] == ["ARO106", "ARO201"]
    assert RULES["ARO201"].factory_triggered and not RULES["ARO201"].triggers
    assert not RULES["ARO106"].factory_triggered
    assert rule_triggers(RULES.values()) == ("nest_asyncio.apply", "nest_asyncio2.apply")
    assert set(runner_pairs(DEFAULT)) == RUNNER_MODULES  # the triggers are no runners


NEST = "import nest_asyncio\nnest_asyncio.apply()\n"


def test_aro106_files_pass_through_every_front_end() -> None:
    """A file with nothing but the patch has no runner, yet passes and is reported."""
    assert might_run_event_loops(NEST, DEFAULT)
    assert might_run_event_loops_bytes(NEST.encode(), DEFAULT)
    assert [f.code for f in analyze_source(NEST).findings] == ["ARO106"]
    assert [f.code for f in check_source(NEST, "t.py", Settings()).findings] == ["ARO106"]
    assert [f.code for f in check_bytes(NEST.encode(), "t.py", Settings()).findings] == ["ARO106"]


def test_aro106_without_its_triggers_filters_its_files_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The triggers are what let such a file through.  (A replaced row keeps its place
    in the registry; a deleted one would come back last.)"""
    declared_as_runner_rule = dataclasses.replace(RULES["ARO106"], needs_runner=True, triggers=())
    monkeypatch.setitem(RULES, "ARO106", declared_as_runner_rule)
    assert not might_run_event_loops(NEST, DEFAULT)
    assert not might_run_event_loops_bytes(NEST.encode(), DEFAULT)
    assert analyze_source(NEST).findings == ()


def test_a_rule_that_needs_no_runner_is_not_filtered_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert not might_run_event_loops(PATCH, DEFAULT)
    monkeypatch.setitem(RULES, "ARO199", NEEDS_NO_RUNNER)
    # Its trigger lets the file through, in text and in bytes, and every front end's
    # path reports it.
    assert might_run_event_loops(PATCH, DEFAULT)
    assert might_run_event_loops_bytes(PATCH.encode(), DEFAULT)
    assert [f.code for f in analyze_source(PATCH).findings] == ["ARO199"]
    assert [f.code for f in check_source(PATCH, "t.py", Settings()).findings] == ["ARO199"]
    assert [f.code for f in check_bytes(PATCH.encode(), "t.py", Settings()).findings] == ["ARO199"]
    # Files that cannot call a trigger (or a runner) are still filtered out.
    for source in ("import os\nos.install()\n", "from .loop_patch import install\ninstall()\n"):
        assert not might_run_event_loops(source, DEFAULT)
    assert might_run_event_loops(WITH_FINDINGS, DEFAULT)


def test_a_rule_that_needs_no_runner_and_names_no_trigger_stops_the_filter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(RULES, "ARO199", dataclasses.replace(NEEDS_NO_RUNNER, triggers=()))
    assert rule_triggers(RULES.values()) is None
    for source in (PATCH, "import os\n", ""):
        assert might_run_event_loops(source, DEFAULT)
        assert might_run_event_loops_bytes(source.encode(), DEFAULT)
    assert [f.code for f in analyze_source("x = 1\n").findings] == ["ARO199"]


# --- Real code ------------------------------------------------------------------------


def _stdlib_files() -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    return sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)


def _corpus_files(roots: tuple[Path, ...] = (CORPUS,)) -> list[Path]:
    return [path for root in roots if root.is_dir() for path in sorted(root.rglob("*.py"))]


def _sweep(files: list[Path]) -> Iterator[tuple[Path, bool]]:
    """(file, found something) for the files the prefilter filters out."""
    for path in files:
        data = path.read_bytes()
        if not might_run_event_loops_bytes(data, DEFAULT):
            analysis = analyse_unfiltered(data, DEFAULT)
            yield path, bool(analysis and analysis.findings)


def test_near_misses_in_real_code_have_no_findings() -> None:
    """Files that name a runner module but are filtered out: the closest calls."""
    roots = [m.encode() for m in RUNNER_MODULES]
    near = [p for p in _stdlib_files() + _corpus_files() if any(r in p.read_bytes() for r in roots)]
    swept = list(_sweep(near))
    assert len(swept) > 10, "expected stdlib files that mention asyncio without running it"
    assert [p for p, found in swept if found] == []


def test_sample_of_real_code_has_no_hidden_findings() -> None:
    files = _stdlib_files()[::25] + _corpus_files()[::50]
    assert [p for p, found in _sweep(files) if found] == []


@pytest.mark.skipif(
    not os.environ.get("ARO_FULL_PREFILTER_SWEEP"), reason="set ARO_FULL_PREFILTER_SWEEP=1"
)
def test_full_sweep_of_stdlib_and_corpus() -> None:
    files = _stdlib_files() + _corpus_files((CORPUS, ASYNC_CORPUS))
    hidden = [p for p, found in _sweep(files) if found]
    assert hidden == []


# --- Parallel checking ---------------------------------------------------------------------

WITH_FINDINGS = "import asyncio\n" + TWO_CALLS.format(a="asyncio.run(a())", b="asyncio.run(b())")


def _tree(root: Path, count: int) -> list[str]:
    kinds = [
        WITH_FINDINGS.encode(),
        b"import os\nprint(os.sep)\n",
        b"import asyncio\ndef broken(:\n    asyncio.run(x)\n",  # a syntax error that passes
        WITH_FINDINGS.encode() + b"x = asyncio.run(c())  # noqa: ARO101\n",
        b"\xef\xbb\xbf" + WITH_FINDINGS.encode(),
        b"# -*- coding: latin-1 -*-\n"
        + WITH_FINDINGS.replace("a()", "a('\xe9')").encode("latin-1"),
    ]
    paths = []
    for index in range(count):
        path = root / f"pkg{index % 7}" / f"m{index}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(kinds[index % len(kinds)])
        paths.append(str(path))
    paths.insert(count // 2, str(root / "missing.py"))  # an I/O error mid-way
    return paths


def test_parallel_results_equal_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import concurrent.futures

    pools: list[object] = []

    class SpyPool(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, *args: object, **kwargs: object) -> None:
            pools.append(self)
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    paths = _tree(tmp_path, checker.PARALLEL_THRESHOLD + 50)
    settings = Settings()
    serial = check_files(paths, settings, jobs=1)
    assert pools == []
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", SpyPool)
    parallel = check_files(paths, settings, jobs=2)
    assert len(pools) == 1, "the parallel path was not taken"
    assert [r.path for r in parallel] == paths
    assert parallel == serial
    kinds = _summarise(serial)
    assert kinds["findings"] and kinds["clean"] and kinds["syntax"] and kinds["error"] == 1


def _summarise(results: list[FileResult]) -> dict[str, int]:
    summary = {"findings": 0, "clean": 0, "syntax": 0, "error": 0}
    for result in results:
        if result.error:
            summary["error"] += 1
        elif result.syntax_error:
            summary["syntax"] += 1
        elif result.findings:
            summary["findings"] += 1
        else:
            summary["clean"] += 1
    return summary


def test_small_runs_stay_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import concurrent.futures

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a small run started worker processes")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", refuse)
    paths = _tree(tmp_path, 20)
    results = check_files(paths, Settings(), jobs=2)
    assert _summarise(results)["findings"] > 0


# --- Compiled excludes (a speed-up of the walk) -------------------------------------------


def test_compiled_excludes_match_path_matches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flake8_asyncio_run.config import DEFAULT_EXCLUDE
    from flake8_asyncio_run.discovery import is_excluded
    from flake8_asyncio_run.selection import path_matches

    monkeypatch.chdir(tmp_path)
    patterns = [*DEFAULT_EXCLUDE, "bench/corpus", "*.pyi", "./tests/*", "tests", "[ab]*.py"]
    patterns += [str(tmp_path / "abs" / "x*"), "sub/dir/?.py", "django*", "*/migrations/*"]
    patterns += ["x|y.py", "(z)"]  # the compiled form joins patterns as alternatives
    paths = ["a.py", "c.py", "./tests/t.py", "tests", "bench/corpus", "bench/corpus/x.py"]
    paths += [".venv", "x/.git", "sub/dir/a.py", "sub/dir/ab.py", "app/migrations/0001.py"]
    paths += [str(tmp_path / "abs" / "xyz"), "django-5/x.py", "stub.pyi", "../up.py"]
    paths += ["x|y.py", "x", "y.py", "(z)", "z"]
    for count in (1, 2, len(patterns)):
        for start in range(len(patterns)):
            chosen = (patterns[start:] + patterns[:start])[:count]
            for path in paths:
                expected = any(path_matches(path, p) for p in chosen)
                assert is_excluded(path, chosen) == expected, (path, chosen)


def test_plugin_import_loads_neither_libcst_nor_the_analysis() -> None:
    import subprocess
    import sys

    code = (
        "import sys, flake8_asyncio_run.plugin\n"
        "print(sorted(m for m in sys.modules if m.startswith('libcst')"
        " or m == 'flake8_asyncio_run.analysis'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
