"""The names a text's import statements spell, found without a parse.

Every import statement holds the word ``import``: ``import a.b``, ``from a.b import c``
(its ``from`` clause on the same line, or joined to it by backslashes), ``x = 1; import
y``, and a bracketed list (``from a import (\n    b,\n)``) that goes on past its line.
So the names on those lines, read from raw text, are a superset of the names imported:
a string or a comment only adds some.  The prefilter asks whether a module's root is
imported, and the project index whether a module can name a function of another.
"""

from __future__ import annotations

import re

_NAME = re.compile(rb"[A-Za-z_\x80-\xff][A-Za-z0-9_\x80-\xff]*")
_NAME_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


#: The last bytes object read and its names: the project index asks the rules'
#: prefilter twice about the same bytes (with and without factories).  One entry, by
#: identity, so nothing is hashed and only the last file's bytes are kept.
_last: tuple[bytes, frozenset[bytes]] = (b"", frozenset())


def import_name_bytes(data: bytes) -> frozenset[bytes]:
    """Every name in the lines of an import statement: each line that holds the word
    ``import`` (a ``from`` clause, ``x = 1; import y``), the lines a backslash joins to
    it, and the rest of a bracketed list it opens.  Strings and comments that spell
    ``import`` only add names, which can only make a test say yes."""
    global _last
    last = _last  # one read: another thread may replace it meanwhile
    if last[0] is data:
        return last[1]
    found = _import_name_bytes(data)
    _last = (data, found)
    return found


def _import_name_bytes(data: bytes) -> frozenset[bytes]:
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    names: set[bytes] = set()
    done = -1  # where the last statement read ends
    at = data.find(b"import")
    while at >= 0:
        after = at + 6
        if at > done and _whole_word(data, at, after):
            done = _statement(data, at, names)
        at = data.find(b"import", after)
    return frozenset(names)


def import_names(data: bytes) -> frozenset[str]:
    """``import_name_bytes``, decoded."""
    return frozenset(n.decode("utf-8", "surrogateescape") for n in import_name_bytes(data))


def _whole_word(data: bytes, start: int, end: int) -> bool:
    # Non-ASCII bytes count as separators (a BOM before ``import``), which can only
    # make more lines count.
    return (start == 0 or data[start - 1] not in _NAME_BYTES) and (
        end == len(data) or data[end] not in _NAME_BYTES
    )


def _statement(data: bytes, at: int, names: set[bytes]) -> int:
    """Add the names of the statement whose ``import`` stands at ``at``; return where
    the lines read end."""
    start = data.rfind(b"\n", 0, at) + 1
    while start > 1 and data[start - 2] == ord("\\"):  # joined to the line before
        start = data.rfind(b"\n", 0, start - 1) + 1
    end = _line_end(data, at)
    if _opens_list(data[start:end]):
        end = _list_end(data, end)
    while end < len(data) and data[end - 1] == ord("\\"):  # joins the next line
        end = _line_end(data, end + 1)
    names.update(_NAME.findall(data, start, end))
    return end


def _opens_list(line: bytes) -> bool:
    """Whether an import's bracketed list goes on past this line (what follows ``#``
    is a comment: an import line holds no string)."""
    code = line.partition(b"#")[0]
    return code.count(b"(") > code.count(b")")


def _list_end(data: bytes, at: int) -> int:
    """The end of the line that closes the list open at ``at`` (the end of the text
    if none does)."""
    while at < len(data):
        end = _line_end(data, at + 1)
        if b")" in data[at + 1 : end].partition(b"#")[0]:
            return end
        at = end
    return len(data)


def _line_end(data: bytes, at: int) -> int:
    end = data.find(b"\n", at)
    return len(data) if end < 0 else end
