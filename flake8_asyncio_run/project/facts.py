"""What one module tells the project index: plain data, kept in the on-disk cache.

Every name here is absolute: ``app.db.get_pool``, never ``get_pool``.  A summary
depends on nothing but the module's own text, its dotted name and the options, so it
can be cached by content and rebuilt alone when its file changes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class CallFacts:
    """One call (or await of a call) in a function body."""

    #: What it calls: ``app.utils.run_sync``, ``asyncio.run``, ``app.repo.Repo.save``.
    target: str
    #: Every path that returns from the function makes this call.
    every_path: bool = False
    #: The call's first positional argument is one of the function's parameters.
    passes_parameter: bool = False
    #: The function is exactly ``def f(p): return target(p)``.
    plain: bool = False
    #: The coroutine function the call hands to an event loop, when it is one:
    #: ``work`` of ``asyncio.run(work(x))``, ``anyio.run(work, x)``,
    #: ``async_to_sync(work)(x)``.
    work: str | None = None


@dataclass(frozen=True)
class FunctionFacts:
    """A module-level function, lambda or a method of a module-level class."""

    #: Absolute name: ``app.tasks.notify``, ``app.repo.Repo.save``.
    name: str
    is_async: bool
    line: int
    #: Module-level, not a method: only these can be wrappers or entries.
    module_level: bool
    calls: tuple[CallFacts, ...] = ()
    #: The globals it reads: ``app.db._pool`` (its own module's or through an import).
    reads: tuple[str, ...] = ()


@dataclass(frozen=True)
class CachedFacts:
    """An assignment that caches a loop-bound resource in module globals."""

    #: The module globals it binds, sorted.
    names: tuple[str, ...]
    resource: str
    line: int


@dataclass(frozen=True)
class ModuleFacts:
    name: str
    #: Module-level name -> what it stands for: imports (so re-exports resolve) and
    #: ``x = other.name`` aliases.
    aliases: dict[str, str] = field(default_factory=dict)
    functions: tuple[FunctionFacts, ...] = ()
    #: Absolute names of the module's classes.
    classes: tuple[str, ...] = ()
    cached: tuple[CachedFacts, ...] = ()
    #: Coroutine functions RQ runs as jobs (``queue.enqueue(work)``, ``@job``).
    jobs: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> ModuleFacts:
        """Raises KeyError, TypeError or ValueError for data of another shape."""
        if not isinstance(data, dict):
            raise TypeError("module facts must be an object")
        functions = tuple(
            FunctionFacts(
                _str(f["name"]),
                bool(f["is_async"]),
                int(f["line"]),
                bool(f["module_level"]),
                tuple(CallFacts(**_call(c)) for c in f["calls"]),
                tuple(_str(r) for r in f["reads"]),
            )
            for f in data["functions"]
        )
        cached = tuple(
            CachedFacts(tuple(_str(n) for n in c["names"]), _str(c["resource"]), int(c["line"]))
            for c in data["cached"]
        )
        aliases = data["aliases"]
        if not isinstance(aliases, dict):
            raise TypeError("aliases must be an object")
        return cls(
            _str(data["name"]),
            {_str(k): _str(v) for k, v in aliases.items()},
            functions,
            tuple(_str(c) for c in data["classes"]),
            cached,
            tuple(_str(j) for j in data["jobs"]),
        )


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _call(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict) or set(data) != _CALL_FIELDS:
        raise TypeError("call facts of another shape")
    work = data["work"]
    return {
        "target": _str(data["target"]),
        "every_path": bool(data["every_path"]),
        "passes_parameter": bool(data["passes_parameter"]),
        "plain": bool(data["plain"]),
        "work": None if work is None else _str(work),
    }


_CALL_FIELDS = {"target", "every_path", "passes_parameter", "plain", "work"}
