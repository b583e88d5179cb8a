"""Quick execution checks of the name rules (the proof suite in tests/proof goes much
further): the fixed program computes the same thing, in one event loop per entry."""

from __future__ import annotations

import asyncio
import textwrap
from typing import Any

import pytest

from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.fix import fix_text

PRELUDE = textwrap.dedent(
    """\
    import asyncio

    log = []
    loops = set()
    counter = 0


    async def step(value=1):
        loops.add(id(asyncio.get_running_loop()))
        log.append(value)
        return value


    async def fail(value=None):
        loops.add(id(asyncio.get_running_loop()))
        raise ValueError(value)
    """
)

PROGRAMS = {
    "reassignment": """
        def entry(n):
            x = n
            x = x + asyncio.run(step(2))
            x = x * asyncio.run(step(3))
            return x
    """,
    "conditional": """
        def entry(flag):
            label = "none"
            first = asyncio.run(step(1))
            if flag:
                label = asyncio.run(step("yes"))
            return first, label
    """,
    "global_counter": """
        def entry(n):
            global counter
            counter += asyncio.run(step(n))
            counter += asyncio.run(step(n))
            return counter
    """,
    "nonlocal": """
        def entry(n):
            total = n
            def inner():
                nonlocal total
                total += asyncio.run(step(1))
                total += asyncio.run(step(2))
            inner()
            return total
    """,
    "two_in_one_expression": """
        def entry(n):
            return [asyncio.run(step(n)) + asyncio.run(step(n + 1))]
    """,
    "return_carried": """
        def entry(n):
            a = asyncio.run(step(n))
            return asyncio.run(step(a + 1))
    """,
    "return_at_tail": """
        def entry(n):
            a = asyncio.run(step(n))
            if a > 2:
                return "big"
            asyncio.run(step(a))
    """,
    "walrus": """
        def entry(n):
            m = 0
            if (m := asyncio.run(step(n))) > 1:
                asyncio.run(step(m))
            return m
    """,
    "loop": """
        def entry(n):
            seen = []
            for i in range(n):
                seen.append(asyncio.run(step(i)))
            return seen
    """,
    "comprehension": """
        def entry(n):
            return [asyncio.run(step(i)) for i in range(n)]
    """,
    "try_except": """
        def entry(n):
            try:
                a = asyncio.run(fail(n))
            except ValueError:
                a = -1
            b = asyncio.run(step(a))
            return a, b
    """,
    "exposed": """
        def entry(n):
            a = None
            try:
                a = asyncio.run(step(n))
                b = asyncio.run(fail(a))
            except ValueError:
                return ("failed after", a)
            return b
    """,
    "closure": """
        def entry(n):
            data = None
            show = lambda: data
            data = asyncio.run(step(n))
            asyncio.run(step(data))
            return show()
    """,
    "method": """
        class Job:
            def run(self, n):
                self.data = asyncio.run(step(n))
                self.size = asyncio.run(step(self.data * 2))
                return self.size

        def entry(n):
            job = Job()
            return job.run(n), job.data
    """,
}


def run_program(source: str, argument: Any) -> tuple[Any, list[Any], int]:
    namespace: dict[str, Any] = {"__name__": "program"}
    exec(compile(source, "program", "exec"), namespace)
    result = namespace["entry"](argument)
    return result, namespace["log"], len(namespace["loops"])


@pytest.mark.parametrize("name", sorted(PROGRAMS))
@pytest.mark.parametrize("style", ["combine", "runner"])
@pytest.mark.parametrize("argument", [0, 1, 3])
def test_same_results_one_loop(name: str, style: str, argument: int) -> None:
    source = PRELUDE + textwrap.dedent(PROGRAMS[name])
    outcome = fix_text(source, "program.py", Settings(), style, unsafe=True, target=(3, 11))
    assert outcome.changed, outcome.reasons
    assert outcome.remaining == ()
    expected = run_program(source, argument)
    got = run_program(outcome.text, argument)
    assert got[:2] == expected[:2]
    assert got[2] <= 1
    asyncio.set_event_loop(None)


def test_module_level_script() -> None:
    source = PRELUDE + textwrap.dedent(
        """
        config = asyncio.run(step("config"))
        data: str = asyncio.run(step(config + "!"))
        """
    )
    outcome = fix_text(source, "program.py", Settings(), "combine", target=(3, 10))
    assert outcome.changed
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    exec(compile(source, "a", "exec"), before)
    exec(compile(outcome.text, "b", "exec"), after)
    assert (after["config"], after["data"], after["log"]) == (
        before["config"],
        before["data"],
        before["log"],
    )
    assert after["__annotations__"] == before["__annotations__"]
    assert len(after["loops"]) == 1


def test_a_bare_annotation_repeated_in_a_module_script_gets_no_global() -> None:
    """``x: int`` on a branch and again at the top level binds nothing: the moved code
    declares no ``global x`` (the second annotation once cleared the first's mark)."""
    source = (
        "import asyncio\n\n\nasync def fetch(v):\n    return v\n\n\n"
        "print(asyncio.run(fetch(0)))\nif len('') > 0:\n    x: int\nx: int\n"
        "asyncio.run(fetch(0))\n"
    )
    outcome = fix_text(source, "script.py", Settings(), "combine", unsafe=True, target=(3, 11))
    assert outcome.changed
    assert "global" not in outcome.text
    assert "\nx: int\n" in outcome.text


def test_an_annotated_name_read_before_the_region_assigns_it_gets_no_combine() -> None:
    """``x: int`` in the region, then a read of ``x`` that may come before any
    assignment: the original raises UnboundLocalError; hoisting the annotation and
    declaring ``nonlocal x`` would raise NameError (a free variable) instead.  Found by
    the property test (test_random_functions_keep_behaviour[combine-unsafe])."""
    source = (
        "import asyncio\n\n\n"
        "def task(a):\n"
        "    for i in range(a):\n"
        "        x = 0\n"
        "        asyncio.run(fetch(0))\n"
        "    x: int\n"
        "    asyncio.run(fetch(x))\n"
        "    return x\n"
    )
    outcome = fix_text(source, "t.py", Settings(), style="combine", unsafe=True)
    assert outcome.text == source
    assert any("'x' is read before the region assigns it" in r for r in outcome.reasons)
