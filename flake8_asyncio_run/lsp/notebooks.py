"""Notebook documents (LSP 3.17 notebook sync): the editor's cells -> the notebook's
virtual module (``notebook.cells.read_cells``, the reading ``check`` uses), and the
virtual module's lines -> the cells' own documents.

Each Python code cell of the virtual module is one ``CellPlace``: the cell document's
URI (as the client sent it) and the virtual lines its lines occupy.  Diagnostics and
edits are moved into the cell by subtracting the lines before it; columns need no
change, since a cell's lines are the virtual module's lines (a masked IPython line
differs, and nothing is reported on one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote

from lsprotocol import types
from pygls.workspace import TextDocument

from flake8_asyncio_run.findings import Span
from flake8_asyncio_run.lines import split_lines
from flake8_asyncio_run.notebook.cells import CellText, Notebook

if TYPE_CHECKING:  # the server imports this module
    from flake8_asyncio_run.lsp.server import Checked


@dataclass(frozen=True)
class OpenCell:
    """One cell of an open notebook, as the workspace holds it now."""

    uri: str
    version: int | None
    text: CellText


@dataclass(frozen=True)
class CellPlace:
    uri: str
    version: int | None
    #: 0-based among all the notebook's cells (``Cell.index``).
    index: int
    #: Virtual lines (1-based) of the cell's first and last line.
    first: int
    last: int

    def holds(self, line: int) -> bool:
        return self.first <= line <= self.last


def snapshot(
    notebook: types.NotebookDocument, documents: Mapping[str, TextDocument]
) -> tuple[OpenCell, ...] | None:
    """The notebook's cells with their texts; None when a cell's document is missing
    (a client that broke the protocol)."""
    cells: list[OpenCell] = []
    for cell in notebook.cells:
        # pygls keeps documents by unquoted URI; we answer with the client's spelling.
        document = documents.get(unquote(cell.document))
        if document is None:
            return None
        code = cell.kind == types.NotebookCellKind.Code
        text = CellText(code, document.language_id or "", document.source)
        cells.append(OpenCell(cell.document, document.version, text))
    return tuple(cells)


def places(notebook: Notebook, cells: Sequence[OpenCell]) -> tuple[CellPlace, ...]:
    """Where each analysed cell is in the virtual module (markdown, other languages and
    cell magics have no place: they are not analysed)."""
    starts = notebook.cell_map.starts
    total = len(split_lines(notebook.text))
    result: list[CellPlace] = []
    for position, (number, first) in enumerate(starts):
        # The next cell's separator line ends this cell.
        last = starts[position + 1][1] - 2 if position + 1 < len(starts) else total
        cell = cells[number - 1]
        place = CellPlace(cell.uri, cell.version, number - 1, first, max(last, first))
        result.append(place)
    return tuple(result)


def place_of(cell_places: Sequence[CellPlace], line: int) -> CellPlace | None:
    return next((place for place in cell_places if place.holds(line)), None)


def local_span(place: CellPlace, span: Span, is_first: bool) -> Span | None:
    """``span`` (virtual lines) in the cell's lines; None when it leaves the cell.
    An insertion before the first separator (an import the fixer adds at the top)
    goes to the start of the first cell, where ``fix`` puts it too."""
    shift = place.first - 1
    if is_first and span == Span(1, 0, 1, 0):
        return Span(1, 0, 1, 0)
    if not place.holds(span.line):
        return None
    # A whole-line deletion may end at column 0 of the line after the cell.
    ends_inside = place.holds(span.end_line) or (
        span.end_line == place.last + 1 and span.end_col == 0
    )
    if not ends_inside:
        return None
    return Span(span.line - shift, span.col, span.end_line - shift, span.end_col)


@dataclass
class OpenNotebook:
    """One analysis of one state of an open notebook."""

    uri: str
    cells: tuple[OpenCell, ...]
    notebook: Notebook
    checked: Checked
    places: tuple[CellPlace, ...]

    def place(self, cell_uri: str) -> CellPlace | None:
        wanted = unquote(cell_uri)
        return next((p for p in self.places if unquote(p.uri) == wanted), None)

    def cell_lines(self, place: CellPlace) -> list[str]:
        """The cell's lines as the virtual module has them (lists index from 0)."""
        return split_lines(self.checked.text)[place.first - 1 : place.last]
