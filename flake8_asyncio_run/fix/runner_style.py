"""The runner style (Python 3.11+, asyncio only): wrap the region in
``with asyncio.Runner() as runner:`` and call ``runner.run(x)`` for each runner call.

The synchronous code stays outside the running loop and the names stay in their scope,
so this style is safe wherever it applies.
"""

from __future__ import annotations

import libcst as cst

from flake8_asyncio_run.findings import Span, TextEdit
from flake8_asyncio_run.fix.context import FileContext
from flake8_asyncio_run.fix.regions import Assessment, Prepared
from flake8_asyncio_run.fix.rewrite import (
    RegionRewriter,
    keyword_text,
    layout_region,
    render_block,
    rewrite_statements,
)
from flake8_asyncio_run.fix.walk import children
from flake8_asyncio_run.targets import RUNNER_VERSION


def assess_runner(ctx: FileContext, prepared: Prepared) -> Assessment:
    if prepared.family != "asyncio":
        return Assessment(
            "none", f"asyncio.Runner cannot run {prepared.runner_calls[0].call.display}"
        )
    if ctx.target < RUNNER_VERSION:
        return Assessment(
            "none", f"asyncio.Runner needs Python 3.11 (target is {ctx.target[0]}.{ctx.target[1]})"
        )
    found = _asyncio_reference(ctx, prepared)
    if found is None:
        return Assessment("none", "the name 'asyncio' is bound to something else")
    reference, import_edit = found
    module = ctx.module
    nl = module.default_newline
    layout = layout_region(ctx, prepared.statements, ctx.boundaries(prepared.scope))
    at_module_level = isinstance(prepared.scope, cst.Module)
    # At module level the runner is a global: private, and deleted after the block.
    runner = ctx.fresh("_runner" if at_module_level else "runner", prepared.scope)
    rewriter = RegionRewriter(module, prepared.runner_calls, "runner", runner_name=runner)
    body = render_block(ctx, rewrite_statements(layout.statements, rewriter), layout.inner)
    keywords = keyword_text(ctx, prepared.first.keyword_nodes)
    text = f"{layout.indent}with {reference}.Runner({keywords}) as {runner}:{nl}{body}"
    if at_module_level:
        text += f"{layout.indent}del {runner}{nl}"
    if layout.no_newline:
        text = text[: -len(nl)]
    edits = [TextEdit(layout.span, text)]
    if import_edit is not None:
        edits.insert(0, import_edit)
    return Assessment("safe", None, tuple(edits))


def _asyncio_reference(ctx: FileContext, prepared: Prepared) -> tuple[str, TextEdit | None] | None:
    """How to spell the asyncio module here, and the ``import asyncio`` edit if needed."""
    for site in prepared.runner_calls:
        func = site.node.func
        if site.call.form == "coroutine" and isinstance(func, cst.Attribute):
            return ctx.code(func.value).strip(), None
    module = ctx.module
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    if isinstance(alias.name, cst.Name) and alias.name.value == "asyncio":
                        if alias.asname is None:
                            return "asyncio", None
                        if isinstance(alias.asname.name, cst.Name):
                            return alias.asname.name.value, None
    if "asyncio" in _bound_names(module):
        return None
    return "asyncio", _import_edit(ctx)


def _bound_names(module: cst.Module) -> set[str]:
    """Names used anywhere except as the module of ``from X import ...``."""
    names: set[str] = set()
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            names.add(node.value)
        elif isinstance(node, cst.ImportFrom):
            if not isinstance(node.names, cst.ImportStar):
                for alias in node.names:
                    bound = alias.asname.name if alias.asname else alias.name
                    if isinstance(bound, cst.Name):
                        names.add(bound.value)
            continue
        stack.extend(children(node))
    return names


def _import_edit(ctx: FileContext) -> TextEdit:
    """``import asyncio`` before the first top-level import (after any docstring and
    ``from __future__`` imports when there is none)."""
    module = ctx.module
    line = None
    after = 1
    for statement in module.body:
        position = ctx.located.position(statement)
        if isinstance(statement, cst.SimpleStatementLine):
            small = statement.body[0]
            is_future = (
                isinstance(small, cst.ImportFrom)
                and isinstance(small.module, cst.Name)
                and small.module.value == "__future__"
            )
            if isinstance(small, (cst.Import, cst.ImportFrom)) and not is_future:
                line = position.start.line
                break
            if is_future or (
                isinstance(small, cst.Expr)
                and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString))
            ):
                after = position.end.line + 1
                continue
        break
    if line is None:
        line = min(after, ctx.lines.line_count)
    text = f"import asyncio{module.default_newline}"
    return TextEdit(Span(line, 0, line, 0), text)
