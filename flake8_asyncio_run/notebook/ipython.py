"""IPython syntax in a cell, masked so that ``ast`` and libcst read the rest.

IPython rewrites some lines before Python sees them: line magics (``%time f()``), shell
escapes (``!ls``), their assignment forms (``files = !ls``, ``t = %time f()``) and help
(``obj?``, ``??obj``).  It does so only at the start of a logical line, never inside a
string or a bracket, and a cell whose first line is a cell magic (``%%bash``) is not
Python at all.  Each masked line becomes a statement with the same indentation
(``pass``, or ``target = None`` for an assignment, which keeps the name bound) and a
comment carrying a token, by which the original line is put back after a fix.
Top-level ``await`` needs no mask: it is parsed with ``PyCF_ALLOW_TOP_LEVEL_AWAIT``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flake8_asyncio_run.lines import split_keeping_ends

_HELP = re.compile(r"^(\?{1,2}[\w.%*]+|[\w.%*]+\?{1,2})$")
_ASSIGNED = re.compile(r"^([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*[!%]")
_MASK = re.compile(r"  # ipython-(\d+)-([0-9a-f]+)$")


def is_cell_magic(text: str) -> bool:
    """``%%bash``, ``%%time``...: IPython hands the whole cell to the magic."""
    for line in text.splitlines():
        if line.strip():
            return line.lstrip().startswith("%%")
    return False


@dataclass(frozen=True)
class Masked:
    text: str
    #: The original lines (with their terminators) of the masked lines, by mask number.
    originals: tuple[str, ...]


def mask(text: str, token: str) -> Masked:
    """``text`` with its IPython lines masked; numbered from 0 within the cell."""
    lines = split_keeping_ends(text)
    starts = _logical_starts(lines)
    originals: list[str] = []
    for number, line in enumerate(lines):
        if number not in starts:
            continue
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        stripped = body.strip()
        indent = body[: len(body) - len(body.lstrip())]
        replacement = _replacement(stripped)
        if replacement is None:
            continue
        lines[number] = f"{indent}{replacement}  # ipython-{len(originals)}-{token}{ending}"
        originals.append(line)
    return Masked("".join(lines), tuple(originals))


def _replacement(stripped: str) -> str | None:
    if stripped.startswith(("%", "!")) or _HELP.match(stripped):
        return "pass"
    assigned = _ASSIGNED.match(stripped)
    if assigned is not None:
        return f"{assigned.group(1)} = None"
    return None


def unmask(text: str, originals: tuple[str, ...], token: str) -> str:
    """Put the masked lines back, each with the indentation its mask has now."""
    if not originals:
        return text
    lines = split_keeping_ends(text)
    for number, line in enumerate(lines):
        found = _MASK.search(line.rstrip("\r\n"))
        if found is None or found.group(2) != token:
            continue
        body = line.rstrip("\r\n")
        indent = body[: len(body) - len(body.lstrip())]
        original = originals[int(found.group(1))]
        lines[number] = indent + original.lstrip(" \t")
    return "".join(lines)


def _logical_starts(lines: list[str]) -> frozenset[int]:
    """The lines that begin a logical line: not inside a string or a bracket, and not
    after a backslash continuation."""
    starts: set[int] = set()
    depth = 0
    quote: str | None = None
    continued = False
    for number, line in enumerate(lines):
        if quote is None and depth == 0 and not continued:
            starts.add(number)
        depth, quote, continued = _scan(line, depth, quote)
    return frozenset(starts)


def _scan(line: str, depth: int, quote: str | None) -> tuple[int, str | None, bool]:
    """Bracket depth and the open string after ``line``, and whether it ends in a
    backslash continuation.  Enough of Python's tokenizer to find logical lines."""
    i, n = 0, len(line)
    while i < n:
        char = line[i]
        if quote is not None:
            if char == "\\":
                i += 2
                continue
            if line.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
            if len(quote) == 1 and char in "\r\n":
                quote = None  # an unterminated one-line string ends with its line
            i += 1
            continue
        if char == "#":
            break
        if char in "\"'":
            quote = line[i : i + 3] if line.startswith(char * 3, i) else char
            i += len(quote)
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(depth - 1, 0)
        i += 1
    continued = quote is None and line.rstrip("\r\n").endswith("\\")
    return depth, quote, continued
