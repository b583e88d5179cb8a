"""Turning libcst nodes back into text at a given indentation.

``Module.code_for_node`` renders a node as if it stood at column 0, which loses the
indentation of continuation lines and comments inside a nested block.  Rendering with
the block's indentation preset keeps every line where a person would expect it.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
from libcst._nodes.internal import CodegenState


def render(module: cst.Module, node: cst.CSTNode, indent: str = "") -> str:
    state = CodegenState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        indent_tokens=[indent] if indent else [],
    )
    node._codegen(state)
    return "".join(state.tokens)


def render_statements(module: cst.Module, statements: Sequence[cst.CSTNode], indent: str) -> str:
    return "".join(render(module, statement, indent) for statement in statements)
