"""``flake8-asyncio-run check``: the findings on stdout (or ``--output-file``) in the
chosen format, or their ``--statistics``; errors and the count on stderr."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from flake8_asyncio_run.checker import FileResult, check_bytes, check_files
from flake8_asyncio_run.cli.common import (
    EXIT_CLEAN,
    EXIT_ERROR,
    EXIT_FINDINGS,
    collect_paths,
    projects_for,
    settings_from_args,
    stdin_file,
)
from flake8_asyncio_run.cli.reporting import refuse_conflicts, write_check_output
from flake8_asyncio_run.output import FORMATS
from flake8_asyncio_run.project.registry import Projects
from flake8_asyncio_run.results_cache import check_cached


def run_check(args: argparse.Namespace) -> int:
    if args.add_noqa or args.reason is not None:
        # Before the reporting options' own conflicts: --add-noqa refuses them all.
        from flake8_asyncio_run.cli.add_noqa import run_add_noqa  # writes; prints no report

        return run_add_noqa(args)
    refuse_conflicts(args)
    settings = settings_from_args(args)
    stdin = stdin_file(args, settings)
    projects: Projects | None = None
    if stdin is None:
        paths = collect_paths(args, settings)
        projects = projects_for(settings, paths, args.paths, args.jobs)
        if settings.cache:
            # --statistics counts findings: no fixes planned, no text needed.
            needs_text = FORMATS[args.output_format].needs_text and not args.statistics
            results = check_cached(paths, settings, args.jobs, projects, needs_text)
        else:
            results = check_files(paths, settings, args.jobs, projects)
    elif stdin.excluded:
        results = []
    else:
        # Standard input with a file name belongs to that file's project.
        named = stdin.name != "-"
        projects = projects_for(settings, [stdin.name]) if named else None
        results = [check_bytes(stdin.read(), stdin.name, settings, projects)]
    write_check_output(args, results, settings)
    return print_summary(results, exit_zero=args.exit_zero)


def print_summary(results: Sequence[FileResult], exit_zero: bool = False) -> int:
    """Print each error and the number of findings to stderr; return the exit code."""
    errors = [r.error for r in results if r.error]
    for error in errors:
        print(f"flake8-asyncio-run: error: {error}", file=sys.stderr)
    count = sum(len(r.findings) for r in results)
    files = sum(1 for r in results if r.findings)
    if count:
        plural = "s" if count != 1 else ""
        print(
            f"Found {count} finding{plural} in {files} file{'s' if files != 1 else ''}.",
            file=sys.stderr,
        )
    if errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if count and not exit_zero else EXIT_CLEAN
