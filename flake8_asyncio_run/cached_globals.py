"""Where a module caches a loop-bound resource in its globals (ARO201's fact).

Both the analysis (which reports at the assignment) and the project index's module
summaries (which record what is cached, for reach) read it from here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from flake8_asyncio_run.resolution import (
    Resolver,
    Scope,
    ScopeBuilder,
    iter_own_statements,
    iter_target_names,
)


@dataclass(frozen=True)
class CachedAssignment:
    statement: ast.stmt
    #: The module, or the function that declares the names ``global``.
    scope: Scope
    #: The module globals it binds, sorted.
    names: tuple[str, ...]
    #: What the resource is called in messages ("asyncpg pool").
    resource: str


def cached_assignments(builder: ScopeBuilder, resolver: Resolver) -> list[CachedAssignment]:
    """Assignments of a loop-bound resource to module globals: at module level, or in
    a function that declares the names ``global``; in source order."""
    module = builder.module
    tree = module.node
    assert isinstance(tree, ast.Module)
    targets: list[tuple[ast.stmt, ast.AST, set[str], Scope]] = []
    for node in iter_own_statements(tree.body):
        targets.extend(_assignments(node, None, module))
    for scope in walk_scopes(module):
        function = scope.node
        if scope.declared_global and isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in iter_own_statements(function.body):
                targets.extend(_assignments(node, scope.declared_global, scope))
    found: list[CachedAssignment] = []
    for statement, value, names, scope in sorted(
        targets, key=lambda t: (t[0].lineno, t[0].col_offset)
    ):
        resource = _factory_in(value, scope, builder, resolver)
        if resource is not None:
            found.append(CachedAssignment(statement, scope, tuple(sorted(names)), resource))
    return found


def walk_scopes(scope: Scope) -> Iterator[Scope]:
    yield scope
    for child in scope.children:
        yield from walk_scopes(child)


def _factory_in(
    value: ast.AST, scope: Scope, builder: ScopeBuilder, resolver: Resolver
) -> str | None:
    stack = [value]
    while stack:
        node = stack.pop(0)
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Call):
            call_scope = builder.scope_of_call.get(id(node), scope)
            resource = resolver.factory(node, call_scope)
            if resource is not None:
                return resource
        stack.extend(ast.iter_child_nodes(node))
    return None


def _assignments(
    node: ast.AST, only: set[str] | None, scope: Scope
) -> Iterator[tuple[ast.stmt, ast.AST, set[str], Scope]]:
    """(statement, value, global names it binds, scope) for assignments of interest."""
    if isinstance(node, ast.Assign):
        targets: list[ast.AST] = list(node.targets)
        value: ast.AST | None = node.value
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets, value = [node.target], node.value
    else:
        return
    if value is None:
        return
    names = {n for t in targets for n in iter_target_names(t)}
    if only is not None:
        names &= only
    if names:
        yield node, value, names, scope
