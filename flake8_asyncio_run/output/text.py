"""``path:line:col: CODE message``, flake8's form, with 1-based code-point columns; in a
notebook ``path:cell N:line:col: CODE message``, the line counted within the cell.  On a
terminal the path is bold and the code bold red (``output.color``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from flake8_asyncio_run.notebook.cells import position_label
from flake8_asyncio_run.output.color import PLAIN, Palette

if TYPE_CHECKING:
    from flake8_asyncio_run.checker import FileResult


def write_text(results: Sequence[FileResult], stream: TextIO, palette: Palette = PLAIN) -> None:
    """Sorted by path, as flake8 and the json format are (a walk's order is not)."""
    for result in sorted(results, key=lambda r: r.path):
        notebook = result.source.notebook if result.source is not None else None
        cells = notebook.cell_map if notebook is not None else None
        path = palette.path(result.path)
        for finding in result.findings:
            place = position_label(cells, finding.span)
            code = palette.code(finding.code)
            stream.write(f"{path}:{place}: {code} {finding.message}\n")
