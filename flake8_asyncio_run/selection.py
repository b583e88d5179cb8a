"""Which codes are reported for a file: ``--select``/``--ignore`` prefixes and
``per-file-ignores``, with flake8's semantics (the longest matching prefix wins)."""

from __future__ import annotations

import difflib
import fnmatch
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flake8_asyncio_run.rules import RULES

#: The code of a file that does not parse (flake8's own code for it).
SYNTAX_ERROR = "E999"
_CODE = re.compile(r"^[A-Z]+[0-9]*$")


def known_codes() -> tuple[str, ...]:
    """Every code a run can report: the rules' and the syntax error's."""
    return (*RULES, SYNTAX_ERROR)


def is_known_prefix(value: str) -> bool:
    """Whether ``value`` selects or ignores something: the start of a known code."""
    return any(code.startswith(value) for code in known_codes())


def code_suggestions(value: str) -> list[str]:
    """Known prefixes close to ``value`` (``AR0`` -> ``ARO``), best first: families (the
    letters), groups (the letters and the first digit) and whole codes, and no
    candidate that merely extends a better one already offered."""
    upper = value.upper()
    if upper != value and is_known_prefix(upper):
        return [upper]
    candidates: dict[str, None] = {}
    for code in known_codes():
        letters = code.rstrip("0123456789")
        for candidate in (letters, code[: len(letters) + 1], code):
            candidates[candidate] = None
    scored = []
    for candidate in candidates:
        ratio = difflib.SequenceMatcher(None, upper, candidate).ratio()
        if ratio >= 0.6:
            scored.append((-ratio, len(candidate), candidate))
    chosen: list[str] = []
    for _, _, candidate in sorted(scored):
        if not any(candidate.startswith(better) for better in chosen):
            chosen.append(candidate)
    return chosen[:3]


@dataclass(frozen=True)
class PerFileIgnore:
    pattern: str
    codes: tuple[str, ...]


def parse_per_file_ignores(value: str | Sequence[str]) -> tuple[PerFileIgnore, ...]:
    """flake8's ``file.py:ARO101,ARO102 other/*.py:ARO2`` form (also one entry per item)."""
    text = value if isinstance(value, str) else "\n".join(value)
    result: list[PerFileIgnore] = []
    tokens = text.replace(",", " ").split()
    pattern: str | None = None
    codes: list[str] = []
    for token in tokens:
        if ":" in token:
            if pattern is not None:
                result.append(PerFileIgnore(pattern, tuple(codes)))
            pattern, _, rest = token.rpartition(":")
            codes = [rest] if rest else []
        elif pattern is not None and _CODE.match(token):
            codes.append(token)
        else:
            if pattern is not None:
                result.append(PerFileIgnore(pattern, tuple(codes)))
            pattern, codes = token, []
    if pattern is not None:
        result.append(PerFileIgnore(pattern, tuple(codes)))
    return tuple(p for p in result if p.pattern)


def path_matches(path: str, pattern: str) -> bool:
    """flake8's rule: a pattern matches the basename, or the normalised absolute path."""
    normalized = os.path.abspath(path)
    basename = os.path.basename(normalized)
    if fnmatch.fnmatch(basename, pattern):
        return True
    if os.sep in pattern or "/" in pattern or pattern.startswith("."):
        pattern = os.path.abspath(pattern)
    return fnmatch.fnmatch(normalized, pattern)


def _normalized(pattern: str) -> str:
    """A pattern as flake8 compares lengths: made absolute when it names a directory."""
    if pattern == "." or "/" in pattern or os.sep in pattern:
        pattern = os.path.abspath(pattern)
    return pattern.rstrip("/" + os.sep)


@dataclass(frozen=True)
class Selection:
    select: tuple[str, ...] = ("ARO",)
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[PerFileIgnore, ...] = ()

    def codes_for(self, path: str) -> frozenset[str]:
        ignored = list(self.ignore)
        # flake8 applies only the most specific matching entry: the longest pattern once
        # made absolute (the first of equals), not the union of every match.
        matching = [e for e in self.per_file_ignores if path_matches(path, e.pattern)]
        if matching:
            ignored.extend(max(matching, key=lambda e: len(_normalized(e.pattern))).codes)
        return frozenset(code for code in RULES if _decide(code, self.select, ignored))


def _decide(code: str, select: Iterable[str], ignore: Iterable[str]) -> bool:
    selected = max((len(p) for p in select if code.startswith(p)), default=-1)
    ignored = max((len(p) for p in ignore if code.startswith(p)), default=-1)
    if selected < 0:
        return False
    return selected > ignored
