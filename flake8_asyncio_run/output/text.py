"""``path:line:col: CODE message``, flake8's form, with 1-based code-point columns; in a
notebook ``path:cell N:line:col: CODE message``, the line counted within the cell."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from flake8_asyncio_run.notebook.cells import position_label

if TYPE_CHECKING:
    from flake8_asyncio_run.checker import FileResult


def write_text(results: Sequence[FileResult], stream: TextIO) -> None:
    """Sorted by path, as flake8 and the json format are (a walk's order is not)."""
    for result in sorted(results, key=lambda r: r.path):
        notebook = result.source.notebook if result.source is not None else None
        cells = notebook.cell_map if notebook is not None else None
        for finding in result.findings:
            place = position_label(cells, finding.span)
            stream.write(f"{result.path}:{place}: {finding.code} {finding.message}\n")
