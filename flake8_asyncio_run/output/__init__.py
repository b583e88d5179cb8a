"""Output formats.  Each writes only its payload to the stream it is given.

``write_report`` is the one entry point for ``check`` and ``fix --diff``.  The formats
that carry fixes ask the fixer for its plans on each file's original text; ``fix --diff``
passes its settings, style, target and ``--unsafe-fixes`` so that the edits are the
ones it would make:

    write_report(args.output_format, run.results, sys.stdout, settings=run.settings,
                 style=run.style, target_for=run.target_for, unsafe=args.unsafe_fixes)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

from flake8_asyncio_run.checker import FileResult
from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.findings import FixPlan
from flake8_asyncio_run.output.color import PLAIN, Palette
from flake8_asyncio_run.output.report import Report, TargetFor, build_report


@dataclass(frozen=True)
class Format:
    #: Writes the results in the order they were checked (text, flake8's form), styled
    #: by the palette (colour on a terminal) ...
    write_results: Callable[[Sequence[FileResult], TextIO, Palette], None] | None = None
    #: ... or a sorted Report with relative paths (the machine formats).
    write: Callable[[Report, TextIO], None] | None = None
    #: Whether the format shows fixes (and so needs the fixer's plans).
    carries_fixes: bool = False
    #: Whether the format reads each file's text without fixes (gitlab's fingerprints).
    reads_text: bool = False
    #: Whether the payload is one JSON document (escaped as JSON for a narrow stdout).
    json_document: bool = False

    @property
    def needs_text(self) -> bool:
        """Whether a result with findings needs its source (a cached one is read)."""
        return self.carries_fixes or self.reads_text


def _formats() -> dict[str, Format]:
    from flake8_asyncio_run.output.github import write_github
    from flake8_asyncio_run.output.gitlab import write_gitlab
    from flake8_asyncio_run.output.json import write_json
    from flake8_asyncio_run.output.rdjson import write_rdjson
    from flake8_asyncio_run.output.sarif import write_sarif
    from flake8_asyncio_run.output.text import write_text

    return {
        "text": Format(write_results=write_text),
        "json": Format(write=write_json, carries_fixes=True, json_document=True),
        "sarif": Format(write=write_sarif, carries_fixes=True, json_document=True),
        "github": Format(write=write_github),
        "gitlab": Format(write=write_gitlab, reads_text=True, json_document=True),
        "rdjson": Format(write=write_rdjson, carries_fixes=True, json_document=True),
    }


FORMATS: dict[str, Format] = _formats()


def write_report(
    output_format: str,
    results: Sequence[FileResult],
    stream: TextIO,
    *,
    settings: Settings | None = None,
    plans: Mapping[str, Sequence[FixPlan]] | None = None,
    unsafe: bool = False,
    style: str = "auto",
    target_for: TargetFor | None = None,
    palette: Palette = PLAIN,
) -> None:
    """Write ``results`` in ``output_format``.

    The formats that carry fixes ask the fixer for plans on each file's original text,
    with ``settings`` (runners, factories, target version), ``style`` and
    ``target_for(path)`` (default: ``fix``'s rule); ``fix --diff`` passes its own style,
    target and ``unsafe`` (whether unsafe fixes count as applied).  ``plans``, keyed by
    ``FileResult.path``, replaces the planning altogether.
    """
    chosen = FORMATS[output_format]
    if chosen.write_results is not None:
        chosen.write_results(results, stream, palette)
        return
    assert chosen.write is not None
    report = build_report(
        results,
        plans,
        settings=settings,
        with_fixes=chosen.carries_fixes,
        unsafe=unsafe,
        style=style,
        target_for=target_for,
    )
    chosen.write(report, stream)
