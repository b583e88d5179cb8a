"""``flake8-asyncio-run fix``: fix files in place, print a diff, or fix standard input.

Stdout carries only the payload (the diff, or the fixed source for ``-``); findings left
and the summary go to stderr.  Exit codes follow ruff: 0 when no finding remains, 1 when
some remain (or, with ``--exit-non-zero-on-fix``, when a file changed; with ``--diff``,
exactly when there is a diff), 2 on usage, I/O or internal errors.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field

from flake8_asyncio_run.checker import FileResult
from flake8_asyncio_run.cli import (
    EXIT_CLEAN,
    EXIT_ERROR,
    EXIT_FINDINGS,
    collect_paths,
    settings_from_args,
)
from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.discovery import is_excluded
from flake8_asyncio_run.findings import FixOutcome, StyleOption
from flake8_asyncio_run.fix.diff import unified_diff
from flake8_asyncio_run.fix.pipeline import fix_text
from flake8_asyncio_run.prefilter import might_run_event_loops_bytes
from flake8_asyncio_run.sourcefile import SourceText, decode_source, write_atomically
from flake8_asyncio_run.targets import TargetResolver


@dataclass
class _Run:
    args: argparse.Namespace
    settings: Settings
    outcomes: list[FixOutcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)
    results: list[FileResult] = field(default_factory=list)

    @property
    def style(self) -> StyleOption:
        style: StyleOption = self.args.style
        return style

    def __post_init__(self) -> None:
        self.target_for = TargetResolver(self.settings)

    def fix(self, source: SourceText, path: str) -> FixOutcome:
        outcome = fix_text(
            source.text,
            path,
            self.settings,
            self.style,
            self.args.unsafe_fixes,
            self.target_for(path),
        )
        self.outcomes.append(outcome)
        self.results.append(FileResult(path, list(outcome.initial), source=source))
        if outcome.syntax_error:
            print(f"{path}: skipped, not fixed: {outcome.syntax_error}", file=sys.stderr)
        if outcome.internal_error:
            self.errors.append(
                f"internal error: {path}: {outcome.internal_error}; nothing was written "
                "(please report this)"
            )
        elif outcome.changed and self.args.diff:
            self.diffs.append(unified_diff(outcome.source, outcome.text, path))
        return outcome


def run_fix(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    run = _Run(args, settings)
    if args.paths == ["-"]:
        _fix_stdin(run)
    else:
        for path in collect_paths(args, settings):
            _fix_file(run, path)
    if args.diff and args.output_format != "text":
        from flake8_asyncio_run.output import write_report

        write_report(
            args.output_format,
            run.results,
            sys.stdout,
            settings=settings,
            unsafe=args.unsafe_fixes,
            style=run.style,
            target_for=run.target_for,
        )
    elif run.diffs:
        sys.stdout.write("".join(run.diffs))
        sys.stdout.flush()
    _report(run)
    if run.errors:
        return EXIT_ERROR
    if args.diff:
        return EXIT_FINDINGS if run.diffs else EXIT_CLEAN
    remaining = sum(len(o.remaining) for o in run.outcomes)
    changed = any(o.changed for o in run.outcomes)
    if remaining or (args.exit_non_zero_on_fix and changed):
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _fix_stdin(run: _Run) -> None:
    args = run.args
    name = args.stdin_filename or "-"
    data = sys.stdin.buffer.read()
    if args.force_exclude and args.stdin_filename and is_excluded(name, run.settings.excludes):
        if not args.diff:
            sys.stdout.buffer.write(data)
        return
    try:
        source = decode_source(data)
    except SyntaxError as error:
        print(f"{name}: skipped, not fixed: {error.msg}", file=sys.stderr)
        if not args.diff:
            sys.stdout.buffer.write(data)
        run.errors.append(f"{name}: {error.msg}")
        return
    outcome = run.fix(source, name)
    if args.diff:
        return
    text = outcome.text if outcome.changed else outcome.source
    sys.stdout.buffer.write(source.encode(text))
    sys.stdout.flush()


def _fix_file(run: _Run, path: str) -> None:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        run.errors.append(f"{path}: {error.strerror or error}")
        return
    if not might_run_event_loops_bytes(data, run.settings.analysis):
        return
    try:
        source = decode_source(data)
    except SyntaxError as error:
        print(f"{path}: skipped, not fixed: {error.msg}", file=sys.stderr)
        run.errors.append(f"{path}: {error.msg}")
        return
    outcome = run.fix(source, path)
    if not outcome.changed or run.args.diff:
        return
    try:
        write_atomically(path, source.encode(outcome.text))
    except (OSError, UnicodeEncodeError) as error:
        run.errors.append(f"{path}: cannot write the fixed file: {error}")


def _report(run: _Run) -> None:
    for outcome in run.outcomes:
        for finding, reason, hint in zip(
            outcome.remaining, outcome.reasons, outcome.hints, strict=True
        ):
            why = f"{reason} ({hint})" if hint else reason
            print(
                f"{outcome.path}:{finding.line}:{finding.col + 1}: {finding.code} "
                f"{finding.message} [not fixed: {why}]",
                file=sys.stderr,
            )
    for error in run.errors:
        print(f"flake8-asyncio-run: error: {error}", file=sys.stderr)
    summary = summarize(run.outcomes, run.args.diff)
    if summary:
        print(summary, file=sys.stderr)


def summarize(outcomes: list[FixOutcome], diff: bool) -> str:
    """``3 fixed, 1 left: 'return' between the calls (use --unsafe-fixes or --style runner)``"""
    fixed = sum(o.fixed_count for o in outcomes if o.internal_error is None)
    reasons: Counter[str] = Counter()
    for outcome in outcomes:
        for reason, hint in zip(outcome.reasons, outcome.hints, strict=True):
            reasons[f"{reason} ({hint})" if hint else reason] += 1
    left = sum(reasons.values())
    if not fixed and not left:
        return ""
    head = f"{fixed} fixable" if diff else f"{fixed} fixed"
    if not left:
        return head
    details = "; ".join(
        reason if count == 1 else f"{reason} (x{count})" for reason, count in reasons.most_common()
    )
    return f"{head}, {left} left: {details}"
