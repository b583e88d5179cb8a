"""Which calls of a scope test for a running event loop with their result.

``asyncio.get_event_loop()`` is often used to ask "is a loop running?": inside a ``try``
whose handler catches ``RuntimeError``, or with ``.is_running()`` called on what it
returns.  ``asyncio.get_running_loop()`` answers that question without creating or
returning a loop that no one runs; ARO104's message says so for these calls.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
#: ``try`` and, from 3.11, ``try`` with ``except*``.
_TRIES: tuple[type[ast.stmt], ...] = tuple({ast.Try, getattr(ast, "TryStar", ast.Try)})


def running_loop_probes(body: list[ast.stmt] | ast.expr) -> frozenset[int]:
    """The ids of the calls in ``body`` (not in nested scopes) that probe for a running
    loop: in the body of a ``try`` catching ``RuntimeError``, or whose result (directly
    or through a name it is assigned to) has ``.is_running()`` called on it."""
    roots: list[ast.AST] = list(body) if isinstance(body, list) else [body]
    guarded: set[int] = set()
    tested: set[int] = set()
    tested_names: set[str] = set()
    assigned: dict[int, str] = {}
    for node in _walk(roots):
        if isinstance(node, _TRIES) and any(
            _catches_runtime_error(h) for h in getattr(node, "handlers", [])
        ):
            guarded.update(
                id(n) for n in _walk(getattr(node, "body", [])) if isinstance(n, ast.Call)
            )
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned[id(node.value)] = target.id
        elif _is_running_call(node):
            assert isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            receiver = node.func.value
            if isinstance(receiver, ast.Name):
                tested_names.add(receiver.id)
            tested.add(id(receiver))
    named = {call for call, name in assigned.items() if name in tested_names}
    return frozenset(guarded | tested | named)


def _walk(roots: list[ast.AST]) -> Iterator[ast.AST]:
    stack: list[ast.AST] = list(reversed(roots))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _NESTED):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _is_running_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "is_running"
        and not node.args
    )


def _catches_runtime_error(handler: ast.ExceptHandler) -> bool:
    kind = handler.type
    kinds = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    return any(isinstance(k, ast.Name) and k.id == "RuntimeError" for k in kinds)
