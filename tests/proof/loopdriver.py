"""Run a program and a list of task calls, and record what can be observed.

``run_program`` works in-process (the property test) and is the body of the subprocess
entry point (``python loopdriver.py SPEC.json RESULT.json``), which the scenario tests
use so that each version of a program starts from a fresh interpreter.

The trace holds, per task call: the outcome (a canonical repr of the value, or the
exception's type and message), the printed output, the program's data globals, and
apart from them the loops that the call created and used.  The probe's event list and,
in a subprocess, the files the program wrote are the side effects.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import io
import json
import os
import sys
import types
import warnings
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import loopprobe  # noqa: E402  (needs HERE on sys.path when run as a script)

MODULE_CALL = "<module>"
#: A call expression starting with this runs inside a running event loop: the sync
#: function called from a coroutine, as a library would call it from async code.
IN_RUNNING_LOOP = "@loop "
_PLAIN = (bool, int, float, str, bytes, list, tuple, dict, set)


def _data_globals(module: types.ModuleType) -> dict[str, Any]:
    """Module attributes a caller could observe as data (no functions, classes, modules,
    and no objects of other libraries such as an ``asyncio.Runner``)."""
    snapshot: dict[str, Any] = {}
    for name, value in sorted(vars(module).items()):
        if name.startswith("__") or callable(value) or isinstance(value, types.ModuleType):
            continue
        plain = value is None or isinstance(value, _PLAIN)
        own = getattr(type(value), "__module__", None) == module.__name__
        if plain or own:
            snapshot[name] = loopprobe.canonical(value)
    return snapshot


def run_program(
    source: str, filename: str, calls: list[str], module_name: str = "program"
) -> dict[str, Any]:
    """Execute ``source`` as module ``module_name``, then evaluate each call expression
    in its namespace."""
    loopprobe.reset()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        previous_policy = asyncio.get_event_loop_policy()
        asyncio.set_event_loop_policy(loopprobe.CountingPolicy())
    module = types.ModuleType(module_name)
    module.__file__ = filename
    previous_module = sys.modules.get(module_name)
    sys.modules[module_name] = module
    records = []
    try:
        code = compile(source, filename, "exec")
        for index, expr in enumerate([MODULE_CALL, *calls]):
            loopprobe.current_call = index
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                try:
                    if index == 0:
                        exec(code, module.__dict__)
                        value: Any = None
                    else:
                        value = _evaluate(expr, module.__dict__)
                    outcome: list[Any] = ["return", loopprobe.canonical(value)]
                except Exception as error:  # the program's own failures are behaviour too
                    outcome = ["raise", type(error).__name__, str(error)]
            records.append(
                {
                    "call": expr,
                    "outcome": outcome,
                    "stdout": printed.getvalue(),
                    "globals": _data_globals(module),
                    "loops_used": sorted({s for i, s in loopprobe.loops_used if i == index}),
                    "loops_created": loopprobe.loops_created.count(index),
                }
            )
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            asyncio.set_event_loop_policy(previous_policy)
        if previous_module is None:
            sys.modules.pop(module_name, None)
        else:
            sys.modules[module_name] = previous_module
    return {"calls": records, "events": list(loopprobe.events)}


def _evaluate(expr: str, namespace: dict[str, Any]) -> Any:
    if not expr.startswith(IN_RUNNING_LOOP):
        return eval(compile(expr, "<task call>", "eval"), namespace)
    code = compile(expr[len(IN_RUNNING_LOOP) :], "<task call>", "eval")

    async def from_a_running_loop() -> Any:
        return eval(code, namespace)

    try:
        return asyncio.run(from_a_running_loop())
    finally:
        # A runner refused inside the running loop leaves its coroutine never awaited:
        # that is the expected outcome, so collect it here, without the warning.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            gc.collect()


def main(argv: list[str]) -> int:
    spec_path, result_path = argv
    with open(spec_path, encoding="utf-8") as handle:
        spec = json.load(handle)
    with open(spec["program"], encoding="utf-8") as handle:
        source = handle.read()
    trace = run_program(source, spec["program"], spec["calls"], spec.get("module", "program"))
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump(trace, handle, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
