"""Run a task module's ``analyze_photo_task`` several times in ONE process.

Usage: python seed_runner.py MODULE_PATH JOBS_JSON

The module is loaded from its path (the broken fixture is not importable package code).
JOBS_JSON is a list of ``[photo_key, user_id, chat_id]``.  Prints one JSON line: a list of
``{"ok": true, "result": ...}`` or ``{"ok": false, "error": "Type: message"}``, in order.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import warnings
from typing import Any


def main() -> None:
    path, jobs = sys.argv[1], json.loads(sys.argv[2])
    spec = importlib.util.spec_from_file_location("seed_task_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # Objects bound to closed loops complain when collected; that noise is not the point.
    warnings.simplefilter("ignore")
    outcomes: list[dict[str, Any]] = []
    for photo_key, user_id, chat_id in jobs:
        try:
            result = module.analyze_photo_task(photo_key, user_id, chat_id)
        except Exception as exc:
            outcomes.append({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
        else:
            outcomes.append({"ok": True, "result": result})
    print(json.dumps(outcomes), flush=True)


if __name__ == "__main__":
    main()
