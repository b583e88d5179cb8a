"""The fix-safety policy: which regions get no fix, no combine fix, or an unsafe one.

No fix (either style):   a ``yield``; ``break``/``continue`` leaving the region;
                         ``locals()``, ``vars()``, ``exec``, ``eval`` (or ``import *``);
                         runner calls with differing keyword arguments; flagged calls
                         inside a lambda or nested function; a class body; mixed runner
                         families; a call shape that cannot become an ``await``.
No combine (runner may): zero-argument ``super()``; a runner call inside a generator
                         expression; a ``global``/``nonlocal`` statement in the region;
                         a name whose exact semantics a coroutine cannot keep.
Unsafe combine:          ``async_to_sync`` (asgiref decides threads and loops); calls of
                         same-module functions, or nested functions in the region, that
                         run their own loop (they would raise); any call outside
                         the plain list below; imports; synchronous ``with`` blocks; a
                         ``return`` between the calls (the rest of the function moves
                         into the coroutine); in Django modules, any statement other than
                         a runner call (ORM access raises ``SynchronousOnlyOperation``).

Plain code keeps combine safe: assignments, augmented assignments, ``if``/``for``/
``while``/``try``, ``assert``, ``raise``, ``del``, ``pass``, literals, f-strings,
arithmetic, comparisons, attribute and subscript reads, comprehensions, definitions of
functions and lambdas, and calls of the functions listed here: builtins that do no I/O
besides ``print``, logging calls, clocks, ``uuid4``, ``json``/``hashlib``/``secrets``
helpers, ``os.getenv``, and common ``str``/``list``/``dict`` methods.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import libcst as cst

from flake8_asyncio_run.fix.facts import Facts

SAFE_BUILTINS = frozenset(
    [
        "abs",
        "all",
        "any",
        "ascii",
        "bin",
        "bool",
        "bytes",
        "callable",
        "chr",
        "dict",
        "divmod",
        "enumerate",
        "filter",
        "float",
        "format",
        "frozenset",
        "getattr",
        "hasattr",
        "hash",
        "hex",
        "id",
        "int",
        "isinstance",
        "issubclass",
        "iter",
        "len",
        "list",
        "map",
        "max",
        "min",
        "oct",
        "ord",
        "pow",
        "print",
        "range",
        "repr",
        "reversed",
        "round",
        "set",
        "slice",
        "sorted",
        "str",
        "sum",
        "tuple",
        "type",
        "zip",
    ]
)
SAFE_DOTTED = frozenset(
    [
        "time.time",
        "time.time_ns",
        "time.monotonic",
        "time.monotonic_ns",
        "time.perf_counter",
        "time.perf_counter_ns",
        "datetime.now",
        "datetime.utcnow",
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "date.today",
        "datetime.date.today",
        "uuid.uuid4",
        "uuid4",
        "json.dumps",
        "json.loads",
        "hashlib.sha256",
        "hashlib.sha1",
        "hashlib.md5",
        "hashlib.blake2b",
        "secrets.token_hex",
        "secrets.token_urlsafe",
        "secrets.token_bytes",
        "os.getenv",
        "os.environ.get",
        "math.floor",
        "math.ceil",
        "math.sqrt",
        "math.isclose",
    ]
)
#: Methods of str, list, dict and set that do no I/O.  (Not ``get``, ``count`` or
#: ``update``: HTTP sessions and Django querysets have those too.)
SAFE_METHODS = frozenset(
    [
        "append",
        "extend",
        "insert",
        "items",
        "keys",
        "values",
        "copy",
        "format",
        "join",
        "split",
        "rsplit",
        "splitlines",
        "strip",
        "lstrip",
        "rstrip",
        "lower",
        "upper",
        "title",
        "replace",
        "startswith",
        "endswith",
        "encode",
        "decode",
        "hexdigest",
        "isoformat",
        "setdefault",
        "index",
        "add",
        "discard",
    ]
)
LOG_METHODS = frozenset(
    ["debug", "info", "warning", "warn", "error", "exception", "critical", "log"]
)
_DJANGO = re.compile(r"^\s*(?:from|import)\s+django\b", re.MULTILINE)


def dotted_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def is_plain_call(call: cst.Call) -> bool:
    name = dotted_name(call.func)
    if name is not None and (name in SAFE_BUILTINS or name in SAFE_DOTTED):
        return True
    if isinstance(call.func, cst.Attribute):
        method = call.func.attr.value
        receiver = (dotted_name(call.func.value) or "").rsplit(".", 1)[-1].lower()
        if method in LOG_METHODS and (
            receiver.endswith("logger") or receiver in ("log", "_log", "logging")
        ):
            return True
        if method in SAFE_METHODS and name not in SAFE_DOTTED:
            return True
    return False


def uses_django(text: str) -> bool:
    return _DJANGO.search(text) is not None


def no_fix_reason(facts: Facts) -> str | None:
    """Why neither style can rewrite the region."""
    if facts.yields:
        return "'yield' in the region"
    if facts.escapes:
        return f"'{facts.escapes[0]}' leaves the region"
    if facts.dynamic:
        return f"{sorted(facts.dynamic)[0]} in the region"
    return None


def no_combine_reason(facts: Facts, in_generator: bool) -> str | None:
    if facts.zero_arg_super:
        return "zero-argument super() in the region"
    if in_generator:
        return "runner call inside a generator expression"
    if facts.declarations:
        return "'global' or 'nonlocal' statement in the region"
    return None


def combine_hazard(
    facts: Facts,
    exempt: set[int],
    loop_functions: Iterable[str],
    nested_runner: bool,
    django: bool,
    statements: Sequence[cst.BaseStatement],
    runner_nodes: set[int],
) -> str | None:
    """Why running the region's synchronous code inside the event loop may misbehave."""
    loop_names = set(loop_functions)
    if nested_runner:
        return "a nested function in the region runs its own event loop"
    for call in facts.calls:
        if id(call) in exempt:
            continue
        name = dotted_name(call.func)
        short = name.rsplit(".", 1)[-1] if name else None
        if short in loop_names:
            return f"calls '{name}()', which runs its own event loop"
    if django and not all(_is_runner_statement(s, runner_nodes) for s in statements):
        return "Django code inside the event loop may raise SynchronousOnlyOperation"
    for call in facts.calls:
        if id(call) in exempt or is_plain_call(call):
            continue
        name = dotted_name(call.func)
        shown = f"{name}()" if name else "a call"
        return f"runs {shown} inside the event loop"
    if facts.imports:
        return "imports a module inside the event loop"
    if facts.withs:
        return "enters a synchronous 'with' block inside the event loop"
    return None


def _is_runner_statement(statement: cst.BaseStatement, runner_nodes: set[int]) -> bool:
    """``x = asyncio.run(...)`` or ``asyncio.run(...)`` alone."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    for small in statement.body:
        if isinstance(small, cst.Expr) or (
            isinstance(small, cst.Assign)
            and all(isinstance(t.target, cst.Name) for t in small.targets)
        ):
            value = small.value
        else:
            return False
        if id(value) not in runner_nodes:
            return False
    return True
