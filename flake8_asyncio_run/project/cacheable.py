"""Whether a module's text can cache a loop-bound factory's result in a module global.

A module matters to the project index through a factory call only when it caches the
result in its globals (ARO201's fact, ``cached_globals``): an assignment at module level
(inside ``if``, ``try`` or ``with`` blocks too), or in a function that declares the name
``global``.  Most async code calls factories inside methods (``self.lock =
asyncio.Lock()``, ``async with aiohttp.ClientSession() as s``): such a module need not
be parsed for the index, unless another module's words make it worth it.

The test reads indentation, never a parse, and errs only towards yes: a line spelling a
factory's name is inside a ``def`` or ``class`` body when the lines above it that are
less indented, one after the other, lead to a ``def``/``class`` header before reaching
column 0.  A triple quote or a backslash continuation on the way, a form feed, or the
word ``global`` anywhere make it say yes.  Import lines and aliases spell the name too
(``from aiohttp import ClientSession as CS``), so a call through an alias is covered
by the import's own line.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator

_NAME_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_BODY_HEADERS = (b"def ", b"def\t", b"class ", b"class\t", b"class(")
_IMPORT = b"import"
_BLANKS = b" \t\\\r\n"
_DOTTED_GAP = frozenset(b". \t\\\r\n")


def may_cache_in_globals(data: bytes, names: Iterable[str]) -> bool:
    """False only when every line that spells one of ``names`` (the last parts of the
    factories) lies in a function or class body, and ``global`` is never spelled."""
    if _occurs(data, b"global") or b"\f" in data:
        return True
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    lines = data.split(b"\n")
    starts = _line_starts(lines)
    for name in names:
        word = name.encode("utf-8", "surrogatepass")
        for at in _occurrences(data, word):
            number = _line_of(starts, at)
            if _can_bind(data, at, at + len(word), lines[number]) and _may_be_module_level(
                lines, number
            ):
                return True
    return False


def _can_bind(data: bytes, start: int, end: int, line: bytes) -> bool:
    """Whether the name at ``start:end`` may be called there, or bound to another name
    a call could then use: followed by ``(`` (across blanks and line breaks), renamed
    by an import's ``as``, or a whole value (``CS = aiohttp.ClientSession``, ``CS =
    (\n    aiohttp.ClientSession\n)``, ``partial(ClientSession, …)``).  Not: an import
    that keeps the name (its calls spell it), an annotation (``session: ClientSession |
    None = None``), a name inside a longer expression."""
    after = data[end : end + 256].lstrip(_BLANKS)
    if after.startswith(b"("):
        return True
    code = line.partition(b"#")[0]
    if _IMPORT in code:
        return b" as " in code or b"\tas " in code
    tail = data[end : end + 256].lstrip(b" \t")
    if tail and not tail.startswith((b")", b",", b";", b"]", b"}", b"#", b"\\", b"\r", b"\n")):
        return False  # more expression follows on its line: not the whole value
    # What stands before the dotted name: a value starts after ``=``, a bracket, a comma.
    at = start
    while at and (data[at - 1] in _NAME_BYTES or data[at - 1] in _DOTTED_GAP):
        at -= 1
    return at == 0 or data[at - 1] in b"=([{,:"


def _may_be_module_level(lines: list[bytes], number: int) -> bool:
    indent = _indent(lines[number])
    while indent > 0:
        number -= 1
        if number < 0:
            return True
        line = lines[number]
        code = line.lstrip(b" \t")
        if b'"""' in line or b"'''" in line or line.rstrip().endswith(b"\\"):
            return True  # a string or a continued line: indentation says nothing
        if not code or code.startswith(b"#"):
            continue
        below = len(line) - len(code)
        if below < indent:
            if _is_body_header(code):
                return False
            indent = below
    return True


def _is_body_header(code: bytes) -> bool:
    if code.startswith(b"async"):
        rest = code[5:]
        stripped = rest.lstrip(b" \t")
        return len(stripped) < len(rest) and stripped.startswith(_BODY_HEADERS[:2])
    return code.startswith(_BODY_HEADERS)


def _indent(line: bytes) -> int:
    return len(line) - len(line.lstrip(b" \t"))


def _occurs(data: bytes, word: bytes) -> bool:
    return any(True for _ in _occurrences(data, word))


def _occurrences(data: bytes, word: bytes) -> Iterator[int]:
    """Where ``word`` stands as a whole word (non-ASCII bytes count as separators, as
    in the prefilter: more places, never fewer)."""
    at = data.find(word)
    while at >= 0:
        end = at + len(word)
        if (at == 0 or data[at - 1] not in _NAME_BYTES) and (
            end == len(data) or data[end] not in _NAME_BYTES
        ):
            yield at
        at = data.find(word, at + 1)


def _line_starts(lines: list[bytes]) -> list[int]:
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    return starts


def _line_of(starts: list[int], at: int) -> int:
    return bisect_right(starts, at) - 1
