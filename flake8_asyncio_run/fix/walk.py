"""Walking libcst trees quickly.

``CSTNode.children`` and ``CSTNode.visit`` rebuild every node they pass (libcst says
so itself); reading the dataclass fields directly is several times faster, and the
fixer walks each file's tree a few times.  Order is the fields' order, which is source
order for the nodes whose order the fixer relies on (calls, assignments, operators).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import libcst as cst

_FIELDS: dict[type, tuple[str, ...]] = {}
#: type -> whether it is a CSTNode.  (libcst's node classes are ABCs, and isinstance
#: against an ABC is slow enough to show in profiles.)
_IS_NODE: dict[type, bool] = {}


def _is_node(kind: type) -> bool:
    known = _IS_NODE.get(kind)
    if known is None:
        known = _IS_NODE[kind] = issubclass(kind, cst.CSTNode)
    return known


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    names = _FIELDS.get(type(node))
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(node))
        _FIELDS[type(node)] = names
    for name in names:
        value = getattr(node, name)
        kind = type(value)
        if kind is list or kind is tuple:
            for item in value:
                if _is_node(type(item)):
                    yield item
        elif _is_node(kind):
            yield value


def descendants(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The node and everything below it."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(children(current))
