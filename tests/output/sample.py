"""A small project and hand-made fix plans in the fixer's shape, so that each format's
conversion (columns, escaping, merging edits) is tested apart from the fixer."""

from __future__ import annotations

import os
from pathlib import Path

from flake8_asyncio_run.checker import FileResult, check_files
from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.findings import FixPlan as Plan
from flake8_asyncio_run.findings import Span
from flake8_asyncio_run.findings import TextEdit as Edit

TASKS = """\
import asyncio


def job():
    label = "é😀"; a = asyncio.run(one())
    b = asyncio.run(two(a))
    return b


async def handler():
    return asyncio.run(three())
"""

#: The two calls of ``job`` combined, as the fixer would write them.
COMBINED = """\
    async def _job_async():
        a = await one()
        b = await two(a)
        return a, b

"""


def make_project(root: Path) -> None:
    (root / "pkg").mkdir()
    (root / "pkg" / "tasks.py").write_text(TASKS, encoding="utf-8")
    (root / "clean.py").write_text("import asyncio\n\nasyncio.run(main())\n", encoding="utf-8")


def check(root: Path) -> list[FileResult]:
    paths = [os.path.join("pkg", "tasks.py"), "clean.py"]
    return check_files([str(root / p) for p in paths], Settings())


def plans_for(result: FileResult) -> list[Plan]:
    by_code = {f.code: f for f in result.findings}
    aro101, aro103 = by_code["ARO101"], by_code["ARO103"]
    return [
        Plan(
            (aro101,),
            "safe",
            "combine",
            None,
            "Combine event loops into one coroutine",
            (
                # Insert the coroutine above line 5 and replace the two statements.
                Edit(Span(5, 0, 5, 0), COMBINED.replace("a, b", "b")),
                Edit(
                    Span(5, 18, 6, 27),
                    "a = None\n    b = asyncio.run(_job_async())",
                ),
            ),
        ),
        Plan(
            (aro103,),
            "safe",
            "await",
            None,
            "Replace asyncio.run() with await",
            (Edit(aro103.span, "await three()"),),
        ),
    ]
