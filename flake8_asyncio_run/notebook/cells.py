"""A Jupyter notebook (nbformat 4) as one Python text, and back.

Its Python code cells, IPython syntax masked (``ipython.py``), are joined into one
*virtual* module: the analysis, noqa and the fixer read it like any file, with
top-level ``await`` allowed.  A comment line naming the cell, unique to the notebook,
comes before each cell, so that a fixed virtual text splits back into cells whatever
the fix did to their lengths, and any virtual text has its ``CellMap``: a virtual line
-> (cell number, line in the cell).  The number counts every cell of the notebook from
1, markdown ones included.

A notebook whose kernel language is not Python has no cells to analyse; nor has a cell
whose own language (VS Code's ``metadata.vscode.languageId``) is not Python, or that
starts with a cell magic (``%%bash``, ``%%time``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from flake8_asyncio_run.findings import Span
from flake8_asyncio_run.lines import LineIndex, split_keeping_ends, split_lines
from flake8_asyncio_run.notebook.ipython import is_cell_magic, mask, unmask
from flake8_asyncio_run.notebook.jsontext import (
    NotebookJSON,
    NotebookJSONError,
    read_json,
    source_line_offsets,
    source_text,
    with_sources,
)

NOTEBOOK_SUFFIX = ".ipynb"


def is_notebook_path(path: str) -> bool:
    return path.lower().endswith(NOTEBOOK_SUFFIX)


class NotebookError(ValueError):
    """Why a file is not a notebook this tool can read (the message names no path)."""


@dataclass(frozen=True)
class Cell:
    #: 1-based position among all the notebook's cells.
    number: int
    #: 0-based index into the JSON's ``cells``.
    index: int
    #: The cell's source as the notebook has it.
    source: str
    #: The original lines of its masked IPython lines (``ipython.Masked``).
    masked: tuple[str, ...]


#: The comment line before each cell in the virtual text: the cell's number and the
#: notebook's token (a digest of its JSON, so that no cell spells the line).  One word,
#: ``flake8_asyncio_run``: the text prefilter reads comments too, and a separator that
#: spelled ``run`` as a word would let every notebook importing asyncio be parsed.
_SEPARATOR = re.compile(r"^# flake8_asyncio_run: cell (\d+) ([0-9a-f]{12})\r?$")


def _separator_line(number: int, token: str) -> str:
    return f"# flake8_asyncio_run: cell {number} {token}\n"


@dataclass(frozen=True)
class CellMap:
    """Virtual lines <-> cells, read from the separator lines of a virtual text (so
    that a fixed text, whose lines moved, has its own)."""

    #: (cell number, virtual line of the cell's first line), in order.
    starts: tuple[tuple[int, int], ...]

    @classmethod
    def of_lines(cls, lines: Sequence[str]) -> CellMap:
        starts: list[tuple[int, int]] = []
        token: str | None = None
        for number, line in enumerate(lines, start=1):
            found = _SEPARATOR.match(line)
            if found is not None and token in (None, found.group(2)):
                token = found.group(2)
                starts.append((int(found.group(1)), number + 1))
        return cls(tuple(starts))

    def local(self, span: Span) -> tuple[int, Span]:
        """(cell number, the span with lines counted within that cell)."""
        number, first = self._cell(span.line)
        shift = first - 1
        return number, Span(span.line - shift, span.col, span.end_line - shift, span.end_col)

    def describe(self, line: int, seen_from: int) -> str:
        """``line 3`` (in the cell of virtual line ``seen_from``), else ``cell 2,
        line 3``: a virtual line as a message names it."""
        number, first = self._cell(line)
        local = f"line {line - first + 1}"
        return local if self._cell(seen_from)[0] == number else f"cell {number}, {local}"

    def _cell(self, line: int) -> tuple[int, int]:
        """(cell number, its first virtual line); a text without separator lines (cells
        analysed through the API as plain text) is one cell starting at line 1."""
        if not self.starts:
            return 1, 1
        firsts = [first for _, first in self.starts]
        return self.starts[max(bisect_right(firsts, line) - 1, 0)]


@dataclass(frozen=True)
class Notebook:
    """A notebook's JSON text and its code cells as one virtual Python text."""

    json_text: str
    parsed: NotebookJSON
    #: The virtual module; empty when no cell is Python.
    text: str
    cells: tuple[Cell, ...]
    token: str

    @functools.cached_property
    def cell_map(self) -> CellMap:
        return CellMap.of_lines(split_lines(self.text))

    def file_lines(self, number: int) -> tuple[int, ...]:
        """The line of the notebook's file (its JSON) on which each line of cell
        ``number`` is written (one line per item of a list of lines; every line on the
        line of the value for a source written as one string)."""
        value = self.parsed.sources[number - 1] if number <= len(self.parsed.sources) else None
        if value is None:
            return ()
        index = self._json_lines
        return tuple(
            index.line_col(offset)[0] for offset in source_line_offsets(self.json_text, value)
        )

    @functools.cached_property
    def _json_lines(self) -> LineIndex:
        return LineIndex(self.json_text)

    def cells_from(self, virtual: str) -> dict[int, str]:
        """The new source of each cell that a fixed virtual text changes, by index."""
        lines = split_keeping_ends(virtual)
        parts: list[list[str]] = [[]]
        for line in lines:
            found = _SEPARATOR.match(line.rstrip("\r\n"))
            if found is not None and found.group(2) == self.token:
                parts.append([])
            else:
                parts[-1].append(line)
        # Text before the first cell (an import the fix added) goes into it.
        head = parts.pop(0)
        if len(parts) != len(self.cells):
            raise NotebookError("the fix moved a cell boundary")
        if parts:
            parts[0] = head + parts[0]
        changed: dict[int, str] = {}
        for cell, part in zip(self.cells, parts, strict=True):
            text = _without_added_newline("".join(part), cell.source)
            source = unmask(text, cell.masked, self.token)
            if source != cell.source:
                changed[cell.index] = source
        return changed

    def json_with(self, virtual: str) -> str:
        """The notebook's JSON text holding the cells of the fixed ``virtual`` text."""
        changed = self.cells_from(virtual)
        if not changed:
            return self.json_text
        return with_sources(self.json_text, self.parsed, changed)


def read_notebook(json_text: str) -> Notebook:
    try:
        parsed = read_json(json_text)
    except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
        raise NotebookError(_describe(error)) from error
    major = parsed.data.get("nbformat")
    if major != 4:
        raise NotebookError(f"nbformat {major!r} is not supported (only nbformat 4)")
    token = hashlib.sha1(json_text.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    pieces: list[str] = []
    cells: list[Cell] = []
    for index, raw in enumerate(parsed.data["cells"]):
        if not _is_python_code(raw, parsed.data):
            continue
        try:
            source = source_text(raw.get("source", ""))
        except NotebookJSONError as error:
            raise NotebookError(f"cell {index + 1}: {error}") from error
        if is_cell_magic(source):
            continue
        masked = mask(source, token)
        body = masked.text if masked.text.endswith(("\n", "\r")) else masked.text + "\n"
        cells.append(Cell(index + 1, index, source, masked.originals))
        pieces.append(_separator_line(index + 1, token))
        pieces.append(body)
    return Notebook(json_text, parsed, "".join(pieces), tuple(cells), token)


class CellText(NamedTuple):
    """One cell as an editor holds it (the language server's notebook sync)."""

    code: bool
    language: str
    source: str


def read_cells(cells: Sequence[CellText]) -> Notebook:
    """An editor's notebook, through the same reading as a file's: its cells written
    as nbformat 4 JSON (each cell's language as VS Code records it), then read."""
    data = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {
                "cell_type": "code" if cell.code else "markdown",
                "metadata": {"vscode": {"languageId": cell.language}},
                "source": cell.source,
            }
            for cell in cells
        ],
    }
    return read_notebook(json.dumps(data, ensure_ascii=False))


def _describe(error: BaseException) -> str:
    if isinstance(error, RecursionError):
        return "not a notebook: its JSON nests too deeply"
    message = str(error)
    return message if message.startswith("not a notebook") else f"not valid JSON: {message}"


def _is_python_code(cell: dict[str, object], notebook: dict[str, object]) -> bool:
    if cell.get("cell_type") != "code" or not notebook_is_python(notebook):
        return False
    metadata = cell.get("metadata")
    if isinstance(metadata, dict):
        vscode = metadata.get("vscode")
        if isinstance(vscode, dict) and vscode.get("languageId", "python") != "python":
            return False
    return True


def notebook_is_python(notebook: dict[str, object]) -> bool:
    """From the kernel's language (``kernelspec``, else ``language_info``); a notebook
    that names none is taken to be Python, as Jupyter does."""
    metadata = notebook.get("metadata")
    if not isinstance(metadata, dict):
        return True
    for key, field in (("kernelspec", "language"), ("language_info", "name")):
        section = metadata.get(key)
        if isinstance(section, dict) and isinstance(section.get(field), str):
            return str(section[field]).lower() == "python"
    return True


def _without_added_newline(part: str, original: str) -> str:
    """A cell's part of the virtual text, less the line end added after a cell whose
    source did not end with one (nbformat's usual form)."""
    if original.endswith(("\n", "\r")) or not part.endswith("\n"):
        return part
    return part[:-1]


def in_cells(cells: CellMap | None, span: Span) -> tuple[int | None, Span]:
    """(cell number, span in the cell) for a span of a notebook's virtual text;
    (None, span) for a file that is no notebook."""
    if cells is None or not cells.starts:
        return None, span
    return cells.local(span)


def position_label(cells: CellMap | None, span: Span) -> str:
    """``LINE:COL``, or ``cell N:LINE:COL`` in a notebook (1-based column)."""
    cell, local = in_cells(cells, span)
    where = f"{local.line}:{local.col + 1}"
    return where if cell is None else f"cell {cell}:{where}"
