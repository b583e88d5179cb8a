"""``path:line:col: CODE message``, flake8's form, with 1-based code-point columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from flake8_asyncio_run.checker import FileResult


def write_text(results: Sequence[FileResult], stream: TextIO) -> None:
    """Sorted by path, as flake8 and the json format are (a walk's order is not)."""
    for result in sorted(results, key=lambda r: r.path):
        for finding in result.findings:
            stream.write(
                f"{result.path}:{finding.span.line}:{finding.span.col + 1}: "
                f"{finding.code} {finding.message}\n"
            )
