"""Unified diffs that ``patch`` and ``git apply`` accept, CRLF and missing final
newlines included."""

from __future__ import annotations

import difflib

from flake8_asyncio_run.lines import split_keeping_ends

NO_NEWLINE = "\\ No newline at end of file\n"


def unified_diff(before: str, after: str, path: str) -> str:
    lines = difflib.unified_diff(
        split_keeping_ends(before), split_keeping_ends(after), fromfile=path, tofile=path
    )
    out: list[str] = []
    for line in lines:
        out.append(line)
        if not line.endswith(("\n", "\r")):
            out.append("\n" + NO_NEWLINE)
    return "".join(out)
