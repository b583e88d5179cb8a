"""Name resolution: which calls start an event loop, and which build loop-bound resources.

Scope-aware and flow-insensitive: a name resolves to an import only when every binding
of it in the scope that owns it is that same import, so a local ``def run`` or a
parameter named ``run`` shadows ``from asyncio import run``.  Attribute calls resolve
only through an imported module (``asyncio.run``), never through objects
(``proc.run()``, ``self.run()``).
"""

from __future__ import annotations

import ast
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, ClassVar, Literal

from flake8_asyncio_run.findings import CallForm, Family

# --- What we know about libraries -------------------------------------------------------


@dataclass(frozen=True)
class RunnerKind:
    family: Family
    form: CallForm
    display: str


#: Qualified name -> the runner it is.  ``async_to_sync`` is special: the runner call is
#: the *outer* call of ``async_to_sync(fn)(*args)``.
KNOWN_RUNNERS: dict[str, RunnerKind] = {
    "asyncio.run": RunnerKind("asyncio", "coroutine", "asyncio.run()"),
    "asyncio.runners.run": RunnerKind("asyncio", "coroutine", "asyncio.run()"),
    "anyio.run": RunnerKind("anyio", "callable", "anyio.run()"),
    "trio.run": RunnerKind("trio", "callable", "trio.run()"),
    "asgiref.sync.async_to_sync": RunnerKind("asgiref", "async_to_sync", "async_to_sync()"),
}

#: Hand-managed loop calls that ARO104 reports next to a managed runner.
LOOP_MANAGEMENT: dict[str, str] = {
    f"asyncio{sub}.{name}": f"asyncio.{name}()"
    for sub in ("", ".events")
    for name in ("get_event_loop", "new_event_loop", "set_event_loop")
}

#: Qualified name of a factory -> what the resource is called in messages.
KNOWN_FACTORIES: dict[str, str] = {
    "asyncpg.create_pool": "asyncpg pool",
    "asyncpg.pool.create_pool": "asyncpg pool",
    "asyncpg.connect": "asyncpg connection",
    "asyncpg.connection.connect": "asyncpg connection",
    "httpx.AsyncClient": "httpx AsyncClient",
    "aiohttp.ClientSession": "aiohttp ClientSession",
    "aiohttp.client.ClientSession": "aiohttp ClientSession",
    "aiohttp.TCPConnector": "aiohttp TCPConnector",
    "aiohttp.connector.TCPConnector": "aiohttp TCPConnector",
    "redis.asyncio.Redis": "redis.asyncio client",
    "redis.asyncio.StrictRedis": "redis.asyncio client",
    "redis.asyncio.from_url": "redis.asyncio client",
    "redis.asyncio.Redis.from_url": "redis.asyncio client",
    "redis.asyncio.StrictRedis.from_url": "redis.asyncio client",
    "redis.asyncio.client.Redis": "redis.asyncio client",
    "redis.asyncio.ConnectionPool": "redis.asyncio connection pool",
    "redis.asyncio.ConnectionPool.from_url": "redis.asyncio connection pool",
    "redis.asyncio.connection.ConnectionPool": "redis.asyncio connection pool",
    "sqlalchemy.ext.asyncio.create_async_engine": "SQLAlchemy async engine",
    "motor.motor_asyncio.AsyncIOMotorClient": "Motor client",
    "aio_pika.connect": "aio-pika connection",
    "aio_pika.connect_robust": "aio-pika connection",
    "psycopg_pool.AsyncConnectionPool": "psycopg AsyncConnectionPool",
    "psycopg_pool.pool_async.AsyncConnectionPool": "psycopg AsyncConnectionPool",
    "psycopg.AsyncConnection.connect": "psycopg AsyncConnection",
    "psycopg.connection_async.AsyncConnection.connect": "psycopg AsyncConnection",
    "aiomysql.create_pool": "aiomysql pool",
    "aiomysql.pool.create_pool": "aiomysql pool",
    "aiomysql.connect": "aiomysql connection",
    "aiosqlite.connect": "aiosqlite connection",
    "databases.Database": "databases Database",
    "elasticsearch.AsyncElasticsearch": "AsyncElasticsearch client",
    "asyncio.Queue": "asyncio.Queue",
    "asyncio.Lock": "asyncio.Lock",
    "asyncio.Event": "asyncio.Event",
    "asyncio.Semaphore": "asyncio.Semaphore",
    "asyncio.BoundedSemaphore": "asyncio.BoundedSemaphore",
    "asyncio.Condition": "asyncio.Condition",
}


def runner_table(configured: Iterable[str] = ()) -> dict[str, RunnerKind]:
    """The known runners plus the configured ones (a configured runner's library is
    unknown: it is a ``custom`` wrapper)."""
    runners = dict(KNOWN_RUNNERS)
    for name in configured:
        if name and name not in runners:
            runners[name] = RunnerKind("custom", "wrapper", f"{name}()")
    return runners


#: (what built the object, the method) -> the resource the method returns: a client
#: made from a session object (``aioboto3.Session().client("s3")``).
METHOD_FACTORIES: dict[tuple[str, str], str] = {
    (session, method): f"aioboto3 {method}"
    for session in ("aioboto3.Session", "aioboto3.session.Session")
    for method in ("client", "resource")
}


def factory_names(configured: Iterable[str] = ()) -> tuple[str, ...]:
    """Every factory as a dotted name (a method factory as ``made_by.method``): what
    the prefilter looks for in a file's text."""
    methods = (f"{made_by}.{method}" for made_by, method in METHOD_FACTORIES)
    return tuple(dict.fromkeys([*KNOWN_FACTORIES, *methods, *configured]))


# --- Scopes and bindings -----------------------------------------------------------------

ScopeKind = Literal["module", "function", "async_function", "lambda", "class", "comprehension"]
BindingKind = Literal["import", "def", "class", "alias", "other"]
#: The nodes that open a scope with a statement body.
BodyScopeNode = ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
Comprehension = ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
#: Every node that opens a scope.
ScopeNode = BodyScopeNode | ast.Lambda | Comprehension


@dataclass
class Binding:
    kind: BindingKind
    #: import: the qualified name bound; alias: unused.
    qualname: str = ""
    #: def: the FunctionDef/AsyncFunctionDef; class: the ClassDef; alias: the value.
    node: ast.AST | None = None


@dataclass(eq=False)
class Scope:
    kind: ScopeKind
    node: ScopeNode
    parent: Scope | None
    name: str
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    declared_global: set[str] = field(default_factory=set)
    declared_nonlocal: set[str] = field(default_factory=set)
    star_imports: list[str] = field(default_factory=list)
    children: list[Scope] = field(default_factory=list)

    def bind(self, name: str, binding: Binding) -> None:
        if name in self.declared_global:
            self.module().bindings.setdefault(name, []).append(binding)
        elif name not in self.declared_nonlocal:
            self.bindings.setdefault(name, []).append(binding)
        # A nonlocal name binds in an enclosing function; lookups already go there.

    @property
    def is_sync(self) -> bool:
        return self.kind in ("module", "function", "lambda", "class")

    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def function_scope(self) -> Scope:
        """The scope whose statements a comprehension's expressions run in."""
        scope = self
        while scope.kind == "comprehension" and scope.parent is not None:
            scope = scope.parent
        return scope


#: A ``def`` or ``class`` statement: what ``ScopeBuilder`` may leave unbuilt.
Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef

NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)

#: The fields of compound statements that hold statements (or handlers and cases).
_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


def iter_own_statements(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every statement of ``body`` at any depth (with the ``except`` handlers and
    ``match`` cases that hold them), not entering nested scopes: a nested ``def``,
    ``class`` or lambda is returned, its body is not.  Expressions are never entered:
    statements only appear inside other statements (a lambda holds none)."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, NESTED_SCOPES):
            continue
        for name in _BLOCKS:
            block = getattr(node, name, None)
            if type(block) is list:
                stack.extend(block)


def iter_target_names(target: ast.AST) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from iter_target_names(element)
    elif isinstance(target, ast.Starred):
        yield from iter_target_names(target.value)


#: Nodes with nothing below them to bind or call (names bind only as targets, which the
#: builder handles where it meets them): the walk does not enter them.
_LEAVES = frozenset(
    {
        ast.Name,
        ast.Constant,
        *(
            kind
            for base in (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)
            for kind in base.__subclasses__()
        ),
    }
)


class ScopeBuilder(ast.NodeVisitor):
    """One pass that builds every scope's binding table and maps nodes to scopes."""

    #: node type -> its visit_* method (or generic_visit), looked up once per type;
    #: ast.NodeVisitor builds the method name and looks it up on every node.
    _handlers: ClassVar[dict[type, Callable[[ScopeBuilder, Any], None]]] = {}

    def __init__(
        self,
        tree: ast.Module,
        declarations: bool = True,
        package: str | None = None,
        needed: Callable[[Definition], bool] | None = None,
    ) -> None:
        """``declarations=False``: the caller knows the source has no ``global`` or
        ``nonlocal`` statement, so function bodies need no scan for them first.
        ``package``: the dotted package the module is in (``""`` at the top), which
        relative imports resolve against; None when unknown (they bind nothing known).
        ``needed``: for a ``def`` or ``class`` outside any function, whether to build
        its scopes (``needed_definitions``); one that is not needed only binds its
        name.  None: build every scope."""
        self._declarations = declarations
        self._package = package
        self._needed = needed
        #: How many function bodies the walk is in: only definitions outside any
        #: function are skipped, as only module bindings can reach into them.
        self._function_depth = 0
        self.module = Scope("module", tree, None, "<module>")
        self.scope_of: dict[int, Scope] = {id(tree): self.module}
        #: id(ast.Call) -> the scope its names are looked up in.
        self.scope_of_call: dict[int, Scope] = {}
        #: id(Scope) -> the calls its statements evaluate (a comprehension's calls count
        #: for the scope around it), so that scopes without runner calls can be skipped.
        self.calls_by_owner: dict[int, list[ast.Call]] = {}
        self._current = self.module
        self._qualname: list[str] = []
        for statement in tree.body:
            self.visit(statement)

    def release(self) -> None:
        """Break the scopes' parent-child cycles once nobody needs them: then the
        scopes (and the nodes only they hold) go when the last reference does, with no
        wait for the cyclic garbage collector, which the project index's build pauses."""
        stack = [self.module]
        while stack:
            scope = stack.pop()
            stack.extend(scope.children)
            scope.children = []
            scope.parent = None
        self.scope_of.clear()

    # The walk ---------------------------------------------------------------------------
    def visit(self, node: ast.AST) -> None:
        kind = type(node)
        if kind in _LEAVES:
            return
        handler = self._handlers.get(kind)
        if handler is None:
            found = getattr(ScopeBuilder, "visit_" + kind.__name__, None)
            handler = self._handlers[kind] = found or ScopeBuilder.generic_visit
        handler(self, node)

    def generic_visit(self, node: ast.AST) -> None:
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    # Scope-creating nodes ------------------------------------------------------------
    def _enter(self, kind: ScopeKind, node: ScopeNode, name: str) -> Scope:
        scope = Scope(kind, node, self._current, name)
        self._current.children.append(scope)
        self.scope_of[id(node)] = scope
        if self._declarations and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # Declarations must be known before the bindings they redirect.
            for statement in iter_own_statements(node.body):
                if isinstance(statement, ast.Global):
                    scope.declared_global.update(statement.names)
                elif isinstance(statement, ast.Nonlocal):
                    scope.declared_nonlocal.update(statement.names)
        return scope

    def _bind_arguments(self, scope: Scope, args: ast.arguments) -> None:
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        if args.vararg:
            every.append(args.vararg)
        if args.kwarg:
            every.append(args.kwarg)
        for arg in every:
            scope.bind(arg.arg, Binding("other"))

    def _skipped(self, node: Definition) -> bool:
        return self._needed is not None and not self._function_depth and not self._needed(node)

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if self._skipped(node):
            self._current.bind(node.name, Binding("def", node=node))
            return
        for decorator in node.decorator_list:
            self.visit(decorator)
        self._visit_defaults(node.args)
        self._current.bind(node.name, Binding("def", node=node))
        kind: ScopeKind = "async_function" if isinstance(node, ast.AsyncFunctionDef) else "function"
        self._qualname.append(node.name)
        scope = self._enter(kind, node, ".".join(self._qualname))
        self._bind_arguments(scope, node.args)
        outer, self._current = self._current, scope
        self._function_depth += 1
        for statement in node.body:
            self.visit(statement)
        self._function_depth -= 1
        self._current = outer
        self._qualname.pop()

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def _visit_defaults(self, args: ast.arguments) -> None:
        for default in [*args.defaults, *args.kw_defaults]:
            if default is not None:
                self.visit(default)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._visit_defaults(node.args)
        scope = self._enter("lambda", node, ".".join([*self._qualname, "<lambda>"]))
        self._bind_arguments(scope, node.args)
        outer, self._current = self._current, scope
        self.visit(node.body)
        self._current = outer

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if self._skipped(node):
            self._current.bind(node.name, Binding("class", node=node))
            return
        for expression in [*node.decorator_list, *node.bases, *node.keywords]:
            self.visit(expression)
        self._current.bind(node.name, Binding("class", node=node))
        self._qualname.append(node.name)
        scope = self._enter("class", node, ".".join(self._qualname))
        outer, self._current = self._current, scope
        for statement in node.body:
            self.visit(statement)
        self._current = outer
        self._qualname.pop()

    def _visit_comprehension(self, node: Comprehension) -> None:
        # The first iterable is evaluated in the enclosing scope.
        self.visit(node.generators[0].iter)
        scope = self._enter("comprehension", node, self._current.name)
        outer, self._current = self._current, scope
        for index, generator in enumerate(node.generators):
            for name in iter_target_names(generator.target):
                scope.bind(name, Binding("other"))
            if index:
                self.visit(generator.iter)
            for condition in generator.ifs:
                self.visit(condition)
        if isinstance(node, ast.DictComp):
            self.visit(node.key)
            self.visit(node.value)
        else:
            self.visit(node.elt)
        self._current = outer

    visit_ListComp = _visit_comprehension
    visit_SetComp = _visit_comprehension
    visit_DictComp = _visit_comprehension
    visit_GeneratorExp = _visit_comprehension

    def visit_Call(self, node: ast.Call) -> None:
        self.scope_of_call[id(node)] = self._current
        owner = self._current.function_scope()
        self.calls_by_owner.setdefault(id(owner), []).append(node)
        self.generic_visit(node)

    # Binding statements --------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self._current.bind(alias.asname, Binding("import", alias.name))
            else:
                root = alias.name.split(".")[0]
                self._current.bind(root, Binding("import", root))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = absolute_module(node, self._package)
        for alias in node.names:
            if alias.name == "*":
                if module:
                    self._current.module().star_imports.append(module)
                continue
            bound = alias.asname or alias.name
            if module is None:
                self._current.bind(bound, Binding("other"))
            else:
                target = f"{module}.{alias.name}" if module else alias.name
                self._current.bind(bound, Binding("import", target))

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        simple_alias = (
            len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, (ast.Name, ast.Attribute, ast.Lambda, ast.Call))
        )
        for target in node.targets:
            self._bind_target(target, node.value if simple_alias else None)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.annotation)
        self._bind_target(node.target, None)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        self._bind_target(node.target, None)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self._current.function_scope().bind(node.target.id, Binding("other"))

    def _bind_target(self, target: ast.AST, alias_value: ast.AST | None) -> None:
        if isinstance(target, ast.Name):
            if alias_value is not None:
                self._current.bind(target.id, Binding("alias", node=alias_value))
            else:
                self._current.bind(target.id, Binding("other"))
            return
        if isinstance(target, (ast.Tuple, ast.List, ast.Starred)):
            for name in iter_target_names(target):
                self._current.bind(name, Binding("other"))
        self.visit(target)

    def _visit_for(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self._bind_target(node.target, None)
        for statement in [*node.body, *node.orelse]:
            self.visit(statement)

    visit_For = _visit_for
    visit_AsyncFor = _visit_for

    def visit_withitem(self, node: ast.withitem) -> None:
        self.visit(node.context_expr)
        if node.optional_vars is not None:
            self._bind_target(node.optional_vars, None)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self._current.bind(node.name, Binding("other"))
        for statement in node.body:
            self.visit(statement)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._bind_target(target, None)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self._current.bind(node.name, Binding("other"))
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self._current.bind(node.name, Binding("other"))

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self._current.bind(node.rest, Binding("other"))
        self.generic_visit(node)


# --- The first walk: which definitions can matter ----------------------------------------

#: What makes a definition needed whatever the words: ``global`` (its body may bind a
#: module name), ``:=`` (its decorators or defaults may bind in the enclosing scope).
_ALWAYS_NEEDED = ("global", ":=")


def needed_definitions(
    tree: ast.Module, lines: list[str], words: Iterable[str]
) -> Callable[[Definition], bool]:
    """For ``ScopeBuilder(needed=...)``: whether a ``def`` or ``class`` outside any
    function may hold a call that resolves to something of interest.  ``words``: the
    last part of every dotted name of interest (runners, loop calls, factories,
    triggers, the project index's names and the re-exports that rename them).

    Sound because a call's resolved name ends in a part spelled either at the call
    (``asyncio.run``, ``run`` via a star import, ``module.helper``) or in the binding
    it resolves through: in the definition itself, or a module-level import or alias,
    whose names then count as words too (to a fixed point).  Lines spelling a word, or
    anything non-ASCII (NFKC folds some of it to ASCII names), make every definition
    around them needed; the rest bind nothing outside themselves but their name."""
    finder = _LineFinder(lines)
    known = set(words)
    hits = finder.lines_with([*known, *_ALWAYS_NEEDED])
    binders = [s for s in iter_own_statements(tree.body) if isinstance(s, _BINDERS)]
    while True:
        found: set[str] = set()
        for statement in binders:
            span = _binding_lines(statement)
            if span is not None and _any_between(hits, *span):
                found.update(_bound_names(statement))
        found -= known
        if not found:
            break
        known |= found
        hits = sorted({*hits, *finder.lines_with(found)})

    def needed(node: Definition) -> bool:
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        return _any_between(hits, first, node.end_lineno or node.lineno)

    return needed


_BINDERS = (
    ast.Import,
    ast.ImportFrom,
    ast.Assign,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
)


def _binding_lines(statement: ast.stmt) -> tuple[int, int] | None:
    """The lines that decide what a module-level binding resolves to: a definition's
    decorators (its name otherwise resolves to ``module.name``, spelled at each use),
    an import's or assignment's whole text."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        decorators = statement.decorator_list
        if not decorators:
            return None
        return decorators[0].lineno, max(d.end_lineno or d.lineno for d in decorators)
    return statement.lineno, statement.end_lineno or statement.lineno


def _bound_names(statement: ast.stmt) -> Iterator[str]:
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        for alias in statement.names:
            yield alias.asname or alias.name.split(".")[0]
    elif isinstance(statement, ast.Assign):
        for target in statement.targets:
            yield from iter_target_names(target)
    elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        yield statement.name


def _any_between(hits: list[int], first: int, last: int) -> bool:
    at = bisect_left(hits, first)
    return at < len(hits) and hits[at] <= last


class _LineFinder:
    """The lines of a text that spell given words (as whole words); every non-ASCII
    line counts as spelling all of them."""

    def __init__(self, lines: list[str]) -> None:
        self.text = "\n".join(lines)
        #: Offset of each line's start, for bisect.
        self.starts = [0, *accumulate(len(line) + 1 for line in lines)][: len(lines)]
        self.other = (
            []
            if self.text.isascii()
            else [number for number, line in enumerate(lines, 1) if not line.isascii()]
        )

    def lines_with(self, words: Iterable[str]) -> list[int]:
        text, starts = self.text, self.starts
        found = set(self.other)
        for word in words:
            if not word:
                continue
            identifier = word[0].isalnum() or word[0] == "_"
            at = text.find(word)
            while at != -1:
                end = at + len(word)
                if not identifier or (_edge(text, at - 1) and _edge(text, end)):
                    found.add(bisect_right(starts, at))
                at = text.find(word, at + 1)
        return sorted(found)


def _edge(text: str, at: int) -> bool:
    """Whether position ``at`` is outside the text or holds no identifier character."""
    if at < 0 or at >= len(text):
        return True
    char = text[at]
    return not (char.isalnum() or char == "_")


def absolute_module(node: ast.ImportFrom, package: str | None) -> str | None:
    """The absolute module a ``from … import`` reads from: ``node.module`` for an
    absolute import; for a relative one, resolved against ``package`` as Python does
    (``from ..db import x`` in package ``app.workers`` reads ``app.db``).  None when
    it cannot be known: no package, or more dots than the package has parts."""
    if not node.level:
        return node.module or ""
    if not package:  # unknown, or a top-level module: no package to be relative to
        return None
    parts = package.split(".")
    if node.level - 1 > len(parts) or (node.level - 1 == len(parts) and not node.module):
        return None
    base = parts[: len(parts) - (node.level - 1)]
    if node.module:
        base.append(node.module)
    return ".".join(base)


# --- Resolving expressions ----------------------------------------------------------------


@dataclass(frozen=True)
class Role:
    """What the project index found a function to be (``project/roles.py``).

    ``passthrough``: it runs an event loop over what its caller passes in
    (``def run_sync(coro): return asyncio.run(coro)``): its calls are runner calls.
    ``entry``: it runs an event loop over its own coroutine (a task, a CLI command):
    one loop per call is the design, so only a call inside ``async def`` is a finding.
    """

    kind: Literal["passthrough", "entry"]
    #: The library runner behind it, through any wrappers of wrappers.
    runner: RunnerKind
    #: A pass-through of exactly ``def w(c): return runner(c)`` over a coroutine
    #: runner: the fixer may turn ``w(x)`` into ``await x``.
    plain: bool = False


#: Qualified name -> its role, or None: what the analysis asks the project index.
RoleLookup = Callable[[str], "Role | None"]


@dataclass(frozen=True)
class RunnerMatch:
    """A call that starts an event loop, as resolution found it."""

    #: How the call hands over its work (``wrapper`` for a pass-through or a
    #: configured runner, ``entry`` for a loop-starting function).
    kind: RunnerKind
    #: The library runner behind it (``kind`` itself for a library runner).
    library: RunnerKind
    passthrough: bool = False

    @property
    def display(self) -> str:
        return self.kind.display


def spelled(expr: ast.AST) -> str:
    """A call target as the source spells it: ``run_sync``, ``utils.run_sync``."""
    if isinstance(expr, ast.Attribute):
        return f"{spelled(expr.value)}.{expr.attr}"
    return expr.id if isinstance(expr, ast.Name) else "…"


class Resolver:
    """Resolves call targets to qualified names, runners and factories."""

    def __init__(
        self,
        builder: ScopeBuilder,
        extra_runners: Iterable[str] = (),
        extra_factories: Iterable[str] = (),
        module: str = "__main__",
        roles: RoleLookup | None = None,
        canonical: Callable[[str], str] = str,
    ) -> None:
        self.builder = builder
        self.runners = runner_table(extra_runners)
        self.factories = dict(KNOWN_FACTORIES)
        for name in extra_factories:
            if name and name not in self.factories:
                self.factories[name] = f"'{name}' resource"
        #: The module's own dotted name: its module-level functions and classes resolve
        #: to ``module.name``, as other modules import them.
        self.module = module
        self.roles = roles
        #: The name a re-export stands for (``app.utils.run_sync`` ->
        #: ``app.utils.async_utils.run_sync``), so configured runners match either.
        self.canonical = canonical

    # Names ----------------------------------------------------------------------------
    def lookup(self, name: str, scope: Scope) -> tuple[Scope, list[Binding]] | None:
        current: Scope | None = scope
        if name in scope.declared_global:
            current = scope.module()
        elif name in scope.declared_nonlocal:
            current = scope.parent
        first = True
        while current is not None:
            skip_class = current.kind == "class" and not first
            first = False
            if not skip_class and name in current.bindings:
                return current, current.bindings[name]
            current = current.parent
        return None

    def qualname(self, expr: ast.AST, scope: Scope, depth: int = 0) -> str | None:
        """``asyncio.run`` for ``aio.run`` after ``import asyncio as aio``, else None."""
        if depth > 8:
            return None
        if isinstance(expr, ast.Attribute):
            base = self.qualname(expr.value, scope, depth + 1)
            return f"{base}.{expr.attr}" if base else None
        if not isinstance(expr, ast.Name):
            return None
        found = self.lookup(expr.id, scope)
        if found is None:
            module = scope.module()
            for star in module.star_imports:
                candidate = f"{star}.{expr.id}"
                if (
                    candidate in self.runners
                    or candidate in LOOP_MANAGEMENT
                    or candidate in self.factories
                ):
                    return candidate
            return None
        owner, bindings = found
        if owner is self.builder.module and len(bindings) == 1:
            binding = bindings[0]
            if binding.kind in ("def", "class") or (
                binding.kind == "alias" and isinstance(binding.node, ast.Lambda)
            ):
                return f"{self.module}.{expr.id}"
        if all(b.kind == "import" for b in bindings):
            names = {b.qualname for b in bindings}
            return names.pop() if len(names) == 1 else None
        if len(bindings) == 1 and bindings[0].kind == "alias" and bindings[0].node is not None:
            value = bindings[0].node
            if isinstance(value, (ast.Name, ast.Attribute)):
                return self.qualname(value, owner, depth + 1)
        return None

    # Calls ----------------------------------------------------------------------------
    def runner(self, call: ast.Call, scope: Scope) -> RunnerMatch | None:
        """The event loop a call starts: a library or configured runner, an
        ``async_to_sync(fn)(...)`` call, or a call of a function the project index
        found to be a pass-through or an entry."""
        func = call.func
        if isinstance(func, ast.Call):
            inner = self.qualname(func.func, scope)
            kind = self.runners.get(inner) if inner is not None else None
            if kind is not None and kind.form == "async_to_sync":
                return RunnerMatch(kind, kind)
            return None
        made = self._async_to_sync_callable(func, scope)
        if made is not None:
            return made
        qualname = self.qualname(func, scope)
        if qualname is None:
            return None
        kind = self.runners.get(qualname) or self.runners.get(self.canonical(qualname))
        role = self.roles(qualname) if self.roles is not None else None
        if kind is not None and not (kind.family == "custom" and role is not None):
            return None if kind.form == "async_to_sync" else RunnerMatch(kind, kind)
        # A configured runner whose body the index read is what the body says it is: a
        # plain pass-through can then be fixed like any other.
        if role is None:
            return None
        library = role.runner
        if role.kind == "passthrough":
            display = f"{spelled(func)}() (wraps {library.display})"
            return RunnerMatch(RunnerKind(library.family, "wrapper", display), library, role.plain)
        display = f"{spelled(func)}() (runs {library.display})"
        return RunnerMatch(RunnerKind(library.family, "entry", display), library)

    def _async_to_sync_callable(self, func: ast.expr, scope: Scope) -> RunnerMatch | None:
        """A call of a name bound once to what ``async_to_sync`` made: ``send =
        async_to_sync(f)``, or an ``async def`` decorated ``@async_to_sync``."""
        if not isinstance(func, ast.Name):
            return None
        found = self.lookup(func.id, scope)
        if found is None or len(found[1]) != 1:
            return None
        owner, (binding,) = found
        made_by: list[ast.expr] = []
        if binding.kind == "alias" and isinstance(binding.node, ast.Call):
            made_by = [binding.node.func]
        elif binding.kind == "def" and isinstance(binding.node, ast.AsyncFunctionDef):
            made_by = binding.node.decorator_list
        for maker in made_by:
            name = self.qualname(maker, owner)
            kind = self.runners.get(name) if name is not None else None
            if kind is not None and kind.form == "async_to_sync":
                display = f"{func.id}() (made by {kind.display})"
                return RunnerMatch(RunnerKind(kind.family, "a2s_callable", display), kind)
        return None

    def named(self, call: ast.Call, scope: Scope, names: Container[str]) -> str | None:
        """The one of ``names`` a call's target resolves to, through any import form
        (``from root import *`` too), or None."""
        qualname = self.qualname(call.func, scope)
        func = call.func
        if qualname is None and isinstance(func, ast.Name) and not self.lookup(func.id, scope):
            stars = (f"{star}.{func.id}" for star in scope.module().star_imports)
            qualname = next((name for name in stars if name in names), None)
        return qualname if qualname is not None and qualname in names else None

    def loop_management(self, call: ast.Call, scope: Scope) -> str | None:
        qualname = self.qualname(call.func, scope)
        return LOOP_MANAGEMENT.get(qualname) if qualname else None

    def factory(self, call: ast.Call, scope: Scope) -> str | None:
        qualname = self.qualname(call.func, scope)
        if qualname is not None:
            return self.factories.get(qualname)
        func = call.func
        if isinstance(func, ast.Attribute):
            made_by = self.constructor_of(func.value, scope)
            if made_by is not None:
                return METHOD_FACTORIES.get((made_by, func.attr))
        return None

    def constructor_of(self, value: ast.AST | None, scope: Scope) -> str | None:
        """What built an object: ``aioboto3.Session`` for ``aioboto3.Session()``, or
        for a name bound once to that call."""
        if isinstance(value, ast.Name):
            found = self.lookup(value.id, scope)
            if found is None or len(found[1]) != 1 or found[1][0].kind != "alias":
                return None
            value, scope = found[1][0].node, found[0]
        if isinstance(value, ast.Call):
            return self.qualname(value.func, scope)
        return None
