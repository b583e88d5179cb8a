"""Unified diffs that ``patch`` and ``git apply`` accept, CRLF and missing final
newlines included."""

from __future__ import annotations

import difflib
import re

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
NO_NEWLINE = "\\ No newline at end of file\n"


def split_keeping_ends(text: str) -> list[str]:
    return _LINE.findall(text)


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
