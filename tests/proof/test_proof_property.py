"""Property: for random synchronous functions that mix assignments, augmented
assignments, tuple targets, ``if`` blocks, helper calls with side effects and runner
calls whose arguments depend on earlier results, every fix style keeps behaviour and
leaves one event loop per task call.

The generated programs run in-process, each in a fresh module namespace (the probe and
the event loop policy are reset around every run), which keeps a few hundred examples
within seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from declaration_checks import needless_new_declarations
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from layout_checks import blank_line_errors
from loopdriver import run_program
from proof_harness import (
    RUNNER,
    STYLES,
    Style,
    assert_compiles,
    assert_equivalent,
    assert_no_more_loops,
    assert_one_loop_per_call,
    assert_same_in_a_running_loop,
    fix_api,
    program,
    remaining_loop_findings,
)
from scenarios import PRELUDE

EXTRA = program(
    """

    import contextlib

    log = []


    def checked(value):
        record("checked", value)
        if value % 7 == 0:
            raise ValueError(f"multiple of 7: {value}")
        return value


    @contextlib.contextmanager
    def tracked(value):
        record("enter", value)
        try:
            yield value
        finally:
            record("exit", value)
    """
)
NAMES = ("x", "y", "z", "w")
ARGUMENTS = [(0, 0), (1, 2), (5, 3), (-2, 7), (9, 9)]
TASK_CALLS = [f"task({a}, {b})" for a, b in ARGUMENTS]
CALLS = [*TASK_CALLS, "log"]
MAX_DEPTH = 2


@dataclass
class Scope:
    """Names that are surely bound here, and names that only may be."""

    sure: set[str] = field(default_factory=lambda: {"a", "b"})
    maybe: set[str] = field(default_factory=set)
    runner_calls: int = 0

    def copy(self) -> Scope:
        return Scope(set(self.sure), set(self.maybe), self.runner_calls)


def _expr(draw: st.DrawFn, scope: Scope, depth: int = 0) -> str:
    choices = ["literal", "name", "name", "sum", "runner", "runner"]
    if depth < 2:
        choices += ["helper", "runner_scaled"]
    if scope.maybe:
        choices.append("maybe_name")  # may raise UnboundLocalError: behaviour too
    kind = draw(st.sampled_from(choices))
    if kind == "literal":
        return str(draw(st.integers(-3, 9)))
    if kind == "name":
        return draw(st.sampled_from(sorted(scope.sure)))
    if kind == "maybe_name":
        return draw(st.sampled_from(sorted(scope.maybe)))
    if kind == "sum":
        left = draw(st.sampled_from(sorted(scope.sure)))
        return f"({left} + {_expr(draw, scope, depth + 1)})"
    if kind == "helper":
        return f"helper({_expr(draw, scope, depth + 1)})"
    scope.runner_calls += 1
    call = f"asyncio.run(fetch({_expr(draw, scope, depth + 1)}))"
    return f"{call} * 2" if kind == "runner_scaled" else call


def _bind(scope: Scope, *names: str) -> None:
    scope.sure.update(names)
    scope.maybe.difference_update(names)


def _statement(
    draw: st.DrawFn, scope: Scope, depth: int, indent: str, early_return: bool
) -> list[str]:
    kinds = ["assign", "assign", "augassign", "tuple", "pair", "helper", "print", "log", "run"]
    kinds.append("annotate")
    if depth < MAX_DEPTH:
        kinds += ["if", "if", "for", "try", "with"]
    if early_return and depth > 0:
        kinds.append("return")
    kind = draw(st.sampled_from(kinds))
    compound = _COMPOUND.get(kind)
    if compound is not None:
        return compound(draw, scope, depth, indent, early_return)
    return [indent + _simple_statement(draw, scope, kind)]


def _simple_statement(draw: st.DrawFn, scope: Scope, kind: str) -> str:
    if kind == "assign":
        target = draw(st.sampled_from(NAMES))
        value = _expr(draw, scope)
        _bind(scope, target)
        return f"{target} = {value}"
    if kind == "augassign":
        target = draw(st.sampled_from(sorted(scope.sure)))
        return f"{target} += {_expr(draw, scope)}"
    if kind == "tuple":
        first, second = draw(st.permutations(NAMES))[:2]
        values = f"{_expr(draw, scope)}, {_expr(draw, scope)}"
        _bind(scope, first, second)
        return f"{first}, {second} = {values}"
    if kind == "pair":
        first, second = draw(st.permutations(NAMES))[:2]
        scope.runner_calls += 1
        value = f"asyncio.run(pair({_expr(draw, scope)}, {_expr(draw, scope)}))"
        _bind(scope, first, second)
        return f"{first}, {second} = {value}"
    if kind == "annotate":
        # A bare annotation binds nothing (it makes a function's name local).
        return f"{draw(st.sampled_from(NAMES))}: int"
    if kind == "helper":
        return f"helper({_expr(draw, scope)})"
    if kind == "print":
        return f"print('value', {_expr(draw, scope)})"
    if kind == "log":
        return f"log.append({_expr(draw, scope)})"
    if kind == "run":
        scope.runner_calls += 1
        return f"asyncio.run(fetch({_expr(draw, scope)}))"
    assert kind == "return", kind
    return f"return 'early', {_expr(draw, scope)}"


def _for_statement(
    draw: st.DrawFn, scope: Scope, depth: int, indent: str, early_return: bool
) -> list[str]:
    # The body may not run: what it binds (and the loop variable) is only "maybe".
    body_scope = scope.copy()
    count = draw(st.sampled_from(["2", "a % 3", "b"]))
    _bind(body_scope, "i")
    lines = [f"{indent}for i in range({count}):"]
    lines += _block(draw, body_scope, depth + 1, indent + "    ", early_return)
    scope.runner_calls = body_scope.runner_calls
    scope.maybe |= (body_scope.sure | body_scope.maybe) - scope.sure
    return lines


def _try_statement(
    draw: st.DrawFn, scope: Scope, depth: int, indent: str, early_return: bool
) -> list[str]:
    # checked() raises ValueError for multiples of 7, so the handler runs sometimes.
    body_scope, handler_scope = scope.copy(), scope.copy()
    lines = [f"{indent}try:", f"{indent}    checked({_expr(draw, body_scope)})"]
    lines += _block(draw, body_scope, depth + 1, indent + "    ", early_return)
    lines.append(f"{indent}except ValueError as error:")
    lines.append(f"{indent}    log.append(str(error))")
    handler_scope.runner_calls = body_scope.runner_calls
    lines += _block(draw, handler_scope, depth + 1, indent + "    ", early_return)
    scope.runner_calls = handler_scope.runner_calls
    both = handler_scope.sure & scope.sure
    assigned = body_scope.sure | body_scope.maybe | handler_scope.sure | handler_scope.maybe
    scope.maybe |= assigned - both - scope.sure
    return lines


def _with_statement(
    draw: st.DrawFn, scope: Scope, depth: int, indent: str, early_return: bool
) -> list[str]:
    lines = [f"{indent}with tracked({_expr(draw, scope)}):"]
    lines += _block(draw, scope, depth + 1, indent + "    ", early_return)
    return lines


def _if_statement(
    draw: st.DrawFn, scope: Scope, depth: int, indent: str, early_return: bool
) -> list[str]:
    left = draw(st.sampled_from(sorted(scope.sure)))
    test = draw(st.sampled_from([f"{left} > {draw(st.integers(-2, 8))}", f"{left} % 2 == 0"]))
    body_scope, else_scope = scope.copy(), scope.copy()
    lines = [f"{indent}if {test}:"]
    lines += _block(draw, body_scope, depth + 1, indent + "    ", early_return)
    if draw(st.booleans()):
        lines.append(f"{indent}else:")
        lines += _block(draw, else_scope, depth + 1, indent + "    ", early_return)
    scope.runner_calls = body_scope.runner_calls + else_scope.runner_calls - scope.runner_calls
    both = body_scope.sure & else_scope.sure
    assigned = (body_scope.sure | else_scope.sure | body_scope.maybe | else_scope.maybe) - both
    scope.sure = both
    scope.maybe = (scope.maybe | assigned) - both
    return lines


_COMPOUND: dict[str, Callable[[st.DrawFn, Scope, int, str, bool], list[str]]] = {
    "for": _for_statement,
    "try": _try_statement,
    "with": _with_statement,
    "if": _if_statement,
}


def _block(draw: st.DrawFn, scope: Scope, depth: int, indent: str, early_return: bool) -> list[str]:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 4 if depth else 7))):
        lines += _statement(draw, scope, depth, indent, early_return)
    return lines


def _whitespace(draw: st.DrawFn, lines: list[str]) -> list[str]:
    """Form feeds at line starts, trailing blanks and whitespace-only lines: what the
    tokenizer ignores, and what line numbering must not be confused by (a form feed is
    a line break to ``str.splitlines()``, not to Python)."""
    shaped: list[str] = []
    for line in lines:
        kind = draw(st.sampled_from(["plain"] * 6 + ["formfeed", "trailing", "blank"]))
        if kind == "formfeed":
            shaped.append("\f" + line)
        elif kind == "trailing":
            shaped.append(line + "  \t")
        elif kind == "blank":
            shaped += ["   ", line]
        else:
            shaped.append(line)
    return shaped


@st.composite
def task_programs(draw: st.DrawFn, early_return: bool = False) -> str:
    scope = Scope()
    body = _block(draw, scope, 0, "    ", early_return)
    while scope.runner_calls < 2:  # two loops on some path, so that there is a finding
        target = draw(st.sampled_from(NAMES))
        scope.runner_calls += 1
        body.append(f"    {target} = asyncio.run(fetch({_expr(draw, scope)}))")
        _bind(scope, target)
    returned = ", ".join([*sorted(scope.sure - {"a", "b"}), "a"])
    body.append(f"    return ({returned},)")
    body = _whitespace(draw, body)
    return PRELUDE + EXTRA + "\n\ndef task(a, b):\n" + "\n".join(body) + "\n"


@dataclass(frozen=True)
class Case:
    style: Style
    early_return: bool


CASES = [Case(style, False) for style in STYLES] + [
    Case(STYLES[0], True),  # auto: combine cannot take the early return, runner can
    Case(STYLES[2], True),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.style.id}-return{c.early_return}")
def test_random_functions_keep_behaviour(case: Case) -> None:
    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(source=task_programs(early_return=case.early_return))
    def check(source: str) -> None:
        note(source)
        fixed, outcome = fix_api(source, case.style)
        note(fixed)
        assert_compiles(fixed)
        assert blank_line_errors(fixed) <= blank_line_errors(source)
        assert needless_new_declarations(source, fixed) == []
        flagged = remaining_loop_findings(source)
        if not flagged:
            assert fixed == source, "a fix without a finding"
            return
        left = remaining_loop_findings(fixed)
        event("partly fixed" if left and fixed != source else "declined" if left else "fixed")
        event(f"styles applied: {sorted({plan.style for plan in outcome.applied})}")
        if left:
            # Any style may decline now (a path that starts no loop, a form feed libcst
            # drops), but never without saying why.
            assert all(outcome.reasons), outcome
            event(f"declined: {sorted(set(outcome.reasons))[0][:40]}")
            if fixed == source:
                return
        before = run_program(source, "program.py", CALLS)
        after = run_program(fixed, "program.py", CALLS)
        assert_equivalent(before, after, fixed)
        if left:
            assert_no_more_loops(before, after, fixed)
        else:
            assert_one_loop_per_call(before, after, fixed)
        if not case.style.unsafe:
            # Safe means safe in every calling context, a running loop included.
            compared = assert_same_in_a_running_loop(source, fixed, TASK_CALLS)
            event(f"running-loop calls compared: {min(compared, 1)}")

    check()


MODULE_INPUTS = "a, b = 0, 0  # inputs"


@st.composite
def module_programs(draw: st.DrawFn) -> str:
    """The same statements as a module-level script: names are module globals."""
    scope = Scope()
    body = _block(draw, scope, 0, "", early_return=False)
    while scope.runner_calls < 2:
        target = draw(st.sampled_from(NAMES))
        scope.runner_calls += 1
        body.append(f"{target} = asyncio.run(fetch({_expr(draw, scope)}))")
        _bind(scope, target)
    # Blank lines between the statements, up to two as at module level: the fix moves
    # them into a block, where they must stay unindented and single (W293, E303).
    gaps = [draw(st.sampled_from(["\n", "\n", "\n\n", "\n\n\n"])) for _ in body]
    lines = "".join(statement + gap for statement, gap in zip(body, gaps, strict=True))
    return PRELUDE + EXTRA + "\n\n" + MODULE_INPUTS + "\n" + lines


@pytest.mark.parametrize("style", STYLES, ids=lambda s: s.id)
def test_random_module_scripts_keep_behaviour(style: Style) -> None:
    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(source=module_programs())
    def check(source: str) -> None:
        note(source)
        fixed, outcome = fix_api(source, style)
        note(fixed)
        assert_compiles(fixed)
        # Laid out as pycodestyle wants wherever the input was (W29x, E30x).
        assert blank_line_errors(fixed) <= blank_line_errors(source)
        assert needless_new_declarations(source, fixed) == []
        left = remaining_loop_findings(fixed)
        if left:
            assert all(outcome.reasons), outcome
            if fixed == source:
                return
        assert fixed.count(MODULE_INPUTS) == 1, "the inputs line moved"
        for a, b in ARGUMENTS[1:4]:
            inputs = f"a, b = {a}, {b}  # inputs"
            original = source.replace(MODULE_INPUTS, inputs)
            rewritten = fixed.replace(MODULE_INPUTS, inputs)
            before = run_program(original, "program.py", ["log"])
            after = run_program(rewritten, "program.py", ["log"])
            assert_equivalent(before, after, rewritten)
            if left:
                assert_no_more_loops(before, after, rewritten)
            else:
                assert_one_loop_per_call(before, after, rewritten)

    check()


@pytest.mark.parametrize("style", [s for s in STYLES if not s.unsafe], ids=lambda s: s.id)
def test_in_test_files_loop_fixes_are_never_safe(style: Style) -> None:
    """Tests often start several loops on purpose (a loop-independence test), so in a
    test file no ARO101/ARO102 fix is applied without ``--unsafe-fixes``."""

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(source=task_programs(), path=st.sampled_from(TEST_PATHS))
    def check(source: str, path: str) -> None:
        note(path)
        note(source)
        fixed, outcome = fix_api(source, style, path)
        assert not [
            plan
            for plan in outcome.applied
            if plan.applicability == "safe" and {f.code for f in plan.findings} & LOOP_RULES
        ], fixed
        assert fixed == source
        assert all(outcome.reasons), outcome

    check()


TEST_PATHS = ["tests/test_program.py", "pkg/tests/helpers.py", "program_test.py", "conftest.py"]
LOOP_RULES = {"ARO101", "ARO102"}


# --- Found by the property above: handled exceptions and suppressing blocks -------------
#: A loop that may run zero times, so that the last runner call decides whether a
#: path starts a loop; each case's tail holds that call.
_LOOP_FIRST = """
def task(a, b):
    x = 0
    for i in range(a):
        x = asyncio.run(fetch(x))
"""
_HANDLED = {
    # What the body raises before its runner call is caught: the try ends normally
    # with no loop started (hypothesis's example, trimmed).
    "handler-swallows": """
    try:
        checked(b)
        x = asyncio.run(fetch(x))
    except ValueError as error:
        log.append(str(error))
    return x
""",
    "finally-returns": """
    try:
        checked(b)
        x = asyncio.run(fetch(x))
    finally:
        return x
""",
    "suppress": """
    with contextlib.suppress(ValueError):
        checked(b)
        x = asyncio.run(fetch(x))
    return x
""",
}


@pytest.mark.parametrize("name", sorted(_HANDLED))
def test_a_path_that_handles_an_exception_keeps_behaviour_in_a_running_loop(name: str) -> None:
    """``checked(0)`` raises before the runner call and the exception is handled: inside
    a running loop the original returns, while ``with asyncio.Runner()`` (or a combined
    coroutine) raises.  No style may call such a fix safe."""
    source = PRELUDE + EXTRA + "\n" + _LOOP_FIRST + _HANDLED[name].lstrip("\n")
    assert remaining_loop_findings(source)
    calls = ["task(0, 0)", "task(1, 0)", "task(1, 2)", "task(0, 7)"]
    for style in STYLES:
        fixed, outcome = fix_api(source, style)
        assert_compiles(fixed)
        if not style.unsafe:
            assert "safe" not in {plan.applicability for plan in outcome.applied}, fixed
            assert_same_in_a_running_loop(source, fixed, calls)
        before = run_program(source, "program.py", [*calls, "log"])
        after = run_program(fixed, "program.py", [*calls, "log"])
        assert_equivalent(before, after, fixed)


def test_a_handler_that_raises_again_keeps_the_fix_safe() -> None:
    """A handler that re-raises leaves with an exception, as the original does: the
    runner style stays safe, and behaves the same, a running loop included."""
    source = (
        PRELUDE
        + EXTRA
        + "\n\n"
        + program(
            """
        def task(a, b):
            x = asyncio.run(fetch(a))
            try:
                checked(b)
                x = asyncio.run(fetch(x))
            except ValueError:
                log.append("again")
                raise
            return x
        """
        )
    )
    fixed, outcome = fix_api(source, RUNNER)
    assert [plan.applicability for plan in outcome.applied] == ["safe"], outcome.reasons
    assert "asyncio.Runner()" in fixed
    assert_same_in_a_running_loop(source, fixed, ["task(0, 1)", "task(2, 3)"])
