"""Which modules the project index parses, and which the analysis's prefilter lets
through, because of names other modules define (``project/words.py``).

A name counts in a module only where the module can name it: it imports the name, or
the module (or a re-export) that defines it, or it is that module.  The promise is
that this changes no finding: the last tests build the index of each fixture project
both ways (every module summarised, and only those the selection picks) and compare
what ``check`` reports.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import cli

from flake8_asyncio_run.checker import check_files
from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.import_lines import import_name_bytes, import_names
from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.project import build
from flake8_asyncio_run.project.build import build_project
from flake8_asyncio_run.project.cacheable import may_cache_in_globals
from flake8_asyncio_run.project.layout import project_files
from flake8_asyncio_run.project.registry import Projects
from flake8_asyncio_run.project.words import SourcedWords, sourced

FIXTURES = Path(__file__).parent / "fixtures"


# import_names -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "names"),
    [
        (b"from app.db import get_pool\n", {"app", "db", "get_pool"}),
        (b"import app.db as database\n", {"app", "db", "database"}),
        (b"from . import main\n", {"main"}),
        (b"x = 1; import tools.cli\n", {"x", "tools", "cli"}),
        (b"from app import (\n    a,  # see f(x)\n    # b)\n    main,\n)\n", {"a", "main", "f"}),
        (b"from app \\\n    import main\n", {"app", "main"}),
        (b"from app import a, \\\n    main\n", {"a", "main"}),
        (b"from app import a\r\nfrom b import \\\r\n main\r\n", {"a", "main"}),
        (b"from app import a\rfrom cr import main\r", {"cr", "main"}),
        (b"if TYPE_CHECKING:\n    from app.db import get_pool\n", {"db", "get_pool"}),
        ("from caf\u00e9 import g\u00e9t\n".encode(), {"caf\u00e9", "g\u00e9t"}),
        (b"\xef\xbb\xbfimport asyncio\n", {"asyncio"}),  # a BOM right before ``import``
    ],
)
def test_import_names_holds_every_imported_name(text: bytes, names: set[str]) -> None:
    assert names <= import_names(text)


@pytest.mark.parametrize(
    "text",
    [
        b"import os\nmain()\n",
        b"importlib.import_module('x')\nmain()\n",
        b"_import = 1\nmain = 2\n",
        b"def f(main, db):\n    return main\n",
    ],
)
def test_import_names_leave_out_names_outside_import_statements(text: bytes) -> None:
    assert not {"main", "db"} & import_names(text)


def test_import_names_remember_only_the_same_bytes_object() -> None:
    """The last answer is reused for the very same bytes object (the prefilter asks
    twice), never for other bytes, even equal ones made anew or of the same length."""
    first = b"import app.db\n"
    assert import_name_bytes(first) == {b"import", b"app", b"db"}
    assert import_name_bytes(first) is import_name_bytes(first)
    other = b"import app.xy\n"
    assert import_name_bytes(other) == {b"import", b"app", b"xy"}
    assert import_name_bytes(first) == {b"import", b"app", b"db"}
    equal = bytes(bytearray(first))
    assert equal is not first and import_name_bytes(equal) == {b"import", b"app", b"db"}


# nameable / any_pair_in ---------------------------------------------------------------
WORDS = sourced([("main", "tools.cli"), ("get_pool", "app.db"), ("get_pool", "app")])


@pytest.mark.parametrize(
    ("text", "own", "expected"),
    [
        (b"def f():\n    main()\n", "", set()),  # spelled, not importable from here
        (b"from tools.cli import main\nmain()\n", "", {"main"}),
        (b"from tools import cli\ncli.main()\n", "", {"main"}),
        (b"import tools.cli\ntools.cli.main()\n", "", {"main"}),
        (b"from . import main\nmain()\n", "", {"main"}),
        (b"def g():\n    main()\n", "tools.cli", {"main"}),  # its own function
        (b"from app import get_pool\n", "", {"get_pool"}),  # a re-export
        (b"from app import x\nget_pool()\n", "", {"get_pool"}),  # the re-exporter imported
        (b"from tools import cli\n", "", set()),  # imports the module, spells no word
        # Python reads identifiers in NFKC form: a fullwidth name is the ASCII one.
        ("from tools.cli import \uff4d\uff41\uff49\uff4e\n".encode(), "", {"main"}),
    ],
)
def test_a_word_counts_where_the_module_can_name_it(
    text: bytes, own: str, expected: set[str]
) -> None:
    assert WORDS.nameable(text, own) == expected
    pairs = WORDS.pairs
    assert WORDS.any_pair_in(text, pairs) == bool(expected) or own != ""


def test_text_that_is_not_utf8_counts_every_word_it_spells() -> None:
    """A coding cookie may name a codec that spells ASCII otherwise: no import test."""
    text = b"# -*- coding: latin-1 -*-\nx = '\xe9'\nmain()\n"
    assert WORDS.nameable(text) == {"main"}
    assert WORDS.any_pair_in(text, WORDS.pairs)


def test_pairs_name_each_word_with_each_of_its_modules() -> None:
    assert WORDS.pairs == {"main tools.cli", "get_pool app.db", "get_pool app"}
    assert not SourcedWords()
    assert WORDS.words == {"main", "get_pool"}


# The index: a chain through modules that spell no async syntax ------------------------
CHAIN = {
    "pyproject.toml": "",
    "app/__init__.py": "",
    "app/db.py": (
        "import asyncpg\n\n_pool = None\n\n\n"
        "async def get_pool():\n    global _pool\n"
        "    if _pool is None:\n        _pool = await asyncpg.create_pool('x')\n"
        "    return _pool\n"
    ),
    # A plain function on the way, and a renaming re-export: no ``async`` in either.
    "app/repo.py": "from app.db import get_pool\n\n\ndef pool_of():\n    return get_pool()\n",
    "app/api.py": "from app.repo import pool_of as acquire\n",
    "app/handlers.py": ("from app.api import acquire\n\n\ndef handle(x):\n    return acquire()\n"),
    "app/tasks.py": (
        "import asyncio\n\nfrom app import handlers\n\n\n"
        "def task(x):\n    return asyncio.run(handlers.handle(x))\n"
    ),
    # Spells ``handle`` and ``get_pool``, imports neither module: never parsed.
    "app/unrelated.py": "def handle(get_pool):\n    return get_pool\n",
    # A generic entry name, and a module that spells it without importing it.
    "tools/__init__.py": "",
    "tools/cli.py": "import asyncio\n\n\nasync def amain():\n    pass\n\n\n"
    "def main():\n    asyncio.run(amain())\n",
    "tools/other.py": "def main():\n    return 1\n\n\nmain()\n",
}


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")


def test_the_chain_is_summarised_and_only_the_chain(tmp_path: Path, summarised: list[str]) -> None:
    _write(tmp_path, CHAIN)
    project = build_project(tmp_path, AnalysisOptions(), (), use_cache=False)
    assert sorted(summarised) == [
        "app.api",
        "app.db",
        "app.handlers",
        "app.repo",
        "app.tasks",
        "tools.cli",
    ]
    reach = project.index.reach("app.db", "_pool")
    assert reach is not None
    assert reach.chain == ("tasks.task", "handlers.handle", "repo.pool_of", "db.get_pool")
    # The modules left out are known to be quiet: the analysis does not look at them.
    assert set(project.quiet) == {
        str(tmp_path / "app" / "__init__.py"),
        str(tmp_path / "app" / "unrelated.py"),
        str(tmp_path / "tools" / "__init__.py"),
        str(tmp_path / "tools" / "other.py"),
    }


def test_the_chain_is_reported_by_check(tmp_path: Path) -> None:
    _write(tmp_path, CHAIN)
    run = cli(tmp_path, "check", "--no-cache", ".")
    assert run.returncode == 1, run.stderr
    assert "app/db.py:9:" in run.stdout
    assert "ARO201" in run.stdout
    assert "tasks.task → handlers.handle → repo.pool_of → db.get_pool" in run.stdout


def test_a_quiet_module_edited_after_the_build_is_analysed(tmp_path: Path) -> None:
    """The index's word that a module is quiet holds for the bytes it read only."""
    _write(tmp_path, CHAIN)
    settings = Settings()
    projects = Projects(settings.analysis, (), use_cache=False)
    other = str(tmp_path / "tools" / "other.py")
    projects.prepare([other])
    (tmp_path / "tools" / "other.py").write_text(
        "import asyncio\n\n\ndef f(c, d):\n    asyncio.run(c)\n    asyncio.run(d)\n", "utf-8"
    )
    [result] = check_files([other], settings, 1, projects)
    assert [f.code for f in result.findings] == ["ARO101"]


# The promise: the selection changes no finding ------------------------------------------
def _findings(root: Path, everything: bool, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    with monkeypatch.context() as patch:
        if everything:
            patch.setattr(build, "worth_summarising", lambda data, options: True)
        settings = Settings()
        paths = sorted(project_files(root, (), ()))
        projects = Projects(settings.analysis, (), use_cache=False)
        results = check_files(paths, settings, 1, projects)
    return [
        f"{Path(r.path).relative_to(root)}:{f.span.line}:{f.span.col}: {f.code} {f.message}"
        for r in results
        for f in r.findings
    ]


@pytest.mark.parametrize("fixture", ["project_seed", "seed_cross", "seed_cross_fixed", "chain"])
def test_the_selection_changes_no_finding(
    fixture: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if fixture == "chain":
        _write(tmp_path, CHAIN)
        root = tmp_path
    else:
        root = FIXTURES / fixture
    selected = _findings(root, everything=False, monkeypatch=monkeypatch)
    assert selected == _findings(root, everything=True, monkeypatch=monkeypatch)
    if fixture in ("project_seed", "seed_cross", "chain"):
        assert any("ARO201" in line for line in selected)


# A factory's result cached in module globals, read from the text ----------------------
FACTORY_WORDS = ("ClientSession", "Lock", "create_pool")


@pytest.mark.parametrize(
    "text",
    [
        "import aiohttp\nSESSION = aiohttp.ClientSession()\n",
        "import aiohttp\ntry:\n    SESSION = aiohttp.ClientSession()\n"
        "except ImportError:\n    pass\n",
        "import aiohttp\nif True:\n    if x:\n        S = aiohttp.ClientSession()\n",
        "import aiohttp\nSESSION = (\n    aiohttp.ClientSession\n)\nS = SESSION()\n",
        "import aiohttp\nCS = aiohttp.ClientSession\n",
        "from aiohttp import ClientSession as CS\nS = CS()\n",
        "import asyncpg\n_pool = None\n\n\nasync def get():\n    global _pool\n"
        "    _pool = await asyncpg.create_pool()\n",
        "import asyncio\nLOCK = asyncio.Lock \\\n    ()\n",
        "import asyncio\nlocks = dict(default=asyncio.Lock)\n",
        # A def header inside a string is no header: the call is at module level.
        'import asyncio\ntry:\n    DOC = """\ndef f():\n"""\n    L = asyncio.Lock()\n'
        "except E:\n    pass\n",
        # Text after a ``#`` at module level may be code (the ``#`` in a string).
        'import asyncio\nX = "#"; L = asyncio.Lock()\n',
        "import asyncio\n# asyncio.Lock() in a comment\n",
        "import asyncio\n\fL = asyncio.Lock()\n",
    ],
    ids=lambda text: text.splitlines()[1][:30],
)
def test_a_factory_that_module_level_code_may_cache_counts(text: str) -> None:
    assert may_cache_in_globals(text.encode(), FACTORY_WORDS)


@pytest.mark.parametrize(
    "text",
    [
        "import aiohttp\n\n\nasync def f():\n    async with aiohttp.ClientSession() as s:\n"
        "        return s\n",
        "import asyncio\n\n\nclass A:\n    def __init__(self):\n        if x:\n"
        "            self.lock = asyncio.Lock()\n",
        "import asyncio\n\n\nclass A:\n    lock = asyncio.Lock()\n",  # a class attribute
        "from aiohttp import ClientSession\n\n\ndef f() -> ClientSession:\n"
        "    return ClientSession()\n",
        "import aiohttp\nSESSION: aiohttp.ClientSession | None = None\n",
    ],
    ids=lambda text: text.splitlines()[-1].strip()[:30],
)
def test_a_factory_called_only_in_bodies_does_not_count(text: str) -> None:
    assert not may_cache_in_globals(text.encode(), FACTORY_WORDS)


# Worker processes pay by the work the index leaves, not by the number of files -------
@pytest.mark.parametrize(("busy", "forks"), [(8, False), (40, True)])
def test_workers_start_only_for_files_the_index_did_not_find_quiet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, busy: int, forks: bool
) -> None:
    import concurrent.futures

    from flake8_asyncio_run import checker

    (tmp_path / "pyproject.toml").write_text("")
    package = tmp_path / "pkg"
    package.mkdir()
    for n in range(600):  # far above the file-count threshold, all quiet
        (package / f"plain{n}.py").write_text(f"def f{n}(x):\n    return x + {n}\n")
    for n in range(busy):
        (package / f"busy{n}.py").write_text(
            "import asyncio\n\n\ndef f(a, b):\n    asyncio.run(a)\n    asyncio.run(b)\n"
        )
    pools: list[object] = []

    class SpyPool(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, *args: object, **kwargs: object) -> None:
            pools.append(self)
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", SpyPool)
    settings = Settings()
    paths = sorted(project_files(tmp_path, (), ()))
    projects = Projects(settings.analysis, (), use_cache=False)
    results = check_files(paths, settings, 2, projects)
    assert bool(pools) == forks
    assert sum(1 for r in results if r.findings) == busy
    assert (busy >= checker.PARALLEL_WORK_THRESHOLD) == forks
