"""Which project functions start an event loop on every call: pass-throughs and entries.

A module-level synchronous function whose every returning path calls a runner, a
pass-through or an entry is one of them:

- a **pass-through** when that call hands over one of the function's own parameters
  (``def run_sync(coro): return asyncio.run(coro)``, ``def run(fn, *a): return
  anyio.run(fn, *a)``, and wrappers of those): its calls are runner calls;
- an **entry** otherwise: it runs its own coroutine (``def notify(uid): return
  asyncio.run(send(uid))``), or calls entries.

Found to a fixed point, so wrappers of wrappers resolve in any order and across modules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flake8_asyncio_run.project.facts import FunctionFacts
from flake8_asyncio_run.resolution import Role, RunnerKind


def find_roles(
    functions: Mapping[str, FunctionFacts],
    runners: Mapping[str, RunnerKind],
    canonical: Callable[[str], str],
) -> dict[str, Role]:
    roles: dict[str, Role] = {}
    candidates = [
        f
        for f in functions.values()
        if f.module_level and not f.is_async and any(c.every_path for c in f.calls)
    ]
    changed = True
    while changed:
        changed = False
        for function in candidates:
            if function.name in roles:
                continue
            role = _role(function, roles, runners, canonical)
            if role is not None:
                roles[function.name] = role
                changed = True
    return roles


def _role(
    function: FunctionFacts,
    roles: Mapping[str, Role],
    runners: Mapping[str, RunnerKind],
    canonical: Callable[[str], str],
) -> Role | None:
    entry: Role | None = None
    for call in function.calls:
        if not call.every_path:
            continue
        target = call.target if call.target in runners else canonical(call.target)
        found = _behind(target, roles, runners)
        if found is None:
            continue
        library, hands_over, plain = found
        if hands_over and call.passes_parameter:
            return Role("passthrough", library, plain and call.plain)
        entry = entry or Role("entry", library)
    return entry


def _behind(
    target: str, roles: Mapping[str, Role], runners: Mapping[str, RunnerKind]
) -> tuple[RunnerKind, bool, bool] | None:
    """(the library runner, whether a call of it runs what it is handed, whether a
    plain pass-through of it may become ``await x``)."""
    kind = runners.get(target)
    if kind is not None:
        return kind, True, kind.form == "coroutine"
    role = roles.get(target)
    if role is None:
        return None
    return role.runner, role.kind == "passthrough", role.plain
