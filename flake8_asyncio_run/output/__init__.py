"""Output formats.  Each takes the checked files and writes only its payload to stdout."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TextIO

from flake8_asyncio_run.checker import FileResult
from flake8_asyncio_run.output.text import write_text

Writer = Callable[[Sequence[FileResult], TextIO], None]

FORMATS: dict[str, Writer] = {
    "text": write_text,
}


def write_report(output_format: str, results: Sequence[FileResult], stream: TextIO) -> None:
    FORMATS[output_format](results, stream)
