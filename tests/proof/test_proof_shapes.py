"""Shapes where a fix labelled safe used to change results (issue 11), each run before and
after every safe fix, in a fresh interpreter: what the program prints must not change.

A shape passes either because its fix keeps behaviour or because the fix is no longer
safe (then ``fix`` without ``--unsafe-fixes`` leaves the text alone).  Each case also
states which of the two it expects, so that a fix cannot pass by silently vanishing, and
shapes that print from inside a running loop prove the running-loop guarantee.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from proof_harness import Style, assert_compiles, fix_api, fix_cli, program

#: Every way ``fix`` applies a safe fix: what a bot runs.
SAFE_STYLES = (
    Style("auto"),
    Style("runner"),
    Style("combine"),
    Style("auto", target=(3, 10)),
)

HEAD = program(
    """
    import asyncio
    import sys


    async def f(value):
        return value

    """
)


@dataclass(frozen=True)
class Shape:
    name: str
    body: str
    #: "kept": a safe fix is applied and keeps behaviour; "unsafe": no safe fix (the text
    #: is left alone without --unsafe-fixes, and the reason says why); "unsafe-combine":
    #: only the combine style is unsafe, the runner style keeps behaviour.
    expect: str
    #: A phrase the reason must contain, for "unsafe".
    reason: str = ""

    @property
    def source(self) -> str:
        return HEAD + "\n" + program(self.body)


SHAPES = [
    Shape(
        "locals_after_the_region",
        """
        def task():
            x = asyncio.run(f(1))
            y = asyncio.run(f(2))
            return sorted(locals())


        print(task())
        """,
        "unsafe",
        "locals()",
    ),
    Shape(
        "vars_after_the_region",
        """
        def task():
            x = asyncio.run(f(1))
            y = asyncio.run(f(2))
            return sorted(vars())


        print(task())
        """,
        "unsafe",
        "vars()",
    ),
    Shape(
        "eval_after_the_region",
        """
        def task():
            x = asyncio.run(f(1))
            y = asyncio.run(f(2))
            try:
                return eval("x + y")
            except NameError as error:
                return repr(error)


        print(task())
        """,
        "unsafe",
        "eval()",
    ),
    Shape(
        "format_locals_after_the_region",
        """
        def task():
            x = asyncio.run(f(1))
            y = asyncio.run(f(2))
            try:
                return "{x}".format(**locals())
            except KeyError as error:
                return repr(error)


        print(task())
        """,
        "unsafe",
        "locals()",
    ),
    Shape(
        "frame_locals_after_the_region",
        """
        def task():
            x = asyncio.run(f(1))
            y = asyncio.run(f(2))
            return sorted(sys._getframe().f_locals)


        print(task())
        """,
        "unsafe",
        "_getframe",
    ),
    Shape(
        "lambda_reads_a_name_rebound_after",
        """
        def task():
            a = asyncio.run(f(1))
            x = 1
            g = lambda: x
            b = asyncio.run(f(2))
            x = 10
            return g(), a, b


        print(task())
        """,
        "kept",
    ),
    Shape(
        "nested_def_reads_a_name_rebound_after",
        """
        def task():
            status = "pending"
            a = asyncio.run(f(1))

            def report():
                return status

            b = asyncio.run(f(2))
            status = "done"
            return report(), a, b


        print(task())
        """,
        "kept",
    ),
    Shape(
        "nested_def_reads_a_name_the_region_binds",
        """
        def task():
            a = asyncio.run(f(1))
            status = "pending"

            def report():
                return status

            b = asyncio.run(f(2))
            status = "done"
            return report(), a, b


        print(task())
        """,
        "kept",
    ),
    Shape(
        "default_arg_lambdas_read_a_base",
        """
        def task():
            base = asyncio.run(f(1))
            adders = [lambda i=i: base + i for i in range(3)]
            more = asyncio.run(f(2))
            base = 100
            return [g() for g in adders], more


        print(task())
        """,
        "kept",
    ),
    Shape(
        "class_in_the_region_reads_a_name",
        """
        def task():
            base = asyncio.run(f(1))

            class Box:
                def value(self):
                    return base

            more = asyncio.run(f(2))
            base = 100
            return Box().value(), more


        print(task())
        """,
        "kept",
    ),
    Shape(
        "lazy_generator_reads_a_name",
        """
        def task():
            base = asyncio.run(f(1))
            scaled = (v * base for v in range(3))
            more = asyncio.run(f(2))
            base = 100
            return list(scaled), more


        print(task())
        """,
        "kept",
    ),
    Shape(
        "runner_argument_is_not_a_call",
        """
        def task():
            try:
                a = asyncio.run(f)
            except (ValueError, TypeError) as error:
                a = type(error).__name__
            b = asyncio.run(f(2))
            return a, b


        print(task())
        """,
        "unsafe-combine",
        "not a call",
    ),
    Shape(
        "module_level_adds_no_global_names",
        """
        a = asyncio.run(f(1))
        b = asyncio.run(f(2))
        print(a, b, sorted(k for k in globals() if not k.startswith("__")))
        """,
        "kept",
    ),
    Shape(
        "context_var_set_in_the_first_coroutine",
        """
        import contextvars

        request_id = contextvars.ContextVar("request_id", default="unset")


        async def first():
            request_id.set("first")
            return 1


        async def second():
            return request_id.get()


        def task():
            a = asyncio.run(first())
            b = asyncio.run(second())
            return a, b


        print(task())
        """,
        "unsafe",
        "ContextVar",
    ),
    Shape(
        "decimal_context_set_in_the_first_coroutine",
        """
        import decimal


        async def first():
            decimal.getcontext().prec = 3
            return 1


        async def second():
            return str(decimal.Decimal(1) / decimal.Decimal(7))


        def task():
            a = asyncio.run(first())
            b = asyncio.run(second())
            return a, b


        print(task())
        """,
        "unsafe",
        "context",
    ),
    Shape(
        "background_task_outlives_its_loop",
        """
        events = []


        async def background():
            try:
                await asyncio.sleep(0.05)
                events.append("bg finished")
            except asyncio.CancelledError:
                events.append("bg cancelled")
                raise


        async def first():
            asyncio.create_task(background())
            return 1


        async def second():
            await asyncio.sleep(0.2)
            return 2


        def task():
            a = asyncio.run(first())
            b = asyncio.run(second())
            return a, b, events


        print(task())
        """,
        "unsafe",
        "create_task",
    ),
    Shape(
        "conditional_runner_called_inside_a_running_loop",
        """
        import inspect


        def call_all(callbacks):
            results = []
            for cb in callbacks:
                r = cb()
                if inspect.iscoroutine(r):
                    r = asyncio.run(r)
                results.append(r)
            return results


        async def from_a_running_loop():
            return call_all([lambda: 1, lambda: 2])


        print(call_all([lambda: 1, lambda: f(2)]))
        print(asyncio.run(from_a_running_loop()))
        """,
        "unsafe",
        "no event loop",
    ),
]


def run(source: str, workdir: Path) -> str:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "program.py").write_text(source, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "program.py"], cwd=workdir, capture_output=True, text=True, timeout=60
    )
    return f"exit {done.returncode}\n{done.stdout}{done.stderr.splitlines()[-1:]}"


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.name)
@pytest.mark.parametrize("style", SAFE_STYLES, ids=lambda s: s.id)
def test_safe_fixes_keep_what_the_shape_prints(shape: Shape, style: Style, tmp_path: Path) -> None:
    before = run(shape.source, tmp_path / "before")
    assert before.startswith("exit 0"), before
    fixed, outcome = fix_api(shape.source, style)
    assert_compiles(fixed)
    after = run(fixed, tmp_path / "after")
    assert after == before, f"{style.id} changed what it prints:\n{fixed}"
    combine_only = style.style == "combine" or style.target < (3, 11)
    if shape.expect == "unsafe" or (shape.expect == "unsafe-combine" and combine_only):
        assert fixed == shape.source, f"{style.id} applied a fix it should not call safe"
        assert any(shape.reason in r for r in outcome.reasons), outcome.reasons
    elif shape.expect == "unsafe-combine":
        assert fixed != shape.source, outcome.reasons


@pytest.mark.parametrize("shape", [s for s in SHAPES if s.expect == "kept"], ids=lambda s: s.name)
def test_the_kept_shapes_are_really_fixed(shape: Shape) -> None:
    fixed, outcome = fix_api(shape.source, Style("auto"))
    assert fixed != shape.source, outcome.reasons
    assert not outcome.remaining, outcome.reasons


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.name)
def test_the_command_line_fixes_each_shape_as_the_api_does(shape: Shape, tmp_path: Path) -> None:
    style = Style("auto")
    expected, _ = fix_api(shape.source, style)
    assert fix_cli(shape.source, style, tmp_path) == expected
