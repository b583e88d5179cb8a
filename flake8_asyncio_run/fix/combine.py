"""The combine style: move the region into a new ``async def`` placed just before it,
turn its runner calls into awaits, and run the coroutine once with the same runner.

Names keep their exact meaning.  At module level every name the region binds is
declared ``global`` in the coroutine.  In a function, a name the region binds is:
declared ``global``/``nonlocal`` like the function does; declared ``nonlocal`` when the
coroutine cannot simply hand it back (read before the region surely assigns it, bound
on some paths only, captured by a closure, or visible to an exception handler); handed
back (``a, b = asyncio.run(_c())``) when later code reads it; dropped otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from flake8_asyncio_run.findings import TextEdit
from flake8_asyncio_run.fix.context import FileContext
from flake8_asyncio_run.fix.facts import (
    Facts,
    defined_before,
    mentioned_names,
    parameter_names,
    scope_facts,
)
from flake8_asyncio_run.fix.locate import Link
from flake8_asyncio_run.fix.regions import Assessment, Prepared, prepare
from flake8_asyncio_run.fix.rewrite import (
    RegionRewriter,
    keyword_text,
    layout_region,
    render_block,
    rewrite_statements,
)
from flake8_asyncio_run.fix.safety import combine_hazard, no_combine_reason
from flake8_asyncio_run.fix.walk import children

MID_RETURN = "'return' between the calls"


@dataclass
class _Names:
    globals: list[str]
    nonlocals: list[str]
    returned: list[str]
    #: Names whose ``name: T`` lines go before the coroutine (Python forbids them on
    #: global/nonlocal names inside it), and those lines.
    hoisted: list[str]
    declared: list[str]


def assess_combine(ctx: FileContext, prepared: Prepared) -> Assessment:
    runner_calls = prepared.runner_calls
    in_generator = any(
        isinstance(node, cst.GeneratorExp) for site in runner_calls for node in site.comprehensions
    )
    reason = no_combine_reason(prepared.facts, in_generator)
    if reason is not None:
        return Assessment("none", reason)
    unsafe: str | None = None
    # The region's returns end the function: they move into the coroutine, and the
    # function returns what running it returns.
    returns_move_in = False
    facts = prepared.facts
    if facts.returns:
        if facts.definite is None or _at_tail(prepared):
            returns_move_in = True
        else:
            extended = _extend_to_tail(ctx, prepared)
            if extended is None:
                return Assessment("none", MID_RETURN)
            prepared, facts, returns_move_in, unsafe = extended, extended.facts, True, MID_RETURN
            reason = no_combine_reason(facts, in_generator)
            if reason is not None:
                return Assessment("none", reason)
    runner_text = _runner_text(ctx, prepared)
    root = runner_text.split("(", 1)[0].split(".", 1)[0]
    if root in facts.stores:
        return Assessment("none", f"the region rebinds '{root}'")
    names = _classify_names(ctx, prepared, returns_move_in)
    if isinstance(names, str):
        return Assessment("none", names)
    if unsafe is None and prepared.family == "asgiref":
        unsafe = "async_to_sync() decides which thread and loop run the coroutine"
    if unsafe is None:
        exempt = prepared.awaited_calls
        runner_nodes = {id(site.node) for site in runner_calls}
        unsafe = combine_hazard(
            facts,
            exempt,
            ctx.located.loop_functions,
            bool(prepared.nested_runner_calls),
            ctx.django,
            prepared.statements,
            runner_nodes,
        )
    edits = _edits(ctx, prepared, names, returns_move_in, runner_text)
    return Assessment("unsafe" if unsafe else "safe", unsafe, edits)


# Regions with a return ---------------------------------------------------------------
def _scope_statements(prepared: Prepared) -> Sequence[cst.BaseStatement]:
    scope = prepared.scope
    if isinstance(scope, cst.Module):
        return scope.body
    body = scope.body
    return body.body if isinstance(body, cst.IndentedBlock) else ()


def _scope_block(prepared: Prepared) -> cst.CSTNode:
    scope = prepared.scope
    return scope if isinstance(scope, cst.Module) else scope.body


def _at_tail(prepared: Prepared) -> bool:
    last = prepared.links[-1]
    return last.block is _scope_block(prepared) and last.index == len(last.block.body) - 1


def _scope_depth(prepared: Prepared) -> int:
    for depth, link in enumerate(prepared.runner_calls[0].chain):
        if link.statement is prepared.scope:
            return depth
    return -1


def _extend_to_tail(ctx: FileContext, prepared: Prepared) -> Prepared | None:
    """The region grown to the end of the function: its returns then end the function."""
    if isinstance(prepared.scope, cst.Module):
        return None
    top = prepared.runner_calls[0].chain[_scope_depth(prepared) + 1]
    block = top.block
    links = tuple(Link(block, i, block.body[i]) for i in range(top.index, len(block.body)))
    extended = prepare(ctx, prepared.region, links)
    return extended if isinstance(extended, Prepared) else None


# Names -----------------------------------------------------------------------------------
def _classify_names(ctx: FileContext, prepared: Prepared, returns_move_in: bool) -> _Names | str:
    facts = prepared.facts
    scope = prepared.scope
    names = _Names([], [], [], [], [])
    stores = list(facts.stores)
    if isinstance(scope, cst.Module):
        # A bare ``name: T`` assigns nothing: its line moves out, and no ``global``.
        names.globals = [name for name in stores if name not in facts.annotation_only]
        _hoist(ctx, facts, names, stores)
        return names
    outside = scope_facts(_scope_statements(prepared), prepared.statements)
    declared_global, declared_nonlocal = _declared(scope)
    bound_outside = outside.stores.keys() | parameter_names(scope) | declared_nonlocal
    live = outside.loads | outside.nested
    exposed = _exposed(prepared, live)
    definite = facts.definite or frozenset()
    early = facts.early_reads
    # A local that may be unbound when the region reads it would become a free variable
    # of the coroutine: NameError instead of UnboundLocalError.
    before = defined_before(_scope_statements(prepared), prepared.statements[0])
    if before is not None:
        unsure = facts.unassigned_reads & outside.stores.keys()
        unsure -= before | parameter_names(scope) | declared_global | declared_nonlocal
        if unsure:
            return f"'{min(unsure)}' may be unbound when the region reads it"
    for name in stores:
        if name in declared_global:
            names.globals.append(name)
            continue
        if name in declared_nonlocal:
            names.nonlocals.append(name)
            continue
        # A closure made in the region that reads a name the function rebinds later must
        # see the rebinding: the coroutine's own copy would hide it.
        captured = name in facts.nested and name in outside.stores
        if name in early or name in outside.nested or name in exposed or captured:
            exact = True
        elif name in live and not returns_move_in:
            exact = name not in definite or name in facts.unsettled or name in facts.nested
        else:
            continue
        if not exact:
            names.returned.append(name)
            continue
        if name not in bound_outside:
            # A hoisted ``name: T`` makes the name the function's, but a read before any
            # assignment then fails as a free variable (NameError), not UnboundLocalError.
            if name in early:
                return f"'{name}' is read before the region assigns it"
            if name not in facts.annotations:
                return f"'{name}' may be unbound after the region"
        names.nonlocals.append(name)
    _hoist(ctx, facts, names, names.globals + names.nonlocals)
    return names


def _hoist(ctx: FileContext, facts: Facts, names: _Names, candidates: Sequence[str]) -> None:
    names.hoisted = [name for name in candidates if name in facts.annotations]
    names.declared = [
        f"{name}: {ctx.code(facts.annotations[name].annotation)}" for name in names.hoisted
    ]


def _declared(scope: cst.FunctionDef) -> tuple[set[str], set[str]]:
    """The function's own ``global`` and ``nonlocal`` names (not its nested scopes')."""
    declared: tuple[set[str], set[str]] = (set(), set())
    stack: list[cst.CSTNode] = [scope.body]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is cst.FunctionDef or kind is cst.ClassDef or kind is cst.Lambda:
            continue
        if kind is cst.Global or kind is cst.Nonlocal:
            bucket = declared[0] if kind is cst.Global else declared[1]
            bucket.update(item.name.value for item in node.names)  # type: ignore[attr-defined]
        stack.extend(children(node))
    return declared


def _exposed(prepared: Prepared, live: set[str]) -> set[str]:
    """Names an exception leaving the region could let later code read."""
    chain = prepared.runner_calls[0].chain
    start = _scope_depth(prepared) + 1
    exposed: set[str] = set()
    for link in chain[start:]:
        if link.block is prepared.links[0].block:
            break
        statement = link.statement
        if isinstance(statement, cst.With):
            return set(live)  # a context manager may swallow the exception
        if isinstance(statement, (cst.Try, cst.TryStar)):
            for handler in statement.handlers:
                exposed |= mentioned_names(handler.body)
                if not _ends_abruptly(handler.body):
                    return set(live)
            if statement.finalbody is not None:
                exposed |= mentioned_names(statement.finalbody)
    return exposed & live


def _ends_abruptly(body: cst.BaseSuite) -> bool:
    statements = body.body
    if not statements:
        return False
    last = statements[-1]
    if isinstance(last, cst.SimpleStatementLine):
        return isinstance(last.body[-1], (cst.Return, cst.Raise, cst.Continue, cst.Break))
    return False


# Text ------------------------------------------------------------------------------------
def _runner_text(ctx: FileContext, prepared: Prepared) -> str:
    """How the region's calls name their runner, e.g. ``asyncio.run`` or ``go``."""
    direct = [s for s in prepared.runner_calls if s.call.form != "wrapper"]
    site = (direct or prepared.runner_calls)[0]
    func = site.node.func
    if site.call.form == "async_to_sync" and isinstance(func, cst.Call):
        return ctx.code(func.func).strip()
    return ctx.code(func).strip()


def _blank_lines_needed(ctx: FileContext, prepared: Prepared, start: int, top_level: bool) -> int:
    """Blank lines to add before the new ``async def`` so that it is laid out as
    pycodestyle expects (E302: two at top level, E306: one when nested), unless it is
    the first statement of its block."""
    if prepared.links[0].index == 0:
        return 0
    wanted = 2 if top_level else 1
    blank = 0
    line = start - 1
    while line >= 1 and blank < wanted and not ctx.lines.line_text(line).strip():
        blank += 1
        line -= 1
    return wanted - blank


def _edits(
    ctx: FileContext, prepared: Prepared, names: _Names, returns_move_in: bool, runner: str
) -> tuple[TextEdit, ...]:
    module = ctx.module
    nl = module.default_newline
    layout = layout_region(ctx, prepared.statements, ctx.boundaries(prepared.scope))
    span, indent, inner = layout.span, layout.indent, layout.inner
    scope_name = "main" if isinstance(prepared.scope, cst.Module) else prepared.scope.name.value
    coroutine = ctx.fresh(f"_{scope_name.lstrip('_')}_async", prepared.scope)
    rewriter = RegionRewriter(
        module, prepared.runner_calls, "await", strip=frozenset(names.hoisted)
    )
    body = render_block(ctx, rewrite_statements(layout.statements, rewriter), inner)

    top_level = isinstance(prepared.scope, cst.Module) and not indent
    if names.declared:
        parts = [f"{indent}{line}{nl}" for line in names.declared]
        parts.append(nl * (2 if top_level else 1))
    else:
        parts = [nl * _blank_lines_needed(ctx, prepared, span.line, top_level)]
    parts.append(f"{indent}async def {coroutine}():{nl}")
    if names.globals:
        parts.append(f"{inner}global {', '.join(names.globals)}{nl}")
    if names.nonlocals:
        parts.append(f"{inner}nonlocal {', '.join(names.nonlocals)}{nl}")
    parts.append(body)
    if names.returned and not returns_move_in:
        parts.append(f"{inner}return {', '.join(names.returned)}{nl}")
    keywords = keyword_text(ctx, prepared.first.keyword_nodes)
    extra = f", {keywords}" if keywords else ""
    if prepared.family == "asyncio" or prepared.runner_calls[0].call.form == "wrapper":
        call = f"{runner}({coroutine}(){extra})"
    elif prepared.family == "asgiref":
        call = f"{runner}({coroutine}{extra})()"
    else:
        call = f"{runner}({coroutine}{extra})"
    if top_level:
        parts.append(nl * 2)  # pycodestyle E305: two blank lines after a definition
    if returns_move_in:
        parts.append(f"{indent}return {call}{nl}")
    elif names.returned:
        parts.append(f"{indent}{', '.join(names.returned)} = {call}{nl}")
    else:
        parts.append(f"{indent}{call}{nl}")
    if isinstance(prepared.scope, cst.Module):
        # The coroutine must not stay a module attribute (globals(), ``import *``).
        parts.append(f"{indent}del {coroutine}{nl}")
    text = "".join(parts)
    if layout.no_newline:
        text = text[: -len(nl)]
    return (TextEdit(span, text),)
