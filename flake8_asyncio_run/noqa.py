"""``# noqa`` comments, honoured by ``check`` and ``fix`` exactly as flake8 honours them.

A comment applies to every physical line of the logical line (or multi-line string) it
ends, and ``# noqa: ARO1`` matches codes by prefix, as in flake8.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable

from flake8_asyncio_run.findings import Finding

_INLINE = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
#: flake8 7's rule: a line that starts with this disables the whole file, whatever
#: follows it (flake8 has no file-level code list).
_FILE = re.compile(r"\s*# flake8[:=]\s*noqa", re.I)
_SEPARATOR = re.compile(r"[,\s]")


def _split_codes(text: str) -> tuple[str, ...]:
    return tuple(code for code in _SEPARATOR.split(text) if code)


def file_is_disabled(lines: list[str]) -> bool:
    """``# flake8: noqa`` at the start of a line disables the whole file."""
    return any(_FILE.match(line) is not None for line in lines)


def _logical_line_text(source: str, lines: list[str]) -> dict[int, str]:
    mapping: dict[int, str] = {}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return {number: text for number, text in enumerate(lines, start=1)}
    low, high = len(lines) + 2, -1
    for token in tokens:
        if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
            continue
        low, high = min(low, token.start[0]), max(high, token.end[0])
        if token.type in (tokenize.NL, tokenize.NEWLINE):
            joined = "".join(lines[low - 1 : high])
            for number in range(low, high + 1):
                mapping[number] = joined
            low, high = len(lines) + 2, -1
    return mapping


def is_suppressed(code: str, text: str | None) -> bool:
    if not text:
        return False
    match = _INLINE.search(text)
    if match is None:
        return False
    codes = match.group("codes")
    if codes is None:
        return True
    listed = _split_codes(codes)
    return code in listed or code.startswith(listed)


def remove_suppressed(source: str, findings: Iterable[Finding]) -> list[Finding]:
    """The findings that no ``# noqa`` comment (nor ``# flake8: noqa``) suppresses."""
    findings = list(findings)
    if not findings or "noqa" not in source.lower():
        return findings
    lines = source.splitlines(keepends=True)
    if file_is_disabled(lines):
        return []
    texts = _logical_line_text(source, lines)
    return [f for f in findings if not is_suppressed(f.code, texts.get(f.span.line))]
