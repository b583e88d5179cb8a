"""One module's facts for the project index, from its ``ast`` (``facts.py``).

Names resolve as the analysis resolves them (``resolution.Resolver``), and to more:
``self.save()`` in a method of ``Repo`` is ``module.Repo.save``, and ``repo.save()``
after ``repo = Repo()`` (or ``Repo().save()``) is too.  Nothing dynamic is followed:
``getattr``, objects passed in as arguments, injected dependencies.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from flake8_asyncio_run.cached_globals import cached_assignments, walk_scopes
from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.project.every_path import calls_on_every_path
from flake8_asyncio_run.project.facts import CachedFacts, CallFacts, FunctionFacts, ModuleFacts
from flake8_asyncio_run.resolution import Binding, Resolver, Scope, ScopeBuilder

#: RQ's ways to run a function as a job: the method, and where its function goes.
_ENQUEUE = {"enqueue": 0, "enqueue_call": 0, "enqueue_at": 1, "enqueue_in": 1}
_JOB_DECORATORS = frozenset({"rq.job", "rq.decorators.job"})
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda


def summarize(
    tree: ast.Module, module: str, is_package: bool, options: AnalysisOptions
) -> ModuleFacts:
    package = module if is_package else module.rpartition(".")[0]
    builder = _LoadCollector(tree, package)
    resolver = Resolver(builder, options.runners, options.factories, module)
    try:
        return _Summary(builder, resolver, module).facts()
    finally:
        builder.release()


class _LoadCollector(ScopeBuilder):
    """The scope builder's one pass, also keeping every name and attribute it reads
    with its scope: what ``reads`` is made of, without a second walk."""

    _handlers: ClassVar[dict[type, Callable[[ScopeBuilder, Any], None]]] = {}

    def __init__(self, tree: ast.Module, package: str) -> None:
        self.loads: list[tuple[ast.Name | ast.Attribute, Scope]] = []
        super().__init__(tree, True, package)

    def visit(self, node: ast.AST) -> None:
        if type(node) is ast.Name:
            if isinstance(node.ctx, ast.Load):
                self.loads.append((node, self._current))
            return
        super().visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.ctx, ast.Load):
            self.loads.append((node, self._current))
        self.generic_visit(node)


class _Summary:
    def __init__(self, builder: _LoadCollector, resolver: Resolver, module: str) -> None:
        self.builder = builder
        self.resolver = resolver
        self.module = module
        #: id(scope) -> the reads of the summarised function it is (or is nested in).
        self.reads: dict[int, list[str]] = {}

    def facts(self) -> ModuleFacts:
        functions: list[FunctionFacts] = []
        classes: list[str] = []
        self._group_reads()
        for name, node, scope in self._definitions():
            if isinstance(node, ast.ClassDef):
                classes.append(f"{self.module}.{name}")
                for method in node.body:
                    if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        method_scope = self.builder.scope_of[id(method)]
                        qualified = f"{self.module}.{name}.{method.name}"
                        functions.append(self._function(qualified, method, method_scope, False))
            else:
                functions.append(self._function(f"{self.module}.{name}", node, scope, True))
        cached = tuple(
            CachedFacts(c.names, c.resource, c.statement.lineno)
            for c in cached_assignments(self.builder, self.resolver)
        )
        return ModuleFacts(
            self.module, self._aliases(), tuple(functions), tuple(classes), cached, self._jobs()
        )

    def _definitions(self) -> Iterator[tuple[str, ast.AST, Scope]]:
        """Module-level functions, lambdas bound to a name, and classes."""
        module = self.builder.module
        for name, bindings in module.bindings.items():
            if len(bindings) != 1:  # as in resolution: a name bound twice is not known
                continue
            node = bindings[0].node
            if bindings[0].kind == "alias" and isinstance(node, ast.Lambda):
                yield name, node, self.builder.scope_of[id(node)]
            elif bindings[0].kind in ("def", "class") and node is not None:
                yield name, node, self.builder.scope_of.get(id(node), module)

    def _aliases(self) -> dict[str, str]:
        aliases: dict[str, str] = {}
        module = self.builder.module
        for name, bindings in module.bindings.items():
            if len(bindings) != 1:
                continue
            binding = bindings[0]
            if binding.kind == "import":
                aliases[name] = binding.qualname
            elif binding.kind == "alias" and isinstance(binding.node, (ast.Name, ast.Attribute)):
                target = self.resolver.qualname(binding.node, module)
                if target is not None:
                    aliases[name] = target
        return aliases

    # Functions -------------------------------------------------------------------------
    def _function(
        self, name: str, node: ast.AST, scope: Scope, module_level: bool
    ) -> FunctionFacts:
        assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        own = {id(call) for call in self.builder.calls_by_owner.get(id(scope), [])}
        targets: dict[int, str | None] = {}

        def target(call: ast.Call, where: Scope) -> str | None:
            if id(call) not in targets:
                targets[id(call)] = self._target(call, where, name)
            return targets[id(call)]

        # Only a module-level synchronous function can be a pass-through or an entry.
        roled = module_level and not isinstance(node, ast.AsyncFunctionDef)
        every = calls_on_every_path(node.body, lambda c: target(c, scope)) if roled else set()
        parameters = _parameters(node)
        plain_call = _plain_call(node)
        calls: list[CallFacts] = []
        skipped: set[int] = set()
        for inner_scope in walk_scopes(scope):
            for call in self.builder.calls_by_owner.get(id(inner_scope), []):
                if id(call) in skipped:
                    continue
                if isinstance(call.func, ast.Call):
                    skipped.add(id(call.func))
                callee = target(call, inner_scope)
                if callee is None:
                    continue
                first = _first_argument(call)
                calls.append(
                    CallFacts(
                        callee,
                        inner_scope is scope and callee in every and id(call) in own,
                        inner_scope is scope and _is_parameter(first, parameters),
                        call is plain_call,
                        self._work(first, inner_scope, name),
                    )
                )
        reads = tuple(dict.fromkeys(self.reads.get(id(scope), ())))
        return FunctionFacts(
            name,
            isinstance(node, ast.AsyncFunctionDef),
            getattr(node, "lineno", 0),
            module_level,
            tuple(dict.fromkeys(calls)),
            reads,
        )

    def _target(self, call: ast.Call, scope: Scope, function: str) -> str | None:
        """What a call calls, absolute; ``async_to_sync(f)(x)`` calls async_to_sync."""
        func = call.func
        if isinstance(func, ast.Call):
            inner = self.resolver.qualname(func.func, scope)
            kind = self.resolver.runners.get(inner) if inner else None
            return inner if kind is not None and kind.form == "async_to_sync" else None
        return self._callee(func, scope, function)

    def _callee(self, func: ast.AST, scope: Scope, function: str) -> str | None:
        qualname = self.resolver.qualname(func, scope)
        if qualname is not None:
            return qualname
        if isinstance(func, ast.Name):
            return function if self._is_local_def(func.id, scope) else None
        if not isinstance(func, ast.Attribute):
            return None
        owner = self._instance_class(func.value, scope, function)
        return f"{owner}.{func.attr}" if owner else None

    def _instance_class(self, value: ast.AST, scope: Scope, function: str) -> str | None:
        """The class an object expression is an instance of, when it says so by name:
        ``Repo()``, a name bound once to ``Repo()``, or ``self`` in a method."""
        if isinstance(value, ast.Call):
            return self.resolver.qualname(value.func, scope)
        if not isinstance(value, ast.Name):
            return None
        found = self.resolver.lookup(value.id, scope)
        if found is None:
            return None
        owner, bindings = found
        if len(bindings) == 1 and bindings[0].kind == "alias":
            bound = bindings[0].node
            if isinstance(bound, ast.Call):
                return self.resolver.qualname(bound.func, owner)
        if value.id == "self" and function.count(".") > self.module.count(".") + 1:
            return function.rpartition(".")[0]  # ``module.Class.method`` -> the class
        return None

    def _is_local_def(self, name: str, scope: Scope) -> bool:
        """A function defined inside the one summarised: its calls count for it."""
        found = self.resolver.lookup(name, scope)
        if found is None or found[0] is self.builder.module:
            return False
        bindings: list[Binding] = found[1]
        return len(bindings) == 1 and bindings[0].kind == "def"

    def _work(self, first: ast.AST | None, scope: Scope, function: str) -> str | None:
        """The coroutine function a runner call would run: ``work`` in ``work(x)``
        (a coroutine) or ``work`` (a callable)."""
        if isinstance(first, ast.Call):
            return self._callee(first.func, scope, function)
        if isinstance(first, (ast.Name, ast.Attribute)):
            return self._callee(first, scope, function)
        return None

    def _group_reads(self) -> None:
        """Each summarised function's reads: the module globals and imported names it
        (or a function nested in it) reads, and the globals it declares ``global``."""
        owner: dict[int, list[str]] = {}
        for _name, node, scope in self._definitions():
            tops = [scope]
            if isinstance(node, ast.ClassDef):
                tops = [self.builder.scope_of[id(m)] for m in node.body if _is_function(m)]
            for top in tops:
                reads = self.reads.setdefault(id(top), [])
                for inner in walk_scopes(top):
                    owner[id(inner)] = reads
                    reads.extend(f"{self.module}.{n}" for n in sorted(inner.declared_global))
        for load, where in self.builder.loads:
            found = owner.get(id(where))
            if found is not None:
                read = self._read(load, where)
                if read is not None:
                    found.append(read)

    def _read(self, node: ast.Name | ast.Attribute, scope: Scope) -> str | None:
        if isinstance(node, ast.Attribute):
            return self.resolver.qualname(node, scope)
        found = self.resolver.lookup(node.id, scope)
        if found is None or found[0] is not self.builder.module:
            return None
        binding = found[1][-1]
        if binding.kind == "import":
            return binding.qualname
        if binding.kind in ("def", "class"):
            return None
        return f"{self.module}.{node.id}"

    # Jobs --------------------------------------------------------------------------------
    def _jobs(self) -> tuple[str, ...]:
        jobs: list[str] = []
        for calls in self.builder.calls_by_owner.values():
            for call in calls:
                scope = self.builder.scope_of_call[id(call)]
                job = self._enqueued(call, scope)
                if job is not None:
                    jobs.append(job)
        for name, node, _scope in self._definitions():
            if isinstance(node, ast.AsyncFunctionDef) and any(
                self.resolver.qualname(
                    d.func if isinstance(d, ast.Call) else d, self.builder.module
                )
                in _JOB_DECORATORS
                for d in node.decorator_list
            ):
                jobs.append(f"{self.module}.{name}")
        return tuple(dict.fromkeys(jobs))

    def _enqueued(self, call: ast.Call, scope: Scope) -> str | None:
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr not in _ENQUEUE:
            return None
        position = _ENQUEUE[func.attr]
        work: ast.AST | None = call.args[position] if len(call.args) > position else None
        for keyword in call.keywords:
            if keyword.arg in ("f", "func"):
                work = keyword.value
        if isinstance(work, ast.Constant) and isinstance(work.value, str):
            return work.value  # RQ imports a dotted name itself
        if isinstance(work, (ast.Name, ast.Attribute)):
            return self.resolver.qualname(work, scope)
        return None


def _is_function(node: ast.AST) -> bool:
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))


def _parameters(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> frozenset[str]:
    args = node.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    every.extend(a for a in (args.vararg, args.kwarg) if a is not None)
    return frozenset(a.arg for a in every)


def _first_argument(call: ast.Call) -> ast.AST | None:
    """The work a call hands over: its first positional argument, or for
    ``async_to_sync(f)(x)``, ``f``."""
    source = call.func if isinstance(call.func, ast.Call) else call
    if source.args and not isinstance(source.args[0], ast.Starred):
        return source.args[0]
    return None


def _is_parameter(node: ast.AST | None, parameters: frozenset[str]) -> bool:
    return isinstance(node, ast.Name) and node.id in parameters


def _plain_call(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> ast.Call | None:
    """The call of ``def w(c): return target(c)`` (or ``lambda c: target(c)``): one
    plain parameter passed on alone, the call's value returned."""
    args = node.args
    if args.posonlyargs or args.vararg or args.kwarg or args.kwonlyargs or args.defaults:
        return None
    if len(args.args) != 1 or isinstance(node, ast.AsyncFunctionDef):
        return None
    if isinstance(node, ast.Lambda):
        returned: ast.AST | None = node.body
    else:
        body = [s for s in node.body if not _is_docstring(s)]
        returned = body[0].value if len(body) == 1 and isinstance(body[0], ast.Return) else None
    if (
        isinstance(returned, ast.Call)
        and not returned.keywords
        and len(returned.args) == 1
        and isinstance(returned.args[0], ast.Name)
        and returned.args[0].id == args.args[0].arg
        and not isinstance(returned.func, ast.Call)
    ):
        return returned
    return None


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )
