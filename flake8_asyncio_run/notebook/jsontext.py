"""A notebook's JSON text, edited where a cell's source is and nowhere else.

``json.loads`` and ``json.dumps`` would lose what the user's tools wrote: key order,
indentation, ``ensure_ascii`` style, the final newline.  Instead the top-level object
and each cell are walked here just far enough to find the text of every cell's
``"source"`` value; a fixed cell's new value is written in the style of its old one
(a string or a list of lines; one item per line or all on one; escaped non-ASCII or
not) and spliced in.  Every other byte stays as it was.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from flake8_asyncio_run.lines import line_starts

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class NotebookJSONError(ValueError):
    """The text is not a JSON object with a ``cells`` list of objects."""


@dataclass(frozen=True)
class SourceValue:
    """Where one cell's ``"source"`` value is in the text, and what it holds."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class NotebookJSON:
    data: dict[str, Any]
    #: Per cell (every cell, in order): its source value, None for a cell without one.
    sources: tuple[SourceValue | None, ...]


def read_json(text: str) -> NotebookJSON:
    """Parse ``text``; raises NotebookJSONError (or json.JSONDecodeError)."""
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise NotebookJSONError("not a notebook: no 'cells' list")
    cells = data["cells"]
    if not all(isinstance(cell, dict) for cell in cells):
        raise NotebookJSONError("not a notebook: a cell is not an object")
    spans = _cell_source_spans(text)
    if len(spans) != len(cells):  # a duplicate "cells" key: json keeps the last
        raise NotebookJSONError("not a notebook: its 'cells' list cannot be located")
    sources = tuple(
        None if span is None else SourceValue(span[0], span[1], source_text(cell["source"]))
        for span, cell in zip(spans, cells, strict=True)
    )
    return NotebookJSON(data, sources)


def source_text(value: object) -> str:
    """A cell's source as one string (nbformat allows a string or a list of them)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        return "".join(value)
    raise NotebookJSONError("not a notebook: a cell's source is not text")


def with_sources(text: str, notebook: NotebookJSON, new: dict[int, str]) -> str:
    """``text`` with the sources of the cells in ``new`` (by 0-based index) replaced."""
    pieces: list[str] = []
    position = 0
    for index in sorted(new):
        value = notebook.sources[index]
        if value is None:
            raise NotebookJSONError(f"cell {index + 1} has no source to replace")
        pieces.append(text[position : value.start])
        pieces.append(encode_like(text[value.start : value.end], new[index], text))
        position = value.end
    pieces.append(text[position:])
    return "".join(pieces)


def encode_like(old: str, source: str, whole: str) -> str:
    """``source`` as a JSON value written the way ``old`` (a value from ``whole``) was."""
    ascii_only = _escapes_non_ascii(old if _has_non_ascii_text(old) else whole)
    if old.startswith('"'):
        return json.dumps(source, ensure_ascii=ascii_only)
    lines = source.splitlines(keepends=True)
    items = [json.dumps(line, ensure_ascii=ascii_only) for line in lines]
    if not items:
        return "[]"
    opening, separator, closing = _list_layout(old, whole)
    return "[" + opening + separator.join(items) + closing + "]"


def source_line_offsets(text: str, value: SourceValue) -> list[int]:
    """For each line of a cell's source (``lines.line_starts``), the offset in ``text``
    of the JSON string its first character is written in: the item of a list of lines
    that holds it, or the one string of a source written as a string."""
    starts = line_starts(value.text)
    if text[value.start] != "[":
        return [value.start] * len(starts)
    items: list[tuple[int, int]] = []  # (offset in the source, offset in the text)
    consumed = 0
    position = _skip(text, value.start + 1)
    while text[position] != "]":
        item, end = _DECODER.raw_decode(text, position)
        if item:  # an empty string begins no line
            items.append((consumed, position))
        consumed += len(item)
        position = _skip(text, end)
        if text[position] == ",":
            position = _skip(text, position + 1)
    if not items:
        return [value.start] * len(starts)
    firsts = [first for first, _ in items]
    return [items[max(bisect_right(firsts, start) - 1, 0)][1] for start in starts]


def _has_non_ascii_text(value: str) -> bool:
    return "\\u" in value or any(ord(char) > 127 for char in value)


def _escapes_non_ascii(sample: str) -> bool:
    """Whether the writer used ``ensure_ascii``: it wrote ``\\u00e9``, never ``é``."""
    if any(ord(char) > 127 for char in sample):
        return False
    return re.search(r"\\u(?!00[0-7])[0-9a-fA-F]{4}", sample) is not None


def _list_layout(old: str, whole: str) -> tuple[str, str, str]:
    """(after ``[``, between items, before ``]``) as ``old`` has them; for an empty
    list, one item per line indented one step deeper than its key, as nbformat does."""
    inner = old[1:-1]
    if inner.strip():
        opening = _WHITESPACE.match(inner)
        assert opening is not None
        closing = inner[len(inner.rstrip(" \t\n\r")) :]
        first_end = _DECODER.raw_decode(inner, opening.end())[1]
        gap = re.match(r"[ \t\n\r]*,([ \t\n\r]*)", inner[first_end:])
        between = gap.group(1) if gap is not None else opening.group()
        return opening.group(), "," + between, closing
    step = _indent_step(whole)
    key_indent = _line_indent(whole, whole.find(old))
    return "\n" + key_indent + step, ",\n" + key_indent + step, "\n" + key_indent


def _indent_step(whole: str) -> str:
    found = re.search(r'\n([ \t]+)"', whole)
    return found.group(1) if found else " "


def _line_indent(whole: str, offset: int) -> str:
    start = whole.rfind("\n", 0, max(offset, 0)) + 1
    line = whole[start:offset]
    return line[: len(line) - len(line.lstrip(" \t"))]


# Locating the values ----------------------------------------------------------------------
def _cell_source_spans(text: str) -> list[tuple[int, int] | None]:
    position = _skip(text, 0)
    cells: list[tuple[int, int] | None] = []
    for key, start, _end in _members(text, position):
        if key == "cells":
            cells = _cells(text, start)
    return cells


def _cells(text: str, position: int) -> list[tuple[int, int] | None]:
    if text[position] != "[":
        return []
    found: list[tuple[int, int] | None] = []
    position = _skip(text, position + 1)
    if text[position] == "]":
        return found
    while True:
        source: tuple[int, int] | None = None
        end = _value_end(text, position)
        if text[position] == "{":
            for key, start, value_end in _members(text, position):
                if key == "source":
                    source = (start, value_end)
        found.append(source)
        position = _skip(text, end)
        if text[position] == "]":
            return found
        position = _skip(text, position + 1)  # past the comma


def _members(text: str, position: int) -> list[tuple[str, int, int]]:
    """(key, value start, value end) of the object at ``position``."""
    members: list[tuple[str, int, int]] = []
    position = _skip(text, position + 1)
    if text[position] == "}":
        return members
    while True:
        key, position = _DECODER.raw_decode(text, position)
        position = _skip(text, position)
        position = _skip(text, position + 1)  # past the colon
        end = _value_end(text, position)
        members.append((key, position, end))
        position = _skip(text, end)
        if text[position] == "}":
            return members
        position = _skip(text, position + 1)


def _value_end(text: str, position: int) -> int:
    return int(_DECODER.raw_decode(text, position)[1])


def _skip(text: str, position: int) -> int:
    found = _WHITESPACE.match(text, position)
    assert found is not None
    return found.end()
