"""The one way the package parses Python source into an ``ast`` tree.

Parsing is serialised across threads.  CPython before 3.11.8 and 3.12.2 keeps the
recursion depth of its AST conversion in state shared by threads, so two threads
parsing at once can fail with ``SystemError: AST constructor recursion depth mismatch``
(CPython issue 106905).  The language server checks buffers from several threads; a
lock that is not contended costs well under a microsecond.

The cyclic garbage collector is paused while a tree is built (``collector``): an
``ast`` tree holds no reference cycles, so nothing is left for it to find.
"""

from __future__ import annotations

import ast
import threading

from flake8_asyncio_run.collector import collector_paused

_LOCK = threading.Lock()


def parse_source(
    source: str | bytes, filename: str = "<unknown>", in_notebook: bool = False
) -> ast.Module:
    """``ast.parse``, accepting top-level ``await`` in a notebook's cells
    (``in_notebook``)."""
    flags = ast.PyCF_ONLY_AST | (ast.PyCF_ALLOW_TOP_LEVEL_AWAIT if in_notebook else 0)
    with _LOCK, collector_paused():
        tree = compile(source, filename, "exec", flags, dont_inherit=True)
    assert isinstance(tree, ast.Module)
    return tree
