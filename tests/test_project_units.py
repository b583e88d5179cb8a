"""The project index's parts, one by one: where a project is and what its modules are
called, which calls a function makes on every path, which functions are pass-throughs
or entries, and how reach follows imports, re-exports and methods."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from flake8_asyncio_run.analysis import analyze_source
from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.project.build import build_project
from flake8_asyncio_run.project.every_path import calls_on_every_path
from flake8_asyncio_run.project.layout import module_name, project_files, project_root
from flake8_asyncio_run.project.registry import Projects
from flake8_asyncio_run.resolution import absolute_module

# --- Layout ------------------------------------------------------------------------------


def make(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), "utf-8")
    return root


@pytest.mark.parametrize("marker", ["pyproject.toml", "setup.cfg", "setup.py", ".git"])
def test_the_root_is_the_nearest_marked_directory(tmp_path: Path, marker: str) -> None:
    make(
        tmp_path,
        {f"proj/{marker}" if marker != ".git" else "proj/.git/HEAD": "", "proj/a/b.py": ""},
    )
    assert project_root(tmp_path / "proj" / "a" / "b.py") == tmp_path / "proj"


def test_a_file_without_a_root_is_a_project_of_its_own(tmp_path: Path) -> None:
    make(tmp_path, {"loose/a.py": ""})
    # tmp_path may sit under a marked directory on some machines: only assert the
    # module name, which is then relative to the file's own directory.
    if project_root(tmp_path / "loose" / "a.py") is None:
        assert module_name(tmp_path / "loose" / "a.py", None).name == "a"


@pytest.mark.parametrize(
    ("path", "name", "package", "short"),
    [
        ("app/db.py", "app.db", False, None),
        ("app/__init__.py", "app", True, None),
        ("src/pkg/mod.py", "pkg.mod", False, None),
        ("ns/inner/mod.py", "ns.inner.mod", False, None),  # namespace packages
        ("backend/app/db.py", "backend.app.db", False, "app.db"),
        ("backend/app/__init__.py", "backend.app", True, "app"),
        ("backend/app/sub/mod.py", "backend.app.sub.mod", False, "app.sub.mod"),
        ("backend/app/sub/__init__.py", "backend.app.sub", True, "app.sub"),
    ],
)
def test_module_names(
    tmp_path: Path, path: str, name: str, package: bool, short: str | None
) -> None:
    make(tmp_path, {"pyproject.toml": "", "app/__init__.py": "", "src/pkg/__init__.py": "",
                    "backend/app/__init__.py": "", "backend/app/sub/__init__.py": "",
                    path: ""})  # fmt: skip
    found = module_name(tmp_path / path, tmp_path)
    assert (found.name, found.is_package, found.short) == (name, package, short)


@pytest.mark.parametrize(
    ("source", "package", "expected"),
    [
        ("from .db import x", "app.workers", "app.workers.db"),
        ("from ..db import x", "app.workers", "app.db"),
        ("from . import x", "app", "app"),
        ("from ... import x", "app.workers", None),  # more dots than parts
        ("from .db import x", "", None),  # a top-level module has no package
        ("from .db import x", None, None),
        ("from db import x", None, "db"),
    ],
)
def test_relative_imports_resolve_as_python_does(
    source: str, package: str | None, expected: str | None
) -> None:
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.ImportFrom)
    assert absolute_module(node, package) == expected


# --- Every path --------------------------------------------------------------------------


def every(source: str) -> frozenset[str]:
    function = ast.parse(textwrap.dedent(source)).body[0]
    assert isinstance(function, ast.FunctionDef)
    return calls_on_every_path(
        function.body, lambda c: c.func.id if isinstance(c.func, ast.Name) else None
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f(c):\n    return run(c)\n", {"run"}),
        ("def f(c):\n    log()\n    run(c)\n", {"log", "run"}),
        ("def f(c, x):\n    if x:\n        return run(c)\n    return None\n", set()),
        ("def f(c, x):\n    if x:\n        run(c)\n    else:\n        run(c)\n", {"run"}),
        ("def f(c, x):\n    if x:\n        raise E()\n    return run(c)\n", {"run"}),
        ("def f(c, xs):\n    for x in xs:\n        run(c)\n", set()),
        ("def f(c):\n    try:\n        run(c)\n    except E:\n        pass\n", set()),
        ("def f(c):\n    try:\n        run(c)\n    finally:\n        done()\n", {"run", "done"}),
        ("def f(c):\n    with lock():\n        return run(c)\n", {"lock", "run"}),
        ("def f(c, x):\n    return x and run(c)\n", set()),
        ("def f(c, x):\n    return run(c) if x else None\n", set()),
        ("def f(c):\n    return [run(i) for i in c]\n", set()),
        ("def f(c):\n    raise E(run(c))\n", set()),  # never returns
        ("def f(c, x):\n    match x:\n        case 1:\n            return run(c)\n", set()),
    ],
)
def test_calls_on_every_returning_path(source: str, expected: set[str]) -> None:
    assert every(source) == expected


# --- Roles and reach across modules ------------------------------------------------------


def findings(root: Path, relative: str) -> list[tuple[int, str, str]]:
    projects = Projects(AnalysisOptions(), (), [str(root / relative)], use_cache=False)
    context = projects.context(str(root / relative))
    text = (root / relative).read_text("utf-8")
    analysis = analyze_source(text, str(root / relative), context=context)
    return [(f.span.line, f.code, f.message) for f in analysis.findings]


WRAPPERS = {
    "pyproject.toml": "",
    "pkg/__init__.py": "from .runners import run_sync as run_sync\n",
    "pkg/runners.py": """\
        import anyio
        import asyncio

        def run_sync(coro):
            return asyncio.run(coro)

        def run_fn(fn, *args):
            return anyio.run(fn, *args)

        def run_again(coro):
            return run_sync(coro)

        def notify(uid):
            return run_sync(send(uid))

        async def send(uid):
            return uid
        """,
}


@pytest.mark.parametrize(
    ("call", "code"),
    [
        ("from pkg import run_sync as go", "ARO101"),  # a re-export, renamed
        ("from pkg.runners import run_fn as go", "ARO101"),  # callable form
        ("from pkg.runners import run_again as go", "ARO101"),  # wrapper of a wrapper
        ("import pkg.runners as r\ngo = r.run_sync", "ARO101"),  # an alias of an attribute
        ("from pkg.runners import notify as go", None),  # an entry: one loop per call
    ],
)
def test_wrappers_anywhere_in_the_project(tmp_path: Path, call: str, code: str | None) -> None:
    make(tmp_path, {**WRAPPERS, "pkg/jobs.py": f"{call}\n\n\ndef job(c):\n    go(c)\n    go(c)\n"})
    found = findings(tmp_path, "pkg/jobs.py")
    assert [f[1] for f in found] == ([code] if code else [])


def test_an_entry_inside_async_def_is_aro103(tmp_path: Path) -> None:
    make(tmp_path, {**WRAPPERS, "pkg/api.py": (
        "from .runners import notify\n\n\nasync def hook(uid):\n    notify(uid)\n")})  # fmt: skip
    ((line, code, message),) = findings(tmp_path, "pkg/api.py")
    assert (line, code) == (5, "ARO103")
    assert message.startswith("notify() (runs asyncio.run()) inside async function 'hook'")


REACH = {
    "pyproject.toml": "",
    "db.py": """\
        import asyncpg

        _pool = None

        async def get_pool():
            global _pool
            if _pool is None:
                _pool = await asyncpg.create_pool()
            return _pool
        """,
}


@pytest.mark.parametrize(
    ("tasks", "chain"),
    [
        # A method of a class named at the call, through a name bound to an instance.
        ("import asyncio\nfrom repo import Repo\n\n\ndef task():\n    r = Repo()\n"
         "    asyncio.run(r.save())\n", "tasks.task → Repo.save → db.get_pool"),
        # A nested coroutine counts for the function it is in.
        ("import asyncio\nimport db\n\n\ndef task():\n    async def go():\n"
         "        await db.get_pool()\n    asyncio.run(go())\n", "tasks.task → db.get_pool"),
    ],
)  # fmt: skip
def test_reach_follows_methods_and_nested_coroutines(
    tmp_path: Path, tasks: str, chain: str
) -> None:
    repo = "from db import get_pool\n\n\nclass Repo:\n    async def save(self):\n" \
        "        return await self._pool()\n\n    async def _pool(self):\n" \
        "        return await get_pool()\n"  # fmt: skip
    make(tmp_path, {**REACH, "repo.py": repo, "tasks.py": tasks})
    ((_, code, message),) = findings(tmp_path, "db.py")
    assert code == "ARO201"
    expected = chain.replace("Repo.save → ", "Repo.save → Repo._pool → ")
    assert f"reaches it ({expected})" in message


@pytest.mark.parametrize(
    "tasks",
    [
        # The only runner call is at module level: a script's one loop.
        "import asyncio\nimport db\n\n\nasync def main():\n    await db.get_pool()\n\n\n"
        "if __name__ == '__main__':\n    asyncio.run(main())\n",
        # Passed in as an argument, or looked up dynamically: not followed.
        "import asyncio\n\n\ndef task(get):\n    asyncio.run(get())\n",
        "import asyncio\nimport db\n\n\ndef task():\n    asyncio.run(getattr(db, 'get_pool')())\n",
        # A coroutine nobody starts a loop for.
        "import db\n\n\nasync def handler():\n    return await db.get_pool()\n",
    ],
)  # fmt: skip
def test_no_reach_no_aro201(tmp_path: Path, tasks: str) -> None:
    make(tmp_path, {**REACH, "tasks.py": tasks})
    assert findings(tmp_path, "db.py") == []


def test_a_module_the_prefilter_skips_is_still_found_by_its_words(tmp_path: Path) -> None:
    """``tasks.py`` spells no runner, no ``async`` and no factory: only the name of the
    wrapper it calls, which the second pass of the build looks for."""
    make(tmp_path, {**WRAPPERS, "tasks.py": (
        "from pkg import run_sync\nfrom pkg.runners import send\n\n\n"
        "def task():\n    run_sync(send(1))\n    run_sync(send(2))\n")})  # fmt: skip
    project = build_project(tmp_path, AnalysisOptions(), (), use_cache=False)
    assert "tasks" in project.index.modules
    assert [f[1] for f in findings(tmp_path, "tasks.py")] == ["ARO101"]


def test_a_configured_runner_imported_relatively(tmp_path: Path) -> None:
    """A configured runner whose body the index cannot judge (it hands the coroutine to
    a loop it keeps), imported with a relative import: still a runner."""
    make(tmp_path, {
        "pyproject.toml": "",
        "myproj/__init__.py": "",
        "myproj/utils.py": "def run_sync(coro):\n    return LOOP.run_until_complete(coro)\n",
        "myproj/tasks.py": "from .utils import run_sync\n\n\ndef task():\n"
                           "    run_sync(a())\n    run_sync(b())\n",
    })  # fmt: skip
    options = AnalysisOptions(("myproj.utils.run_sync",), ())
    path = tmp_path / "myproj" / "tasks.py"
    context = Projects(options, (), [str(path)], use_cache=False).context(str(path))
    analysis = analyze_source(path.read_text("utf-8"), str(path), options, context)
    assert [(f.span.line, f.code) for f in analysis.findings] == [(6, "ARO101")]
    assert analysis.findings[0].message.startswith("myproj.utils.run_sync() starts a 2nd")


def test_a_nested_project_is_not_part_of_the_outer_one(tmp_path: Path) -> None:
    make(tmp_path, {"pyproject.toml": "", "a.py": "", "vendor/lib/pyproject.toml": "",
                    "vendor/lib/b.py": "", "vendor/c.py": ""})  # fmt: skip
    files = project_files(tmp_path, ())
    assert sorted(Path(f).relative_to(tmp_path).as_posix() for f in files) == [
        "a.py",
        "vendor/c.py",
    ]
    # A file named on the command line is in the project whatever its root.
    named = project_files(tmp_path, (), [str(tmp_path / "vendor" / "lib" / "b.py")])
    assert str(tmp_path / "vendor" / "lib" / "b.py") in named
