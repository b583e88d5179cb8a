"""``locate`` enters and measures only the top-level statements that hold runner calls
(and any neighbour a fix asks about), yet finds every call the analysis reported."""

from __future__ import annotations

import textwrap

from flake8_asyncio_run.analysis import analyze_source
from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.fix import fix_text
from flake8_asyncio_run.fix.locate import locate

PLAIN = "".join(f"\n\ndef plain_{n}():\n    return [{n}] * 2\n" for n in range(30))
SOURCE = (
    "import asyncio\n"
    + PLAIN
    + textwrap.dedent(
        """\


        @decorate(asyncio.run(setup()))
        def task():
            first = asyncio.run(one())
            asyncio.run(two(first))


        class Service:
            def method(self):
                for item in self.items:
                    asyncio.run(handle(item))
        """
    )
)


def test_only_statements_with_runner_calls_are_measured() -> None:
    analysis = analyze_source(SOURCE)
    located = locate(SOURCE, analysis)
    assert {site.call for site in located.sites.values()} == set(analysis.runner_calls)
    assert located.loop_functions == {"task", "method"}
    assert located.positions.whole_passes == 0
    measured = located.positions.measured_statements()
    assert [type(s).__name__ for s in measured] == ["FunctionDef", "ClassDef"]


def test_a_call_in_a_decorator_belongs_to_its_definition() -> None:
    analysis = analyze_source(SOURCE)
    located = locate(SOURCE, analysis)
    decorator_call = min(located.sites.values(), key=lambda s: s.call.span)
    assert decorator_call.chain[0].statement.name.value == "task"  # type: ignore[attr-defined]


def test_module_level_script_with_statements_between_calls() -> None:
    source = textwrap.dedent(
        """\
        import asyncio

        config = load()
        first = asyncio.run(fetch(config))
        print("between", first)
        second = asyncio.run(store(first))
        print(second)
        """
    )
    outcome = fix_text(source, "script.py", Settings(), target=(3, 11))
    assert outcome.remaining == ()
    assert "async def" in outcome.text
    compile(outcome.text, "script.py", "exec")
