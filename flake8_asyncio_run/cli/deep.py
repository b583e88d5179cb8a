"""Room for files that nest deeply: a 400-term sum compiles and runs, but libcst's walks
take a few Python frames per level of it, more than the default recursion limit allows.

``fix`` runs such a file once more with a recursion limit sized to the file's syntax
tree, on a thread of its own with a large stack (Python 3.10 runs every Python call on
the C stack), restoring both afterwards.  A file that fails even so raises TooDeep,
and the command skips it.
"""

from __future__ import annotations

import ast
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

from flake8_asyncio_run.parsing import parse_source

T = TypeVar("T")

#: Python frames allowed per level of the syntax tree: the fixer's walks take about 4.
FRAMES_PER_LEVEL = 10
BASE_FRAMES = 2000
#: C stack per allowed frame for the thread, and the bounds of its size.
STACK_PER_FRAME = 4 * 1024
MIN_STACK = 64 * 1024 * 1024
MAX_STACK = 512 * 1024 * 1024


class TooDeep(Exception):
    """The call ran out of recursion room even with more, or no room could be made."""


def out_of_room(error: BaseException) -> bool:
    """Whether ``error`` is a RecursionError or was raised while one was unwinding: a
    context manager's exit can fail in its turn on the state the recursion left
    (libcst's position recording raises KeyError then)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, RecursionError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def frames_for(text: str) -> int:
    """A recursion limit with room for ``text``'s deepest nesting."""
    depth = syntax_depth(text)
    return max(sys.getrecursionlimit(), depth * FRAMES_PER_LEVEL + BASE_FRAMES)


def syntax_depth(text: str) -> int:
    """The depth of ``text``'s ``ast``, walked without recursion; for text that does not
    parse, the deepest the parser accepts (about three times the recursion limit)."""
    try:
        tree = parse_source(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return 3 * sys.getrecursionlimit()
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def in_room(call: Callable[[], T], limit: int) -> T:
    """``call()`` with a recursion limit of at least ``limit``, on a thread whose stack
    holds that many frames.  The limit and the stack size for new threads are restored
    before this returns; running out of room again (``out_of_room``), or a thread that
    cannot start, is TooDeep."""
    results: list[T] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            results.append(call())
        except BaseException as error:  # re-raised in the calling thread
            failures.append(error)

    thread = threading.Thread(target=run, name="flake8-asyncio-run-deep", daemon=True)
    previous_limit = sys.getrecursionlimit()
    try:
        previous_stack = threading.stack_size(
            min(max(MIN_STACK, limit * STACK_PER_FRAME), MAX_STACK)
        )
    except (ValueError, RuntimeError) as error:  # the platform sets no stack sizes
        raise TooDeep(str(error)) from error
    try:
        sys.setrecursionlimit(max(previous_limit, limit))
        thread.start()
        thread.join()
    except RuntimeError as error:  # no thread with that stack (memory limits)
        raise TooDeep(str(error)) from error
    finally:
        sys.setrecursionlimit(previous_limit)
        threading.stack_size(previous_stack)
    if failures:
        if out_of_room(failures[0]):
            raise TooDeep(str(failures[0])) from failures[0]
        raise failures[0]
    return results[0]
