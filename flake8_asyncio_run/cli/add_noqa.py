"""``flake8-asyncio-run check --add-noqa``: silence every finding with a ``# noqa``
comment where flake8 reads it (``noqa_edit``), written as ``fix`` writes
(``sourcefile``: the encoding, BOM, line breaks and every other byte kept, atomically,
never over an edit made since the file was read).  A notebook's comments go into its
cells' sources, as ``fix`` writes them.

Nothing on stdout; errors and ``Added N noqa directives.`` on stderr.  Exit codes: 0
when every finding is silenced now, 2 on usage or I/O errors and for any finding that
could not be silenced (a syntax error, a ``# noqa`` inside a string ahead of it).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field

from flake8_asyncio_run.checker import FileResult, check_bytes, check_files
from flake8_asyncio_run.cli.common import (
    EXIT_CLEAN,
    EXIT_ERROR,
    UsageError,
    collect_paths,
    projects_for,
    settings_from_args,
    stdin_file,
)
from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.lines import apply_edits
from flake8_asyncio_run.noqa_edit import noqa_edits, normalize_reason
from flake8_asyncio_run.notebook.cells import NotebookError, position_label
from flake8_asyncio_run.project.registry import Projects
from flake8_asyncio_run.results_cache import check_cached
from flake8_asyncio_run.sourcefile import WriteRefused, read_file, splice, write_fixed


@dataclass
class _Run:
    settings: Settings
    projects: Projects
    reason: str | None
    added: int = 0
    errors: list[str] = field(default_factory=list)


def run_add_noqa(args: argparse.Namespace) -> int:
    if not args.add_noqa:
        raise UsageError("--reason needs --add-noqa")
    reason = None
    if args.reason is not None:
        try:
            reason = normalize_reason(args.reason)
        except ValueError as error:
            raise UsageError(f"--reason: {error}") from None
    _refuse_report_options(args)
    settings = settings_from_args(args)
    if stdin_file(args, settings) is not None:
        raise UsageError("--add-noqa writes files in place; it cannot read standard input ('-')")
    paths = collect_paths(args, settings)
    run = _Run(settings, projects_for(settings, paths, args.paths, args.jobs), reason)
    if settings.cache:
        results = check_cached(paths, settings, args.jobs, run.projects, False)
    else:
        results = check_files(paths, settings, args.jobs, run.projects)
    for result in results:
        if result.error:
            run.errors.append(result.error)
        elif result.findings:
            _add_to_file(run, result.path)
    for message in run.errors:
        print(f"flake8-asyncio-run: error: {message}", file=sys.stderr)
    plural = "" if run.added == 1 else "s"
    print(f"Added {run.added} noqa directive{plural}.", file=sys.stderr)
    return EXIT_ERROR if run.errors else EXIT_CLEAN


def _refuse_report_options(args: argparse.Namespace) -> None:
    """The reporting options shape a report, which --add-noqa does not print: each one
    given is named, rather than silently ignored."""
    given = [
        flag
        for flag, on in (
            ("--output-format", args.output_format != "text"),
            ("--statistics", args.statistics),
            ("--output-file", args.output_file is not None),
            ("--color", args.color is not None),
        )
        if on
    ]
    if given:
        names = given[0] if len(given) == 1 else f"{', '.join(given[:-1])} and {given[-1]}"
        raise UsageError(f"--add-noqa prints no report: {names} cannot be used with it")


def _add_to_file(run: _Run, path: str) -> None:
    """Read the file again and check what it holds now (the findings of the first pass
    may be cached, or the file edited since), then write it with the comments."""
    try:
        data, snapshot = read_file(path)
    except OSError as error:
        run.errors.append(f"{path}: {error.strerror or error}")
        return
    result = check_bytes(data, path, run.settings, run.projects, trusted=True)
    source = result.source
    if result.error or source is None:
        run.errors.append(result.error or _unreadable(result))
        return
    planned = noqa_edits(source.text, result.findings, run.reason)
    cells = source.notebook.cell_map if source.notebook is not None else None
    for finding, why in planned.refused:
        place = position_label(cells, finding.span)
        run.errors.append(f"{path}:{place}: {finding.code} not silenced: {why}")
    if not planned.edits:
        return
    fixed = apply_edits(source.text, planned.edits)
    try:
        edited = splice(data, source, fixed)
        write_fixed(path, edited, snapshot, edited="edited", rerun="check --add-noqa")
    except WriteRefused as refused:
        run.errors.append(f"{path}: not written: {refused}")
    except (OSError, UnicodeEncodeError, NotebookError) as error:
        run.errors.append(f"{path}: cannot write the noqa comments: {error}")
    else:
        run.added += len(planned.edits)


def _unreadable(result: FileResult) -> str:
    """A file that could not be decoded: its syntax error finding says why."""
    reasons = "; ".join(f.message for f in result.findings) or "cannot be read"
    return f"{result.path}: not silenced: {reasons}"
