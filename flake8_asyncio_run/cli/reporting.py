"""The reporting options of ``check`` and ``fix``: ``--statistics``, ``--output-file``,
``--color``, and ``fix``'s ``--show-fixes`` and ``--fix-only``; where the payload goes
(standard output or the output file, written atomically) and in which colours.

Combinations that make no sense are refused before anything is read or written
(``refuse_conflicts``, exit 2).
"""

from __future__ import annotations

import argparse
import errno
import io
import os
import sys
from collections.abc import Sequence

from flake8_asyncio_run.checker import FileResult
from flake8_asyncio_run.cli.common import OutputError, UsageError, write_stdout
from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.output import FORMATS, write_report
from flake8_asyncio_run.output.color import COLOR_CHOICES, PLAIN, Palette, wants_color
from flake8_asyncio_run.output.statistics import (
    STATISTICS_FORMATS,
    code_statistics,
    render_statistics,
)
from flake8_asyncio_run.sourcefile import write_atomically


def add_report_options(parser: argparse.ArgumentParser, command: str) -> None:
    """The reporting options of ``command`` (``check`` or ``fix``)."""
    group = parser.add_argument_group("reporting")
    payload = "the diff or report of --diff" if command == "fix" else "the report"
    group.add_argument(
        "--statistics",
        action="store_true",
        help=f"print one line per code (count, code, fixable mark, name) instead of {payload}"
        + (" (needs --diff)" if command == "fix" else ""),
    )
    group.add_argument(
        "--output-file",
        metavar="PATH",
        help=f"write {payload} to PATH (replaced atomically, parent directories created) "
        "instead of standard output" + (" (needs --diff)" if command == "fix" else ""),
    )
    group.add_argument(
        "--color",
        choices=COLOR_CHOICES,
        default=None,  # auto; None tells a --color given from none (--add-noqa refuses it)
        help="colour the text output: auto (the default: on a terminal; NO_COLOR and "
        "FORCE_COLOR are honoured), always, never",
    )
    if command == "fix":
        group.add_argument(
            "--show-fixes",
            action="store_true",
            help="list the fixes applied (with --diff: that would be), per file and code",
        )
        group.add_argument(
            "--fix-only",
            action="store_true",
            help="apply fixes, but neither list nor fail on the findings left",
        )


def refuse_conflicts(args: argparse.Namespace) -> None:
    """Raise UsageError for a combination of reporting options that cannot be honoured."""
    if args.statistics and args.output_format not in STATISTICS_FORMATS:
        raise UsageError(
            f"--statistics prints text or json, not --output-format {args.output_format}"
        )
    if args.command == "fix" and not args.diff:
        for flag, given in (("--statistics", args.statistics), ("--output-file", args.output_file)):
            if given:
                raise UsageError(
                    f"{flag} needs --diff with fix: fix writes the files; run 'fix --diff "
                    f"{flag} ...' for what it would do, or 'check {flag} ...' after fixing"
                )
    if args.output_file is not None and not args.output_file.strip():
        raise UsageError("--output-file needs a path")


def stdout_palette(args: argparse.Namespace) -> Palette:
    """Colours for the payload: none when it goes to a file, or the format is not text."""
    if args.output_file is not None or args.output_format != "text":
        return PLAIN
    return Palette(wants_color(args.color or "auto", sys.stdout))


def stderr_palette(args: argparse.Namespace) -> Palette:
    return Palette(wants_color(args.color or "auto", sys.stderr))


def emit(args: argparse.Namespace, payload: str | bytes, inputs: Sequence[str] = ()) -> None:
    """The payload to standard output, or to ``--output-file`` (``inputs``: the files
    the run read, which the output file must not be)."""
    if args.output_file is None:
        write_stdout(payload, is_json(args))
        return
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    write_output_file(args.output_file, data, inputs)


def write_output_file(path: str, data: bytes, inputs: Sequence[str] = ()) -> None:
    """Write ``data`` to ``path`` all at once, creating its parent directories; an empty
    payload writes an empty file.  Raises OutputError naming the path."""
    if _is_one_of(path, inputs):
        raise OutputError(f"--output-file {path}: refusing to overwrite a file being checked")
    try:
        _make_parents(os.path.dirname(os.path.abspath(path)))
        write_atomically(path, data)
    except OSError as error:
        reason = error.strerror or str(error)
        raise OutputError(f"cannot write the output file {path}: {reason}") from error


def _make_parents(directory: str) -> None:
    """Create ``directory`` and its parents (as ruff does); a file in the way is named
    as one, not as "File exists"."""
    if os.path.isdir(directory):
        return
    try:
        os.makedirs(directory, exist_ok=True)
    except FileExistsError as error:
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR)) from error


def _is_one_of(path: str, inputs: Sequence[str]) -> bool:
    """Whether ``path`` exists and is one of ``inputs`` (by device and inode)."""
    try:
        status = os.stat(path)
    except OSError:  # nothing there yet: it cannot be an input
        return False
    for given in inputs:
        try:
            other = os.stat(given) if given != "-" else None
        except OSError:
            continue
        if other is not None and (other.st_dev, other.st_ino) == (status.st_dev, status.st_ino):
            return True
    return False


def write_check_output(
    args: argparse.Namespace, results: Sequence[FileResult], settings: Settings
) -> None:
    """``check``'s payload: the report in its format, or its statistics."""
    palette = stdout_palette(args)
    if args.statistics:
        codes = (finding.code for result in results for finding in result.findings)
        payload = render_statistics(code_statistics(codes), args.output_format, palette)
    else:
        report = io.StringIO()
        write_report(args.output_format, results, report, settings=settings, palette=palette)
        payload = report.getvalue()
    emit(args, payload, [result.path for result in results])


def is_json(args: argparse.Namespace) -> bool:
    """Whether the run's payload is one JSON document: a JSON format's report, or the
    statistics as JSON."""
    if args.statistics:
        return bool(args.output_format == "json")
    return FORMATS[args.output_format].json_document
