"""Fuzz: on arbitrary valid Python (hypothesmith's grammar-based programs) with runner
calls spliced into every synchronous function body and the module body, the fixer never
raises and never emits code that does not compile, in every style."""

from __future__ import annotations

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st
from proof_harness import STYLES, assert_compiles, fix_api, remaining_loop_findings

RUNNER = cst.parse_statement("asyncio.run(_fuzz())\n")
IMPORT = cst.parse_statement("import asyncio\n")


class Splicer(cst.CSTTransformer):
    """Start every indented block (function, loop, ``if``, ``with``, ``try`` and class
    bodies) with an ``asyncio.run()`` statement."""

    def leave_IndentedBlock(
        self, original: cst.IndentedBlock, updated: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        return updated.with_changes(body=[RUNNER, *updated.body])


def wrap(module: cst.Module, in_function: bool) -> cst.Module:
    """Import asyncio after the docstring and ``__future__`` imports; optionally copy the
    program into a synchronous function between two runner calls (grammar programs
    rarely define functions); end the module with two runner calls."""
    statements = list(module.body)
    position = 0
    for index, statement in enumerate(statements):
        if _is_future_import(statement) or (index == 0 and _is_docstring(statement)):
            position = index + 1
    head, rest = statements[:position], statements[position:]
    task: list[cst.BaseStatement] = []
    if in_function:
        body = cst.IndentedBlock(body=[RUNNER, *rest, RUNNER])
        task = [cst.FunctionDef(name=cst.Name("_fuzz_task"), params=cst.Parameters(), body=body)]
    return module.with_changes(body=[*head, IMPORT, *rest, *task, RUNNER, RUNNER])


def _is_future_import(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and any(
        isinstance(s, cst.ImportFrom)
        and isinstance(s.module, cst.Name)
        and s.module.value == "__future__"
        for s in statement.body
    )


def _is_docstring(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def splice(source: str) -> str | None:
    """The program with runner calls spliced in, or None when that does not compile."""
    try:
        module = cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError):
        return None
    for in_function in (True, False):
        try:
            spliced = wrap(module, in_function).visit(Splicer()).code
            compile(spliced, "<spliced>", "exec")
        except (SyntaxError, ValueError, RecursionError):
            continue
        return spliced
    return None


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(source=hypothesmith.from_grammar())
def test_fixer_never_raises_nor_breaks_compilation(source: str) -> None:
    spliced = splice(source)
    assume(spliced is not None)
    assert spliced is not None
    note(spliced)
    flagged = remaining_loop_findings(spliced)
    assume(flagged)  # the splice made at least the module-level finding
    for style in STYLES:
        fixed, outcome = fix_api(spliced, style)
        note(f"{style.id}: {outcome!r}")
        assert_compiles(fixed, f"{style.id} output")


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(source=hypothesmith.from_node())
def test_fixer_never_raises_on_node_programs(source: str) -> None:
    spliced = splice(source)
    assume(spliced is not None)
    assert spliced is not None
    try:
        compile(spliced, "<fuzz>", "exec")
    except (SyntaxError, ValueError):
        assume(False)
    for style in STYLES:
        fixed, _ = fix_api(spliced, style)
        assert_compiles(fixed, f"{style.id} output")


# --- Structural fuzz ---------------------------------------------------------------------
# hypothesmith's programs are valid but rarely shaped like code that runs event loops.
# These are: random nests of the statements the fix-safety policy is about (loops,
# try/with/match, nested functions, lambdas, generators, walrus, star targets, one-line
# suites, semicolons, continuations, comments), around runner calls of every family,
# with random indentation and newlines.

HEADER = (
    "import asyncio\nimport asyncio as aio\nfrom asyncio import run\nimport anyio\nimport trio\n"
)
RUNNERS = (
    "asyncio.run(f(a))",
    "asyncio.run(f(a), debug=False)",
    "aio.run(f(b))",
    "run(f(1))",
    "anyio.run(g, a)",
    "trio.run(g, 2)",
)
#: One family per program most of the time (mixed families have no fix at all).
RUNNER_SETS = (
    ("asyncio.run(f(a))", "aio.run(f(b))", "run(f(1))"),
    ("asyncio.run(f(a))", "aio.run(f(b))", "run(f(1))"),
    ("asyncio.run(f(a))",),
    ("asyncio.run(f(a), debug=False)",),
    ("anyio.run(g, a)",),
    ("trio.run(g, 2)",),
    RUNNERS,
)
SIMPLE = (
    "x = {R}",
    "x = x + {R}",
    "x += {R}",
    "x, *rest = {R}, 1, 2",
    "a.attr = {R}",
    "items[0] = {R}",
    "y = [{R} for _ in range(2)]",
    "y = {{k: {R} for k in 'ab'}}",
    "y = sum({R} for _ in range(2))",
    "z = ({R} if a else 0)",
    "print({R}); w = 1",
    "(n := {R})",
    "x = {R}  # keep this comment",
    "t = \\\n{I}{R}",
    "s = '''two\nlines''' + str({R})",
    "assert {R}, 'message'",
    "h = lambda: {R}",
    "print(locals())",
    "del rest",
    "pass",
    "log.append(x)",
    "if a: v = {R}",
    "return {R}",
    "return",
    "yield {R}",
    "raise ValueError({R})",
)
COMPOUND = (
    "for i in range(2):\n{B}",
    "for i in range(2):\n{B}\nelse:\n{B}",
    "while a:\n{B}\n{I}break",
    "if a:\n{B}\nelif b:\n{B}\nelse:\n{B}",
    "if a:\n{B}",
    "with open('f') as fh:\n{B}",
    "try:\n{B}\nexcept Exception as error:\n{B}\nfinally:\n{B}",
    "def inner():\n{B}",
    "async def co():\n{I}await asyncio.sleep(0)\n{B}",
    "class K:\n{B}",
    "match a:\n{I}case 1:\n{B2}\n{I}case _:\n{B2}",
)


@st.composite
def block(draw: st.DrawFn, indent: str, depth: int, runners: tuple[str, ...]) -> list[str]:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        use_compound = depth < 2 and draw(st.integers(0, 3)) == 0
        template = draw(st.sampled_from(COMPOUND if use_compound else SIMPLE))
        runner = draw(st.sampled_from(runners))
        text = template.replace("{R}", runner).replace("{{", "{").replace("}}", "}")
        unit = draw(st.sampled_from(["    ", "\t", "  "]))
        out: list[str] = []
        for line in text.split("\n"):
            if line in ("{B}", "{B2}"):
                inner = indent + unit + (unit if line == "{B2}" else "")
                out += draw(block(inner, depth + 1, runners))
            else:
                out.append(indent + line.replace("{I}", unit))
        lines += out
    return lines


@st.composite
def structured_programs(draw: st.DrawFn) -> str:
    runners = draw(st.sampled_from(RUNNER_SETS))
    first = draw(st.sampled_from(runners))
    body = [f"    first = {first}", *draw(block("    ", 0, runners))]
    module_part = draw(block("", 1, runners)) if draw(st.booleans()) else []
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = HEADER + "\n\ndef task(a, b):\n" + "\n".join(body) + "\n\n" + "\n".join(module_part)
    return text.replace("\n", newline)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(source=structured_programs())
def test_fixer_on_structured_programs(source: str) -> None:
    try:
        compile(source, "<structured>", "exec")
    except SyntaxError:
        assume(False)
    note(source)
    for style in STYLES:
        fixed, _ = fix_api(source, style)
        note(f"{style.id}:\n{fixed}")
        assert_compiles(fixed, f"{style.id} output")
        if fixed != source:
            again, _ = fix_api(fixed, style)
            assert again == fixed, f"{style.id}: fixing twice changed the text again"
