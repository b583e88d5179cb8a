"""Path-sensitive counting of event-loop runner calls within one scope.

The engine walks a scope's statements once, carrying the set of execution paths that
can reach each point.  A path is summarised by the first runner call on it and how many
runner calls it has made.  For every runner call we keep the largest count any path
reaching it has, and the first call of that path; ARO101 reports counts of two or more.

Loops are entered zero or one times: repetition is ARO102's business, so that a single
call in a loop body is not also "the 2nd" loop.  Exceptions are handled honestly: an
``except`` or ``finally`` block can follow any prefix of its ``try`` body, including a
runner call that raised after its loop was created and closed.

The walk also relates the other calls the caller observes (hand-managed loop calls, for
ARO104) to the managed runner calls: an observed call is *mixed* when some path makes
both, in either order.
"""

from __future__ import annotations

import ast
import dataclasses
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")

#: A path summary's key: the first call's index on the path (None: no call yet), and
#: whether every call so far is an async_to_sync call ("a2s only": ARO105, not ARO101).
PathKey = tuple[int | None, bool]
#: path key -> largest count of calls so far along such paths.
Firsts = dict[PathKey, int]


@dataclass(frozen=True)
class State:
    firsts: tuple[tuple[PathKey, int], ...]
    least: int  # fewest calls on any path here
    #: The calls inside loops some path here has made, a bit per call index: a call
    #: repeats when it reaches the back edge of a loop around it (not when a return
    #: or break always follows).  Bits, not a set: every call copies it, and a set of
    #: N calls copied N times made one function of N branches quadratic (issue 15).
    made: int = 0
    #: The first managed runner call (by index) some path here has made, if any.
    ran: int | None = None
    #: Indices into ``ScopeFlow.observed`` of the observed calls some path here made.
    pending: frozenset[int] = frozenset()

    def as_dict(self) -> Firsts:
        return dict(self.firsts)


START = State((((None, True), 0),), 0)


def merge(a: State | None, b: State | None) -> State | None:
    if a is None:
        return b
    if b is None or a == b:
        return a
    combined = a.as_dict()
    for first, count in b.firsts:
        if combined.get(first, -1) < count:
            combined[first] = count
    return State(
        _pruned(combined),
        min(a.least, b.least),
        a.made | b.made,
        _first_of(a.ran, b.ran),
        a.pending | b.pending,
    )


def _pruned(firsts: Firsts) -> tuple[tuple[PathKey, int], ...]:
    """The path summaries that can still decide a call's record, sorted.

    Every path here shares what follows, so a summary with fewer calls never wins again;
    among the most calls, the earliest first call wins in each a2s class, and an a2s-only
    summary only while its first call is earlier than the others' (a later non-a2s call
    turns it into one of them).  Keeping every summary made each state as long as the
    calls before it: quadratic in a scope of N optional calls (issue 15)."""
    top = max((count for (first, _), count in firsts.items() if first is not None), default=0)
    kept: Firsts = {}
    earliest: dict[bool, int] = {}
    for (first, a2s_only), count in firsts.items():
        if first is None:
            kept[(first, a2s_only)] = count
        elif count == top and first < earliest.get(a2s_only, first + 1):
            earliest[a2s_only] = first
    plain = earliest.get(False)
    if plain is not None:
        kept[(plain, False)] = top
    a2s = earliest.get(True)
    if a2s is not None and (plain is None or a2s < plain):
        kept[(a2s, True)] = top
    return tuple(sorted(kept.items(), key=_key))


def _bits(mask: int) -> Iterator[int]:
    """The indices of the bits set in ``mask``, lowest first."""
    digits = bin(mask)
    top = len(digits) - 1
    return (top - position for position in range(top, 1, -1) if digits[position] == "1")


def _first_of(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    return a if b is None else min(a, b)


def merge_all(states: Iterable[State | None]) -> State | None:
    result: State | None = None
    for state in states:
        result = merge(result, state)
    return result


def _key(item: tuple[PathKey, int]) -> tuple[int, bool]:
    first, a2s_only = item[0]
    return (-1 if first is None else first, a2s_only)


@dataclass
class CallRecord(Generic[T]):
    node: ast.Call
    info: T
    #: The largest count of any path reaching this call, and that path's first call.
    count: int = 0
    first: int = 0
    #: Whether that path's calls are all async_to_sync calls (``PathCounter``'s ``is_a2s``).
    a2s_only: bool = True
    #: The outermost loop (statement or comprehension) of the scope that repeats it.
    loop: ast.AST | None = None
    #: The loops of the scope around the call, outermost first.
    enclosing: tuple[ast.AST, ...] = ()


@dataclass
class ObservedCall:
    node: ast.Call
    label: str
    #: A managed runner call (its index in ``ScopeFlow.calls``) made on one path with
    #: this call, before or after it; None when no path makes both.
    runner: int | None = None


@dataclass
class ScopeFlow(Generic[T]):
    calls: list[CallRecord[T]] = field(default_factory=list)
    #: Fewest runner calls on any normally-returning path; None if no path returns.
    least_at_exit: int | None = None
    #: Other calls the caller asked to see, in the order the walk reached them (for
    #: ARO104).
    observed: list[ObservedCall] = field(default_factory=list)


class _Frame:
    """Where abrupt exits (break/continue/return/raise) go."""

    __slots__ = ("buckets", "kind")

    def __init__(self, kind: str) -> None:
        self.kind = kind  # "loop", "try" (body with handlers), "finally"
        self.buckets: dict[str, State | None] = {}

    def add(self, exit_kind: str, state: State) -> None:
        self.buckets[exit_kind] = merge(self.buckets.get(exit_kind), state)


_CATCHES = {"loop": ("break", "continue"), "try": ("raise",)}
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_TERMINATORS = {"sys.exit", "os._exit", "exit", "quit", "os.abort"}


class PathCounter(Generic[T]):
    """Counts runner calls along paths of one scope's body.

    ``classify`` says whether a call starts an event loop; ``observe`` returns a label
    for other calls worth collecting (hand-managed loop calls), or None; ``is_a2s`` says
    whether a classified call is an ``async_to_sync`` call; ``is_managed`` whether it
    is a managed runner, which observed calls on its paths are mixed with.
    """

    def __init__(
        self,
        classify: Callable[[ast.Call], T | None],
        observe: Callable[[ast.Call], str | None] | None = None,
        is_a2s: Callable[[T], bool] = lambda info: False,
        is_managed: Callable[[T], bool] = lambda info: True,
    ) -> None:
        self._classify = classify
        self._is_a2s = is_a2s
        self._is_managed = is_managed
        self._observe = observe
        self._observed_index: dict[int, int] = {}
        self._flow: ScopeFlow[T] = ScopeFlow()
        self._index: dict[int, int] = {}
        self._frames: list[_Frame] = []
        self._open_try_frames = 0  # how many "try" and "finally" frames are open
        self._loops: list[ast.AST] = []
        self._returns: State | None = None

    # Entry points -------------------------------------------------------------------
    def run(self, body: list[ast.stmt] | ast.expr) -> ScopeFlow[T]:
        if isinstance(body, ast.expr):
            end = self._expr(body, START)
            self._returns = merge(self._returns, end)
        else:
            end = self._block(body, START)
            self._returns = merge(self._returns, end)
        self._flow.least_at_exit = None if self._returns is None else self._returns.least
        return self._flow

    # Loops --------------------------------------------------------------------------
    def _back_edge(self, loop: ast.AST, states: Iterable[State | None]) -> None:
        """Calls that reach ``loop``'s next iteration repeat.  The outermost such loop is
        the one reported (and the region the fixer rewrites)."""
        reaching = 0
        for state in states:
            if state is not None:
                reaching |= state.made
        for index in _bits(reaching):
            record = self._flow.calls[index]
            if loop not in record.enclosing:
                continue
            depth = record.enclosing.index(loop)
            if record.loop is None or depth < record.enclosing.index(record.loop):
                record.loop = loop

    # Abrupt exits ---------------------------------------------------------------------
    def _exit(self, kind: str, state: State | None) -> None:
        if state is None:
            return
        for frame in reversed(self._frames):
            if frame.kind == "finally" or kind in _CATCHES.get(frame.kind, ()):
                frame.add(kind, state)
                return
        if kind == "return":
            self._returns = merge(self._returns, state)

    def _may_raise(self, state: State | None) -> None:
        if self._open_try_frames and state is not None:
            self._exit("raise", state)

    # Statements -----------------------------------------------------------------------
    def _block(self, body: list[ast.stmt], state: State | None) -> State | None:
        for statement in body:
            if state is None:
                return None
            self._may_raise(state)
            state = self._stmt(statement, state)
        return state

    def _stmt(self, node: ast.stmt, state: State) -> State | None:
        handler = _STATEMENTS.get(type(node))
        if handler is None:
            # Everything else: evaluate its expressions in order.
            return self._exprs(list(_child_expressions(node)), state)
        return handler(self, node, state)

    def _if(self, node: ast.If, state: State) -> State | None:
        after_test = self._expr(node.test, state)
        return merge(self._block(node.body, after_test), self._block(node.orelse, after_test))

    def _with(self, node: ast.With | ast.AsyncWith, state: State) -> State | None:
        current: State | None = state
        for item in node.items:
            current = self._expr(item.context_expr, current)
            if item.optional_vars is not None:
                current = self._expr(item.optional_vars, current)
        return self._block(node.body, current)

    def _return(self, node: ast.Return, state: State) -> State | None:
        end = self._expr(node.value, state) if node.value is not None else state
        self._exit("return", end)
        return None

    def _raise(self, node: ast.Raise, state: State) -> State | None:
        self._exit("raise", self._exprs([node.exc, node.cause], state))
        return None

    def _break(self, node: ast.Break, state: State) -> State | None:
        self._exit("break", state)
        return None

    def _continue(self, node: ast.Continue, state: State) -> State | None:
        self._exit("continue", state)
        return None

    def _def(self, node: ast.FunctionDef | ast.AsyncFunctionDef, state: State) -> State | None:
        return self._exprs([*node.decorator_list, *_defaults(node.args)], state)

    def _class(self, node: ast.ClassDef, state: State) -> State | None:
        return self._exprs(
            [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)], state
        )

    def _assign(self, node: ast.Assign, state: State) -> State | None:
        return self._exprs([node.value, *node.targets], state)

    def _expression(self, node: ast.Expr, state: State) -> State | None:
        if _is_terminator_call(node.value):
            self._exit("raise", self._expr(node.value, state))
            return None
        return self._expr(node.value, state)

    def _for(self, node: ast.For | ast.AsyncFor, state: State) -> State | None:
        after_iter = self._expr(node.iter, state)
        frame = _Frame("loop")
        self._frames.append(frame)
        self._loops.append(node)
        body_start = self._expr(node.target, after_iter)
        body_end = self._block(node.body, body_start)
        self._loops.pop()
        self._frames.pop()
        self._back_edge(node, [body_end, frame.buckets.get("continue")])
        exhausted = merge_all([after_iter, body_end, frame.buckets.get("continue")])
        return merge(self._block(node.orelse, exhausted), frame.buckets.get("break"))

    def _while(self, node: ast.While, state: State) -> State | None:
        frame = _Frame("loop")
        self._frames.append(frame)
        self._loops.append(node)
        # The test runs before every iteration, so calls in it repeat too.
        after_test = self._expr(node.test, state)
        body_end = self._block(node.body, after_test)
        self._loops.pop()
        self._frames.pop()
        self._back_edge(node, [body_end, frame.buckets.get("continue")])
        if _always_true(node.test):
            exhausted: State | None = None
        else:
            exhausted = merge_all([after_test, body_end, frame.buckets.get("continue")])
        return merge(self._block(node.orelse, exhausted), frame.buckets.get("break"))

    def _try(self, node: ast.stmt, state: State) -> State | None:
        body: list[ast.stmt] = getattr(node, "body", [])
        handlers: list[ast.ExceptHandler] = getattr(node, "handlers", [])
        orelse: list[ast.stmt] = getattr(node, "orelse", [])
        finalbody: list[ast.stmt] = getattr(node, "finalbody", [])

        final_frame: _Frame | None = None
        if finalbody:
            final_frame = _Frame("finally")
            self._frames.append(final_frame)
            self._open_try_frames += 1

        handler_frame = _Frame("try")
        if handlers:
            self._frames.append(handler_frame)
            self._open_try_frames += 1
        body_end = self._block(body, state)
        if handlers:
            self._frames.pop()
            self._open_try_frames -= 1
        raised = handler_frame.buckets.get("raise")
        normal = self._block(orelse, body_end)
        for handler in handlers:
            start = raised
            if handler.type is not None:
                start = self._expr(handler.type, start)
            normal = merge(normal, self._block(handler.body, start))
        if handlers and not any(_catches_everything(h) for h in handlers):
            self._may_raise(raised)

        if final_frame is None:
            return normal
        self._frames.pop()
        self._open_try_frames -= 1
        after = self._block(finalbody, normal)
        for exit_kind, pending in sorted(final_frame.buckets.items()):
            self._exit(exit_kind, self._block(finalbody, pending))
        return after

    def _match(self, node: ast.Match, state: State) -> State | None:
        subject = self._expr(node.subject, state)
        result: State | None = None
        exhaustive = False
        for case in node.cases:
            start = subject
            if case.guard is not None:
                start = self._expr(case.guard, start)
            result = merge(result, self._block(case.body, start))
            if case.guard is None and _irrefutable(case.pattern):
                exhaustive = True
        return result if exhaustive else merge(result, subject)

    # Expressions ----------------------------------------------------------------------
    def _exprs(self, nodes: Iterable[ast.AST | None], state: State | None) -> State | None:
        for node in nodes:
            if node is not None:
                state = self._expr(node, state)
        return state

    def _expr(self, node: ast.AST, state: State | None) -> State | None:
        if state is None:
            return None
        if isinstance(node, _NESTED):
            if isinstance(node, ast.Lambda):
                return self._exprs(_defaults(node.args), state)
            return state
        if isinstance(node, ast.IfExp):
            after_test = self._expr(node.test, state)
            return merge(self._expr(node.body, after_test), self._expr(node.orelse, after_test))
        if isinstance(node, ast.BoolOp):
            current = self._expr(node.values[0], state)
            for value in node.values[1:]:
                current = merge(current, self._expr(value, current))
            return current
        if isinstance(node, _COMPREHENSIONS):
            return self._comprehension(node, state)
        if isinstance(node, ast.Call):
            after = self._exprs([node.func, *node.args, *node.keywords], state)
            return self._call(node, after)
        return self._exprs(list(ast.iter_child_nodes(node)), state)

    def _comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp, state: State
    ) -> State | None:
        before = self._expr(node.generators[0].iter, state)
        self._loops.append(node)
        current = before
        for index, generator in enumerate(node.generators):
            if index:
                current = self._expr(generator.iter, current)
            for condition in generator.ifs:
                current = merge(current, self._expr(condition, current))
        if isinstance(node, ast.DictComp):
            current = self._exprs([node.key, node.value], current)
        else:
            current = self._expr(node.elt, current)
        self._loops.pop()
        # A comprehension has no early exit: whatever it reaches, it repeats.
        self._back_edge(node, [current])
        return merge(before, current)

    def _call(self, node: ast.Call, state: State | None) -> State | None:
        if state is None:
            return None
        info = self._classify(node)
        if info is None:
            return self._observed_call(node, state)
        index = self._index.get(id(node))
        if index is None:
            index = len(self._flow.calls)
            self._index[id(node)] = index
            self._flow.calls.append(CallRecord(node, info, enclosing=tuple(self._loops)))
        record = self._flow.calls[index]
        this_a2s = self._is_a2s(info)
        advanced: Firsts = {}
        for (first, a2s_only), count in state.firsts:
            key = (index if first is None else first, a2s_only and this_a2s)
            if advanced.get(key, -1) < count + 1:
                advanced[key] = count + 1
        for (first, a2s_only), count in sorted(advanced.items(), key=_key):
            assert first is not None
            # Largest count wins; on a tie a path with another runner (ARO101) beats an
            # async_to_sync-only one (ARO105), then the earliest first call.
            best = (record.count, not record.a2s_only, -record.first)
            if (count, not a2s_only, -first) > best:
                record.count, record.first, record.a2s_only = count, first, a2s_only
        ran = state.ran
        if self._is_managed(info):
            ran = _first_of(ran, index)
            self._mix(state.pending, index)
        after = State(
            _pruned(advanced),
            state.least + 1,
            # A call outside every loop of the scope reaches no back edge.
            state.made | (1 << index) if self._loops else state.made,
            ran,
            state.pending,
        )
        # The call may raise after its loop was created and closed.
        self._may_raise(after)
        return after

    def _observed_call(self, node: ast.Call, state: State) -> State:
        """An observed call is mixed with the first managed runner call of the paths
        reaching it; the paths it starts carry it to the runner calls after it."""
        label = self._observe(node) if self._observe is not None else None
        if label is None:
            return state
        index = self._observed_index.get(id(node))
        if index is None:
            index = len(self._flow.observed)
            self._observed_index[id(node)] = index
            self._flow.observed.append(ObservedCall(node, label))
        if state.ran is not None:
            self._mix([index], state.ran)
        return dataclasses.replace(state, pending=state.pending | {index})

    def _mix(self, observed: Iterable[int], runner: int) -> None:
        for index in observed:
            record = self._flow.observed[index]
            record.runner = _first_of(record.runner, runner)


#: Statement type -> how PathCounter walks it (a type lookup, not an isinstance ladder).
_STATEMENTS: dict[type[ast.stmt], Callable[[PathCounter[Any], Any, State], State | None]] = {
    ast.If: PathCounter._if,
    ast.For: PathCounter._for,
    ast.AsyncFor: PathCounter._for,
    ast.While: PathCounter._while,
    ast.With: PathCounter._with,
    ast.AsyncWith: PathCounter._with,
    ast.Try: PathCounter._try,
    ast.Match: PathCounter._match,
    ast.Return: PathCounter._return,
    ast.Raise: PathCounter._raise,
    ast.Break: PathCounter._break,
    ast.Continue: PathCounter._continue,
    ast.FunctionDef: PathCounter._def,
    ast.AsyncFunctionDef: PathCounter._def,
    ast.ClassDef: PathCounter._class,
    ast.Assign: PathCounter._assign,
    ast.Expr: PathCounter._expression,
}
if sys.version_info >= (3, 11):
    _STATEMENTS[ast.TryStar] = PathCounter._try


def _defaults(args: ast.arguments) -> list[ast.expr]:
    return [d for d in [*args.defaults, *args.kw_defaults] if d is not None]


def _child_expressions(node: ast.AST) -> Iterable[ast.AST]:
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, ast.stmt):
            yield child


def _always_true(test: ast.expr) -> bool:
    return isinstance(test, ast.Constant) and bool(test.value)


def _irrefutable(pattern: ast.pattern) -> bool:
    if isinstance(pattern, ast.MatchAs):
        return pattern.pattern is None or _irrefutable(pattern.pattern)
    if isinstance(pattern, ast.MatchOr):
        return any(_irrefutable(p) for p in pattern.patterns)
    return False


def _catches_everything(handler: ast.ExceptHandler) -> bool:
    kind = handler.type
    return kind is None or (isinstance(kind, ast.Name) and kind.id == "BaseException")


def _is_terminator_call(node: ast.expr) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in _TERMINATORS
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return f"{func.value.id}.{func.attr}" in _TERMINATORS
    return False
