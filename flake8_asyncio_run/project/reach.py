"""Which cached globals a coroutine run on a fresh event loop can reach, and how.

The entry points are the synchronous functions that start event loops (a runner, a
pass-through or an entry call anywhere in them) and the coroutine functions RQ runs as
jobs (each under its own ``asyncio.run`` since RQ 2).  From each, a breadth-first walk
follows what is handed to the loop and then every call: module functions, methods of
classes named at the call, through imports within the project.  A global is reached
when a function on the way reads it; the first entry point (in module and line order)
and the shortest chain are kept.  Module-level runner calls are no entry point: a
script runs them once, on one long-lived loop.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from flake8_asyncio_run.project.facts import FunctionFacts
from flake8_asyncio_run.resolution import Role, RunnerKind


@dataclass(frozen=True)
class Reach:
    """How a cached global is reached from an entry point."""

    #: ``app.workers.tasks:analyze_photo``.
    entry: str
    line: int
    #: Short names from the entry to the function that reads the global:
    #: ``tasks.analyze_photo → AnalysisRepository.create → connection.get_pool``.
    chain: tuple[str, ...]
    #: The entry is a coroutine RQ runs as a job, not a function calling a runner.
    job: bool = False


@dataclass(frozen=True)
class _Graph:
    functions: Mapping[str, FunctionFacts]
    module_of: Mapping[str, str]
    canonical: Callable[[str], str]

    def callees(self, function: FunctionFacts) -> Iterator[str]:
        for call in function.calls:
            for name in (call.target, call.work):
                if name is None:
                    continue
                target = self.canonical(name)
                if target in self.functions:
                    yield target
                elif f"{target}.__init__" in self.functions:
                    yield f"{target}.__init__"

    def short(self, name: str) -> str:
        module = self.module_of[name]
        inside = name[len(module) + 1 :]
        if self.functions[name].module_level:
            return f"{module.rpartition('.')[2]}.{inside}"
        return inside


def reaching_functions(
    functions: Mapping[str, FunctionFacts],
    module_of: Mapping[str, str],
    cached: frozenset[str],
    canonical: Callable[[str], str],
) -> frozenset[str]:
    """The functions from which ``find_reach``'s walk can get to a cached global: those
    that read one, and those that call or hand to a loop one of them, transitively.
    Every function on a chain ``find_reach`` reports is one of them."""
    graph = _Graph(functions, module_of, canonical)
    callers: dict[str, list[str]] = {}
    queue: deque[str] = deque()
    for function in functions.values():
        if any(canonical(read) in cached for read in function.reads):
            queue.append(function.name)
        for callee in graph.callees(function):
            callers.setdefault(callee, []).append(function.name)
    found = set(queue)
    while queue:
        for caller in callers.get(queue.popleft(), ()):
            if caller not in found:
                found.add(caller)
                queue.append(caller)
    return frozenset(found)


def find_reach(
    functions: Mapping[str, FunctionFacts],
    module_of: Mapping[str, str],
    jobs: list[str],
    cached: frozenset[str],
    roles: Mapping[str, Role],
    runners: Mapping[str, RunnerKind],
    canonical: Callable[[str], str],
) -> dict[str, Reach]:
    """Cached global (``module.name``) -> how it is reached, for those reached."""
    graph = _Graph(functions, module_of, canonical)
    found: dict[str, Reach] = {}
    for name, starts, job in _entry_points(functions, jobs, roles, runners, canonical):
        _walk(graph, name, starts, job, cached, found)
    return found


def _entry_points(
    functions: Mapping[str, FunctionFacts],
    jobs: list[str],
    roles: Mapping[str, Role],
    runners: Mapping[str, RunnerKind],
    canonical: Callable[[str], str],
) -> Iterator[tuple[str, list[str], bool]]:
    """(entry point, the functions its loops start in, whether it is an RQ job), in
    module and line order."""
    points: list[tuple[str, int, str, list[str], bool]] = []
    for function in functions.values():
        if function.is_async:
            continue
        starts: list[str] = []
        for call in function.calls:
            target = call.target if call.target in runners else canonical(call.target)
            role = roles.get(target)
            if target not in runners and role is None:
                continue
            if role is not None and role.kind == "entry":
                starts.append(target)
            elif call.work is not None:
                starts.append(canonical(call.work))
        starts = [s for s in starts if s in functions]
        if starts:
            points.append((function.name, function.line, function.name, starts, False))
    for job in dict.fromkeys(canonical(j) for j in jobs):
        coroutine = functions.get(job)
        if coroutine is not None and coroutine.is_async:
            points.append((job, coroutine.line, job, [job], True))
    points.sort(key=lambda p: (p[0].rpartition(".")[0], p[1], p[0]))
    for _name, _line, name, starts, is_job in points:
        yield name, starts, is_job


def _walk(
    graph: _Graph,
    entry: str,
    starts: list[str],
    job: bool,
    cached: frozenset[str],
    found: dict[str, Reach],
) -> None:
    parent: dict[str, str | None] = {}
    queue: deque[str] = deque()
    for start in starts:
        if start not in parent:
            parent[start] = None if start == entry else entry
            queue.append(start)
    while queue:
        current = queue.popleft()
        function = graph.functions[current]
        for read in function.reads:
            name = graph.canonical(read)
            if name in cached and name not in found:
                found[name] = _reach(graph, entry, current, parent, job)
        for callee in graph.callees(function):
            if callee not in parent and callee != entry:
                parent[callee] = current
                queue.append(callee)


def _reach(
    graph: _Graph, entry: str, last: str, parent: Mapping[str, str | None], job: bool
) -> Reach:
    chain = [last]
    step = parent.get(last)
    while step is not None:
        chain.append(step)
        step = parent.get(step)
    if chain[-1] != entry:
        chain.append(entry)
    chain.reverse()
    module = graph.module_of[entry]
    inside = entry[len(module) + 1 :]
    return Reach(
        f"{module}:{inside}",
        graph.functions[entry].line,
        tuple(graph.short(name) for name in chain),
        job,
    )
