"""The first walk (``resolution.needed_definitions``): scopes are built only for the
definitions that can hold a call of interest.  Each case pins the findings and checks
that building every scope gives the very same ``Analysis`` (findings, messages, runner
calls, statement lines, identifiers)."""

from __future__ import annotations

import ast

import pytest

from flake8_asyncio_run import analysis as analysis_module
from flake8_asyncio_run.analysis import Analysis, analyze_source
from flake8_asyncio_run.cached_globals import walk_scopes
from flake8_asyncio_run.lines import split_lines
from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.project.context import ModuleContext
from flake8_asyncio_run.project.index import ProjectIndex
from flake8_asyncio_run.project.layout import ModuleName
from flake8_asyncio_run.project.summarize import summarize

FILLER = "".join(f"\ndef filler_{n}(x):\n    return [y.go() for y in x]\n" for n in range(5))

CASES: dict[str, tuple[str, list[tuple[str, int]]]] = {
    "alias bound by a module import": (
        "from asyncio import run as go\n" + FILLER + "\ndef f():\n    go(a())\n    go(b())\n",
        [("ARO101", 20)],
    ),
    "alias of an alias at module level": (
        "from asyncio import run as go\nr = go\n\ndef f():\n    r(a())\n    r(b())\n",
        [("ARO101", 6)],
    ),
    "alias bound in an outer function": (
        "import asyncio\n\ndef outer():\n    r = asyncio.run\n\n    def inner():\n"
        "        r(a())\n        r(b())\n",
        [("ARO101", 8)],
    ),
    "async_to_sync decorator through an import alias": (
        "from asgiref.sync import async_to_sync as a2s\n\n@a2s\nasync def send():\n"
        "    pass\n\ndef f():\n    send()\n    send()\n",
        [("ARO105", 9)],
    ),
    "async_to_sync callable bound at module level": (
        "from asgiref.sync import async_to_sync\nsend = async_to_sync(g)\n\n"
        "def f():\n    send(1)\n    send(2)\n",
        [("ARO105", 6)],
    ),
    "a global rebinding in another function shadows the import": (
        "import asyncio as aio\n\ndef rebind():\n    global aio\n    aio = None\n\n"
        "def f():\n    aio.run(a())\n    aio.run(b())\n",
        [],
    ),
    "a walrus in a decorator binds at module level": (
        "import asyncio as aio\n\n@(aio := deco)\ndef h():\n    pass\n\n"
        "def f():\n    aio.run(a())\n    aio.run(b())\n",
        [],
    ),
    "nonlocal in a nested function": (
        "import asyncio\n\ndef outer():\n    r = asyncio.run\n\n    def inner():\n"
        "        nonlocal r\n        r = None\n\n    r(a())\n    r(b())\n",
        [("ARO101", 11)],
    ),
    "class bodies: a class binding is not seen from its methods": (
        "import asyncio\n\nclass C:\n    run = asyncio.run\n    asyncio.run(a())\n"
        "    asyncio.run(b())\n\n    def m(self):\n        run(a())\n        run(b())\n",
        [("ARO101", 6)],
    ),
    "deeply nested scopes": (
        "import asyncio\n\nclass A:\n    class B:\n        def f(self):\n"
        "            def g():\n                for c in cs:\n"
        "                    h = lambda: [asyncio.run(x) for x in c]\n",
        [("ARO102", 8)],
    ),
    "comprehension in a method": (
        "import asyncio\n" + FILLER + "\nclass K:\n    def m(self):\n"
        "        return [asyncio.run(c) for c in self.coros]\n",
        [("ARO102", 20)],
    ),
    "star import": (
        "from asyncio import *\n" + FILLER + "\ndef f():\n    run(a())\n    run(b())\n",
        [("ARO101", 20)],
    ),
    "identifiers NFKC folds to a runner": (
        "import asyncio\n\ndef f():\n    asyncio.\uff52\uff55\uff4e(a())\n    asyncio.run(b())\n",
        [("ARO101", 5)],
    ),
    "a wrapper defined in the file": (
        "import asyncio\n\ndef w(c):\n    return asyncio.run(c)\n" + FILLER + "\ndef f():\n"
        "    w(a())\n    w(b())\n",
        [("ARO101", 23)],
    ),
    "in async def, a loop call": (
        "import asyncio\n" + FILLER + "\nasync def f():\n    asyncio.run(a())\n",
        [("ARO103", 19)],
    ),
    "nest_asyncio in a method": (
        "import nest_asyncio as na\n" + FILLER + "\nclass K:\n    def m(self):\n"
        "        na.apply()\n",
        [("ARO106", 20)],
    ),
}


def _everything_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analysis_module, "needed_definitions", lambda *a: lambda node: True)


def _codes(result: Analysis) -> list[tuple[str, int]]:
    return [(f.code, f.span.line) for f in result.findings]


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_first_walk_changes_no_answer(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    source, expected = CASES[case]
    found = analyze_source(source)
    assert _codes(found) == expected
    _everything_built(monkeypatch)
    assert analyze_source(source) == found


def test_the_first_walk_changes_no_answer_in_a_notebook(monkeypatch: pytest.MonkeyPatch) -> None:
    # A notebook's class body at the top level runs in the kernel's loop.
    source = "# %%\nimport asyncio\n" + FILLER + "\nclass K:\n    loop.run_until_complete(x)\n"
    found = analyze_source(source, in_notebook=True)
    assert [f.code for f in found.findings] == ["ARO103"]
    _everything_built(monkeypatch)
    assert analyze_source(source, in_notebook=True) == found


CONFIGURED = (
    "from mylib import run_sync as rs\n" + FILLER + "\ndef f():\n    rs(a())\n    rs(b())\n"
)


def test_a_configured_runner_imported_under_another_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    options = AnalysisOptions(runners=("mylib.run_sync",))
    found = analyze_source(CONFIGURED, options=options)
    assert _codes(found) == [("ARO101", 20)]
    _everything_built(monkeypatch)
    assert analyze_source(CONFIGURED, options=options) == found


def _project(modules: dict[str, str], options: AnalysisOptions) -> ProjectIndex:
    facts = [
        summarize(
            ast.parse(text), name.removesuffix(".__init__"), name.endswith("__init__"), options
        )
        for name, text in modules.items()
    ]
    return ProjectIndex(facts, options)


def test_a_project_pass_through_re_exported_under_another_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    options = AnalysisOptions()
    user = (
        "from pkg import rs\n"
        + FILLER
        + "\nclass K:\n    def m(self):\n        rs(a())\n        rs(b())\n"
    )
    index = _project(
        {
            "pkg.impl": "import asyncio\n\ndef run_sync(c):\n    return asyncio.run(c)\n",
            "pkg.__init__": "from .impl import run_sync as rs\n",
            "app": user,
        },
        options,
    )
    context = ModuleContext(index, ModuleName("app", False))
    found = analysis_module.analyze_tree(ast.parse(user), split_lines(user), options, context)
    assert _codes(found) == [("ARO101", 21)]
    assert "rs() (wraps asyncio.run())" in found.findings[0].message
    _everything_built(monkeypatch)
    assert (
        analysis_module.analyze_tree(ast.parse(user), split_lines(user), options, context) == found
    )


def test_many_functions_and_one_runner_call_build_few_scopes() -> None:
    plain = "".join(
        f"\nclass C{n}:\n    def m(self, x):\n        return [y for y in x if y]\n"
        f"\ndef f{n}(x):\n    return lambda: x\n"
        for n in range(200)
    )
    source = (
        "import asyncio\n" + plain + "\ndef main():\n    asyncio.run(a())\n    asyncio.run(b())\n"
    )
    lines = split_lines(source)
    work = analysis_module._FileAnalysis(ast.parse(source), lines, AnalysisOptions(), None)
    assert [scope.name for scope in walk_scopes(work.builder.module)] == ["<module>", "main"]
    assert [f.code for f in work.run().findings] == ["ARO101"]
