"""The analysis does its costly work only where it can matter: the path-sensitive count
runs on scopes whose calls include a runner call, and function bodies are scanned for
``global``/``nonlocal`` first only when the file spells one.  (Findings are covered by
the rule tests; these check that the shortcuts are taken, and are safe.)"""

from __future__ import annotations

import ast

import pytest

from flake8_asyncio_run import analysis as analysis_module
from flake8_asyncio_run.analysis import analyze_source
from flake8_asyncio_run.flow import PathCounter
from flake8_asyncio_run.resolution import Resolver, ScopeBuilder

PLAIN = "".join(
    f"\n\ndef plain_{n}(items):\n    for item in items:\n        print(item, [x for x in item])\n"
    for n in range(20)
)
SOURCE = (
    "import asyncio\n"
    + PLAIN
    + """

def run_it(coro):
    return asyncio.run(coro)


def task():
    run_it(a())
    run_it(b())


class Holder:
    def method(self):
        return [asyncio.run(c) for c in self.coros]
"""
)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The first statement of every body the path counter ran on."""
    bodies: list[str] = []
    real = PathCounter.run

    def run(self: PathCounter[object], body: list[ast.stmt] | ast.expr) -> object:
        first = body[0] if isinstance(body, list) else body
        bodies.append(ast.unparse(first))
        return real(self, body)

    monkeypatch.setattr(analysis_module.PathCounter, "run", run)
    return bodies


def test_scopes_without_runner_calls_are_not_counted(counted: list[str]) -> None:
    result = analyze_source(SOURCE)
    assert [f.code for f in result.findings] == ["ARO101", "ARO102"]
    assert not any("print(item" in body for body in counted)
    # The wrapper (found, then reported on), the task, and the method's comprehension.
    assert set(counted) == {
        "return asyncio.run(coro)",
        "run_it(a())",
        "return [asyncio.run(c) for c in self.coros]",
    }


def test_a_call_of_a_wrapper_makes_a_scope_count() -> None:
    # 'task' only calls the module-local wrapper: it must still be counted, after the
    # wrapper is known (the skip re-checks once wrappers are found).
    result = analyze_source(SOURCE)
    assert [f.scope.name for f in result.findings if f.code == "ARO101"] == ["task"]


GLOBAL = """\
from asyncio import run


def rebind():
    global run
    run = print


def task():
    run(a())
    run(b())
"""
NONLOCAL = """\
def outer():
    from asyncio import run

    def task():
        nonlocal run
        run = run
        run(a())
        run(b())
"""


@pytest.mark.parametrize(
    "opening",
    [
        "if flag:",
        "while flag:",
        "for _ in flag:",
        "with flag:",
        "try:",
        "match flag:\n        case _:",
    ],
)
def test_declarations_in_nested_blocks_are_found(opening: str) -> None:
    indent = "        " if opening.startswith("match") else "    "
    closing = "\n    except Exception:\n        pass" if opening == "try:" else ""
    source = GLOBAL.replace(
        "    global run\n    run = print\n",
        f"    {opening}\n{indent}    global run\n{indent}    run = print{closing}\n",
    )
    assert "global run" in source
    assert analyze_source(source).findings == ()


def test_declarations_are_honoured() -> None:
    # 'global run' makes rebind() rebind the module's name: 'run' is no runner for sure.
    assert analyze_source(GLOBAL).findings == ()
    # 'nonlocal run' makes the assignment rebind outer's name, so task's calls are still
    # outer's import of asyncio.run.
    assert [f.code for f in analyze_source(NONLOCAL).findings] == ["ARO101"]


@pytest.mark.parametrize(("source", "runners_without_scan"), [(GLOBAL, 2), (NONLOCAL, 0)])
def test_skipping_the_declaration_scan_would_change_answers(
    source: str, runners_without_scan: int
) -> None:
    # So the text test that allows the skip ("global"/"nonlocal" not in the source)
    # is what keeps the answers above right.
    tree = ast.parse(source)
    builder = ScopeBuilder(tree, declarations=False)
    resolver = Resolver(builder)
    calls = [
        n for n in ast.walk(tree) if isinstance(n, ast.Call) and ast.unparse(n).startswith("run(")
    ]
    found = [resolver.runner(c, builder.scope_of_call[id(c)]) for c in calls]
    assert sum(kind is not None for kind in found) == runners_without_scan
