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
from dataclasses import dataclass

import libcst as cst

from flake8_asyncio_run.findings import Applicability
from flake8_asyncio_run.fix.facts import Facts
from flake8_asyncio_run.fix.walk import children, descendants

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


# Running-loop safety -----------------------------------------------------------------
# A safe fix keeps behaviour in every calling context, a running loop included.  Inside
# a running loop the original raises at its first runner call, so a path that starts no
# loop is the one that still works there; the fix must not start a loop on it.

#: Expressions whose insides may never run, or run later: a call there starts nothing now.
_SKIPPED_EXPRESSIONS = (cst.Lambda, cst.FunctionDef, cst.ClassDef, cst.GeneratorExp)
_CONDITIONAL_PARTS: dict[type, tuple[str, ...]] = {
    # Parts that run on some evaluations only.
    cst.IfExp: ("body", "orelse"),
    cst.BooleanOperation: ("right",),
    cst.ListComp: ("elt", "for_in"),
    cst.SetComp: ("elt", "for_in"),
    cst.DictComp: ("key", "value", "for_in"),
}


def surely_starts_a_loop(statements: Sequence[cst.BaseStatement], runners: set[int]) -> bool:
    """Whether running ``statements`` from the first one surely evaluates a runner call
    (``runners`` holds their node ids) before it can leave them without an exception.
    Loops may run zero times, branches may be skipped, and a ``return``, ``break`` or
    ``continue`` before any runner call leaves without one."""
    for statement in statements:
        if _statement_surely(statement, runners):
            return True
        if _may_leave(statement):
            return False
    return False


def _statement_surely(statement: cst.CSTNode, runners: set[int]) -> bool:
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if _expression_surely(small, runners):
                return True
            if isinstance(small, (cst.Return, cst.Break, cst.Continue, cst.Raise)):
                return False
        return False
    if isinstance(statement, cst.If):
        if _expression_surely(statement.test, runners):
            return True
        orelse = statement.orelse
        if orelse is None or not _suite_surely(statement.body, runners):
            return False
        branch = orelse.body if isinstance(orelse, cst.Else) else orelse
        return (
            _suite_surely(branch, runners)
            if isinstance(branch, cst.BaseSuite)
            else (_statement_surely(branch, runners))
        )
    if isinstance(statement, (cst.For, cst.While)):
        head = statement.iter if isinstance(statement, cst.For) else statement.test
        return _expression_surely(head, runners)
    if isinstance(statement, (cst.Try, cst.TryStar)):
        return _try_surely(statement, runners)
    if isinstance(statement, cst.With):
        items = any(_expression_surely(item.item, runners) for item in statement.items)
        if items:
            return True
        # contextlib.suppress swallows what the body raises before its runner call.
        suppressing = any(_suppresses(item.item) for item in statement.items)
        return not suppressing and _suite_surely(statement.body, runners)
    if isinstance(statement, cst.Match):
        return _expression_surely(statement.subject, runners)
    return False


def _try_surely(statement: cst.Try | cst.TryStar, runners: set[int]) -> bool:
    """A ``try`` whose body surely starts a loop may still end normally without one:
    what the body raises before its runner call (``checked(x)``) a handler may catch,
    and a ``finally`` that returns swallows it.  So every handler must start a loop
    itself or raise again, and the ``finally`` must not leave."""
    if not _suite_surely(statement.body, runners):
        return False
    if statement.finalbody is not None and _may_leave(statement.finalbody):
        return False
    return all(
        _suite_surely(handler.body, runners) or _suite_raises(handler.body)
        for handler in statement.handlers
    )


def _suite_raises(suite: cst.BaseSuite) -> bool:
    """Whether the block surely ends in a ``raise`` of its own statements (a handler
    that re-raises leaves with an exception, as the original does)."""
    lines = suite.body if isinstance(suite, cst.IndentedBlock) else [suite]
    for line in lines:
        if isinstance(line, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in line.body:
                if isinstance(small, cst.Raise):
                    return True
                if isinstance(small, (cst.Return, cst.Break, cst.Continue)):
                    return False
        elif _may_leave(line):
            return False
    return False


def _suppresses(node: cst.BaseExpression) -> bool:
    """``suppress(...)`` or ``contextlib.suppress(...)``: a context manager that ends the
    block normally when the body raises."""
    if not isinstance(node, cst.Call):
        return False
    func = node.func
    name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
    return name == "suppress"


def _suite_surely(suite: cst.BaseSuite, runners: set[int]) -> bool:
    if isinstance(suite, cst.SimpleStatementSuite):
        return _statement_surely(cst.SimpleStatementLine(body=suite.body), runners)
    return surely_starts_a_loop(suite.body, runners)  # type: ignore[arg-type]


def _expression_surely(node: cst.CSTNode, runners: set[int]) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in runners:
            return True
        kind = type(current)
        if kind in _SKIPPED_EXPRESSIONS:
            continue
        skipped = _CONDITIONAL_PARTS.get(kind, ())
        for field_name in skipped:
            # A comprehension's first iterable is evaluated; the rest may not be.
            if field_name == "for_in":
                stack.append(current.for_in.iter)  # type: ignore[attr-defined]
        stack.extend(
            child
            for child in children(current)
            if not any(child is getattr(current, f, None) for f in skipped)
        )
    return False


def _may_leave(statement: cst.CSTNode) -> bool:
    """Whether the statement may end the walk early: a ``return`` anywhere in it, or a
    ``break``/``continue`` that is not inside one of its own loops."""
    stack: list[tuple[cst.CSTNode, bool]] = [(statement, False)]
    while stack:
        node, in_loop = stack.pop()
        kind = type(node)
        if kind in (cst.FunctionDef, cst.ClassDef, cst.Lambda):
            continue
        if kind is cst.Return or (kind in (cst.Break, cst.Continue) and not in_loop):
            return True
        inner = in_loop or kind in (cst.For, cst.While)
        stack.extend((child, inner) for child in children(node))
    return False


MAY_START_NO_LOOP = (
    "the region may start no event loop (a loop that runs zero times, a branch not "
    "taken) and the fix always starts one, which raises inside a running loop"
)

_CATCHES_RUNTIME_ERROR = frozenset({"RuntimeError", "Exception", "BaseException"})


def catches_the_running_loop_error(
    statements: Sequence[cst.BaseStatement], runners: set[int]
) -> bool:
    """A ``try`` in the region whose handlers catch ``RuntimeError`` around a runner call:
    inside a running loop the original swallows "asyncio.run() cannot be called from a
    running event loop" and goes on; the fix raises it before the handler exists."""
    for statement in statements:
        for node in descendants(statement):
            if not isinstance(node, (cst.Try, cst.TryStar)):
                continue
            if not any(id(n) in runners for n in descendants(node.body)):
                continue
            for handler in node.handlers:
                catches = handler.type is None or _names_in(handler.type) & _CATCHES_RUNTIME_ERROR
                # A handler that runs a loop itself raises again: no path survives.
                if catches and not _suite_surely(handler.body, runners):
                    return True
    return False


def _names_in(node: cst.CSTNode) -> set[str]:
    return {n.value for n in descendants(node) if isinstance(n, cst.Name)}


# Introspection and loop-scoped state ---------------------------------------------------
_INTROSPECTION = {
    "locals": "locals()",
    "vars": "vars()",
    "eval": "eval()",
    "exec": "exec()",
    "_getframe": "sys._getframe()",
    "currentframe": "inspect.currentframe()",
}


def introspection_in(scope: cst.CSTNode) -> str | None:
    """A call that reads the scope's variables by name (``locals()``, ``eval``, a frame's
    ``f_locals``): names moved into the coroutine would vanish from it."""
    stack = list(children(scope))
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind in (cst.FunctionDef, cst.ClassDef, cst.Lambda):
            continue
        if kind is cst.Call:
            name = dotted_name(node.func)  # type: ignore[attr-defined]
            short = name.rsplit(".", 1)[-1] if name else None
            # vars(obj) reads obj, not the scope; locals() and vars() take no arguments.
            bare = short not in ("locals", "vars") or (name == short and not node.args)  # type: ignore[attr-defined]
            if short in _INTROSPECTION and bare:
                return _INTROSPECTION[short]
        stack.extend(children(node))
    return None


_TASK_SPAWNERS = frozenset({"create_task", "ensure_future"})
_DECIMAL_CONTEXT = frozenset({"getcontext", "setcontext", "localcontext"})


def loop_state_hazard(module: cst.Module, coroutines: Iterable[str]) -> str | None:
    """Why one loop would share state that separate loops kept apart, judged from the
    module's own top-level ``async def``s that the runner calls run: a task left running
    (the old loop cancelled it on close), a ``ContextVar`` set, or the decimal context
    changed (each ``asyncio.run`` ran in a copy of the context)."""
    wanted = set(coroutines)
    if not wanted:
        return None
    context_vars: set[str] | None = None  # the module's, found only when needed
    for statement in module.body:
        if not (
            isinstance(statement, cst.FunctionDef)
            and statement.asynchronous is not None
            and statement.name.value in wanted
        ):
            continue
        if context_vars is None:
            context_vars = _context_var_names(module)
        reason = _coroutine_hazard(statement, context_vars)
        if reason is not None:
            return f"{reason} in {statement.name.value}(); one loop keeps it for the next call"
    return None


def _coroutine_hazard(function: cst.FunctionDef, context_vars: set[str]) -> str | None:
    awaited: set[int] = set()
    for node in descendants(function.body):
        if isinstance(node, cst.Await):
            awaited.add(id(node.expression))
        if not isinstance(node, cst.Call):
            continue
        name = dotted_name(node.func) or ""
        short = name.rsplit(".", 1)[-1]
        if short in _TASK_SPAWNERS and id(node) not in awaited:
            return f"a task started with {short}() and not awaited"
        if short == "set" and name.rsplit(".", 1)[0] in context_vars:
            return f"ContextVar '{name.rsplit('.', 1)[0]}' set"
        if short in _DECIMAL_CONTEXT:
            return f"the decimal context changed with {short}()"
    return None


def _context_var_names(module: cst.Module) -> set[str]:
    """Module globals bound to ``ContextVar(...)`` (where context variables live: a
    ContextVar made anywhere else is not looked for)."""
    names: set[str] = set()
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            value: cst.BaseExpression | None
            if isinstance(small, cst.Assign):
                value, targets = small.value, [t.target for t in small.targets]
            elif isinstance(small, cst.AnnAssign):
                value, targets = small.value, [small.target]
            else:
                continue
            called = dotted_name(value.func) if isinstance(value, cst.Call) else None
            if called is not None and called.rsplit(".", 1)[-1] == "ContextVar":
                names.update(t.value for t in targets if isinstance(t, cst.Name))
    return names


# Django ORM, recognised by shape ---------------------------------------------------------
_ORM_METHODS = frozenset({"save", "delete", "refresh_from_db", "full_clean"})


def orm_shaped(statements: Sequence[cst.BaseStatement]) -> str | None:
    """ORM access that Django refuses inside an event loop, recognised by its shape, since
    a file may import only its own models: ``X.objects...``, ``obj.save()``,
    ``obj.delete()``, and iterating a manager's queryset."""
    for statement in statements:
        for node in descendants(statement):
            if isinstance(node, cst.Attribute) and node.attr.value == "objects":
                return f"'{dotted_name(node) or 'objects'}' (Django ORM)"
            if (
                isinstance(node, cst.Call)
                and isinstance(node.func, cst.Attribute)
                and node.func.attr.value in _ORM_METHODS
            ):
                return f"'.{node.func.attr.value}()' (Django ORM)"
    return None


# Test code ---------------------------------------------------------------------------------
TEST_CODE_REASON = "tests often start several loops on purpose"


def is_test_code(path: str, function: str | None) -> bool:
    """``test_*.py``, ``*_test.py``, ``conftest.py``, files under a ``tests``/``test``
    directory, and functions named ``test_*``."""
    normalized = path.replace("\\", "/")
    parts = normalized.split("/")
    name = parts[-1]
    if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
        return True
    if any(part in ("tests", "test") for part in parts[:-1]):
        return True
    return bool(function and function.startswith("test_"))


# The running-loop policy, put together ---------------------------------------------------
@dataclass(frozen=True)
class Limits:
    """How safe a region's fix can be at best, whatever else the styles find."""

    #: Why neither style's fix may be safe.
    unsafe: str | None = None
    #: Why the combine fix may not be safe (the runner style keeps sync code outside).
    unsafe_combine: str | None = None
    #: Why the combine fix must not exist at all.
    no_combine: str | None = None


@dataclass(frozen=True)
class RegionView:
    """What the policy reads of a region, taken from the planner's prepared region."""

    statements: Sequence[cst.BaseStatement]
    runners: set[int]
    scope: cst.Module | cst.FunctionDef
    module: cst.Module
    #: The names of the functions whose coroutines the runner calls run.
    coroutines: tuple[str, ...]
    #: Whether every runner call's coroutine argument is a call expression.
    arguments_are_calls: bool
    #: Synchronous calls the combine fix would move into the event loop.
    moved_calls: tuple[str, ...]
    path: str
    family: str


def limits(region: RegionView) -> Limits:
    unsafe = _unsafe_for_both(region)
    sure = surely_starts_a_loop(region.statements, region.runners)
    no_combine: str | None = None
    unsafe_combine: str | None = None
    if region.family == "asgiref" and region.moved_calls:
        no_combine = (
            f"moves {region.moved_calls[0]}() into the coroutine under async_to_sync(); "
            "Django raises SynchronousOnlyOperation for ORM access there"
        )
    elif (orm := orm_shaped(region.statements)) is not None:
        no_combine = f"moves {orm} into the event loop, where it raises SynchronousOnlyOperation"
    elif not sure and region.moved_calls:
        no_combine = (
            f"on paths that start no event loop, the fix would still start one and run "
            f"{region.moved_calls[0]}() inside it"
        )
    if not sure:
        unsafe = unsafe or MAY_START_NO_LOOP
    if not region.arguments_are_calls:
        unsafe_combine = (
            "a runner argument is not a call: asyncio.run() checks that it gets a "
            "coroutine, 'await' raises TypeError on anything else"
        )
    return Limits(unsafe, unsafe_combine, no_combine)


def _unsafe_for_both(region: RegionView) -> str | None:
    function = region.scope.name.value if isinstance(region.scope, cst.FunctionDef) else None
    if is_test_code(region.path, function):
        return TEST_CODE_REASON
    introspection = introspection_in(region.scope)
    if introspection is not None:
        return f"the scope reads its variables by name ({introspection})"
    if catches_the_running_loop_error(region.statements, region.runners):
        return (
            "a handler in the region catches the RuntimeError a runner raises inside a "
            "running loop; the fix raises it outside the handler"
        )
    hazard = loop_state_hazard(region.module, region.coroutines)
    if hazard is not None:
        return hazard
    return None


#: Safest first: how the auto style and the policy's caps compare applicabilities.
SAFETY_ORDER: dict[Applicability, int] = {"safe": 0, "unsafe": 1, "none": 2}


def limited(
    applicability: Applicability, reason: str | None, limit: str | None, level: Applicability
) -> tuple[Applicability, str | None]:
    """``applicability`` lowered to ``level`` ("unsafe" or "none") when ``limit`` says so."""
    order = SAFETY_ORDER
    if limit is None or order[applicability] >= order[level]:
        return applicability, reason
    return level, limit
