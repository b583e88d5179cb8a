"""Every identifier a file spells: the fixer's new names must clash with none of them.

Collected from the ``ast`` the analysis already has, so that the fixer needs no walk
over the (far slower) libcst tree for it.  The set is the values of every libcst
``Name`` node but ``True``/``False``/``None`` (a test compares them): names, attributes,
keyword arguments, imported and defined names, parameters, declarations and captures.
"""

from __future__ import annotations

import ast

#: Fields that hold an identifier, a dotted name, or a list of identifiers.
_NAME_FIELDS = frozenset({"id", "attr", "arg", "name", "asname", "rest"})
_DOTTED_FIELDS = frozenset({"module"})  # ImportFrom.module; alias.name is dotted too
_LIST_FIELDS = frozenset({"names", "kwd_attrs"})

#: node type -> its fields, each with how to read a string in it: 0 not a name, 1 an
#: identifier, 2 a dotted name, 3 identifiers in a list.  Nodes are always entered
#: (3.12's ``type X = ...`` keeps its name in a Name node).
_PLAN: dict[type, tuple[tuple[str, int], ...]] = {}


def _plan(kind: type) -> tuple[tuple[str, int], ...]:
    plan = []
    for name in kind._fields:  # type: ignore[attr-defined]
        if name in _DOTTED_FIELDS or (kind is ast.alias and name == "name"):
            plan.append((name, 2))
        elif name in _LIST_FIELDS:
            plan.append((name, 3))
        else:
            plan.append((name, 1 if name in _NAME_FIELDS else 0))
    _PLAN[kind] = found = tuple(plan)
    return found


def identifiers(tree: ast.AST) -> frozenset[str]:
    # A hand-rolled walk: ast.walk is several times slower, and this runs on every file
    # that has runner calls.
    found: set[str] = set()
    add = found.add
    stack: list[ast.AST] = [tree]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        kind = type(node)
        if kind is ast.Name:
            add(node.id)  # type: ignore[attr-defined]
            continue
        for field, how in _PLAN.get(kind) or _plan(kind):
            value = getattr(node, field, None)
            if type(value) is str:
                if how == 1:
                    add(value)
                elif how == 2 and value != "*":
                    found.update(value.split("."))
            elif type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        push(item)
                    elif how == 3 and type(item) is str:
                        add(item)
            elif isinstance(value, ast.AST):
                push(value)
    return frozenset(found)
