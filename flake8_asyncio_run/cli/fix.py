"""``flake8-asyncio-run fix``: fix files in place, print a diff, or fix standard input.

Stdout carries only the payload (the diff, its machine format or ``--statistics``, which
``--output-file`` sends to a file instead; or the fixed source for ``-``); findings left,
``--show-fixes`` and the summary go to stderr.  Exit codes follow ruff: 0 when no finding
remains, 1 when some remain (not with ``--fix-only``), or, with
``--exit-non-zero-on-fix``, when a file changed; with ``--diff``, 1 exactly when there is
a diff; 2 on usage, I/O or internal errors and for files skipped because they nest too
deeply for the fixer even with more room (``cli.deep``).

The fixer itself (``flake8_asyncio_run.fix``) is a library and prints nothing; this
module loads it, and libcst with it, so ``cli/__init__`` imports it only for ``fix``.
"""

from __future__ import annotations

import argparse
import difflib
import io
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field, replace

from flake8_asyncio_run.checker import FileResult
from flake8_asyncio_run.cli.common import (
    EXIT_CLEAN,
    EXIT_ERROR,
    EXIT_FINDINGS,
    StdinFile,
    UsageError,
    collect_paths,
    projects_for,
    settings_from_args,
    stdin_file,
    write_stdout,
)
from flake8_asyncio_run.cli.deep import TooDeep, frames_for, in_room, out_of_room
from flake8_asyncio_run.cli.reporting import emit, refuse_conflicts, stderr_palette, stdout_palette
from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.findings import Finding, Span
from flake8_asyncio_run.fix import FixOutcome, StyleOption, fix_text
from flake8_asyncio_run.lines import split_lines
from flake8_asyncio_run.notebook.cells import (
    CellMap,
    Notebook,
    NotebookError,
    is_notebook_path,
    position_label,
)
from flake8_asyncio_run.output import write_report
from flake8_asyncio_run.output.statistics import (
    code_statistics,
    fixed_codes,
    render_applied,
    render_statistics,
)
from flake8_asyncio_run.prefilter import might_run_event_loops_bytes
from flake8_asyncio_run.project.context import ModuleContext, prefilter_hints
from flake8_asyncio_run.project.registry import Projects
from flake8_asyncio_run.results_cache import ResultsCache
from flake8_asyncio_run.sourcefile import (
    SourceText,
    WriteRefused,
    decode_notebook,
    decode_source,
    read_file,
    splice,
    write_fixed,
)
from flake8_asyncio_run.targets import TargetResolver


@dataclass
class _Run:
    args: argparse.Namespace
    settings: Settings
    outcomes: list[FixOutcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    diffs: list[bytes] = field(default_factory=list)
    results: list[FileResult] = field(default_factory=list)
    #: The raised recursion limit a deeply nested file needed, for the report's plans.
    deep_limit: int | None = None
    projects: Projects | None = None
    #: The results ``check`` cached: a file known to have no findings needs no work.
    cache: ResultsCache | None = None
    #: The notebooks being fixed, by path: their findings are placed in cells.
    notebooks: dict[str, Notebook] = field(default_factory=dict)
    #: Every file the run looks at, fixed or not (the prefilter or the cache may skip
    #: one): ``--output-file`` must be none of them.
    inputs: list[str] = field(default_factory=list)

    @property
    def style(self) -> StyleOption:
        style: StyleOption = self.args.style
        return style

    def __post_init__(self) -> None:
        self.target_for = TargetResolver(self.settings)

    def fix(self, data: bytes, source: SourceText, path: str) -> FixOutcome | None:
        """Fix ``data`` (decoded as ``source``), read from ``path``; None when the file
        nests too deeply for the fixer (the error is recorded)."""
        try:
            outcome = self._fix_text(source.text, path)
        except TooDeep:
            self.errors.append(f"{path}: {TOO_DEEP}")
            return None
        self.outcomes.append(outcome)
        self.results.append(
            FileResult(path, list(outcome.initial), source=source, projects=self.projects)
        )
        if outcome.syntax_error:
            print(f"{path}: skipped, not fixed: {outcome.syntax_error}", file=sys.stderr)
        if outcome.internal_error:
            self.errors.append(
                f"internal error: {path}: {outcome.internal_error}; nothing was written "
                "(please report this)"
            )
        elif outcome.changed and self.args.diff:
            self.diffs.append(_diff(data, source, outcome.text, path))
        return outcome

    def _fix_text(self, text: str, path: str) -> FixOutcome:
        """``fix_text``, once more with room for a file that nests deeply (a long
        operator chain between the calls runs libcst's walks out of frames)."""
        target = self.target_for(path)

        def fix() -> FixOutcome:
            return fix_text(
                text,
                path,
                self.settings,
                self.style,
                self.args.unsafe_fixes,
                target,
                self.projects,
                in_notebook=path in self.notebooks,
            )

        try:
            return fix()
        except Exception as error:
            if not out_of_room(error):
                raise
        limit = frames_for(text)
        self.deep_limit = max(limit, self.deep_limit or 0)
        return in_room(fix, limit)

    def render_report(self) -> str:
        """The machine format of ``fix --diff --output-format``, its plans made with the
        room a deep file needed."""
        report = io.StringIO()

        def write() -> None:
            write_report(
                self.args.output_format,
                self.results,
                report,
                settings=self.settings,
                unsafe=self.args.unsafe_fixes,
                style=self.style,
                target_for=self.target_for,
            )

        if self.deep_limit is None:
            write()
        else:
            try:
                in_room(write, self.deep_limit)
            except TooDeep:  # the report says which fix could not be planned
                report = io.StringIO()
                write()
        return report.getvalue()


#: Why a file that nests too deeply even with more recursion room is not fixed.
TOO_DEEP = "skipped, not fixed: the file nests too deeply for the fixer"


def run_fix(args: argparse.Namespace) -> int:
    if args.output_format != "text" and not args.diff:
        # Refused before anything is read or written: a machine format describes
        # findings and the fixes on offer, which only --diff leaves unapplied.
        raise UsageError(
            f"--output-format {args.output_format} needs --diff: fix writes the files and "
            "prints text; for a report of the fixes, run 'fix --diff --output-format "
            f"{args.output_format}', or 'check --output-format {args.output_format}' "
            "after fixing"
        )
    refuse_conflicts(args)
    settings = settings_from_args(args)
    run = _Run(args, settings)
    stdin = stdin_file(args, settings)
    if stdin is None:
        paths = collect_paths(args, settings)
        run.inputs = paths
        run.projects = projects_for(settings, paths, args.paths, args.jobs)
        if settings.cache:
            run.cache = ResultsCache(settings, run.projects)
        for path in paths:
            _fix_file(run, path)
        if run.cache is not None:
            run.cache.save()  # the restamped entries of files read to compare
    else:
        if stdin.name != "-":  # standard input with a file name is in that file's project
            run.projects = projects_for(settings, [stdin.name])
            run.inputs = [stdin.name]
        _fix_stdin(run, stdin)
    _write_payload(run)
    _report(run)
    return _exit_code(run)


def _write_payload(run: _Run) -> None:
    """The diff, the machine format or the statistics of ``--diff`` (on stdout or to
    ``--output-file``); nothing without ``--diff``, whose payload is the files."""
    args = run.args
    if not args.diff:
        return
    inputs = run.inputs
    if args.statistics:
        fixed: Counter[str] = Counter()
        for outcome in run.outcomes:
            fixed.update(fixed_codes(outcome))
        codes = (finding.code for result in run.results for finding in result.findings)
        rows = code_statistics(codes, fixed)
        emit(args, render_statistics(rows, args.output_format, stdout_palette(args)), inputs)
    elif args.output_format != "text":
        emit(args, run.render_report(), inputs)
    else:
        emit(args, stdout_palette(args).diff(b"".join(run.diffs)), inputs)


def _exit_code(run: _Run) -> int:
    """ruff's codes: 2 on errors; with --diff, 1 exactly when there is a diff; else 1
    when findings are left (not with --fix-only) or, with --exit-non-zero-on-fix, when
    a file changed."""
    args = run.args
    if run.errors:
        return EXIT_ERROR
    if args.diff:
        return EXIT_FINDINGS if run.diffs else EXIT_CLEAN
    remaining = sum(len(o.remaining) for o in run.outcomes)
    changed = any(o.changed for o in run.outcomes)
    if (remaining and not args.fix_only) or (args.exit_non_zero_on_fix and changed):
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _fix_stdin(run: _Run, stdin: StdinFile) -> None:
    args = run.args
    name = stdin.name
    data = stdin.read()
    if stdin.excluded:
        if not args.diff:
            write_stdout(data)
        return
    try:
        source = _decode(data, name)
    except (SyntaxError, NotebookError) as error:
        why = error.msg if isinstance(error, SyntaxError) else str(error)
        print(f"{name}: skipped, not fixed: {why}", file=sys.stderr)
        if not args.diff:
            write_stdout(data)
        run.errors.append(f"{name}: {why}")
        return
    if source.notebook is not None:
        run.notebooks[name] = source.notebook
    outcome = run.fix(data, source, name)
    if args.diff:
        return
    if outcome is None:  # skipped: pass the input on, as for a syntax error
        write_stdout(data)
        return
    write_stdout(splice(data, source, outcome.text) if outcome.changed else data)


def _fix_file(run: _Run, path: str) -> None:
    if run.cache is not None and run.cache.clean(path):
        return
    try:
        data, snapshot = read_file(path)
    except OSError as error:
        run.errors.append(f"{path}: {error.strerror or error}")
        return
    context = run.projects.context(path) if run.projects is not None else None
    source = _decoded(run, data, path, context)
    if source is None:
        return
    outcome = run.fix(data, source, path)
    if outcome is None or not outcome.changed or run.args.diff:
        return
    try:
        write_fixed(path, splice(data, source, outcome.text), snapshot)
        return
    except WriteRefused as refused:
        run.errors.append(f"{path}: not written: {refused}")
    except (OSError, UnicodeEncodeError) as error:
        run.errors.append(f"{path}: cannot write the fixed file: {error}")
    # Nothing was written, so nothing was fixed: the summary must not count it.
    run.outcomes[-1] = replace(
        outcome, text=outcome.source, applied=(), remaining=as_given(outcome)
    )


def _decode(data: bytes, name: str) -> SourceText:
    """A file's text, or a notebook's cells as one module (by the name's suffix)."""
    return decode_notebook(data) if is_notebook_path(name) else decode_source(data)


def _decoded(run: _Run, data: bytes, path: str, context: ModuleContext | None) -> SourceText | None:
    """The file's text (a notebook's cells as one module), or None: it cannot run a
    loop, or cannot be decoded (the error is recorded)."""
    notebook = is_notebook_path(path)
    hints = prefilter_hints(context, data)
    if not notebook and not might_run_event_loops_bytes(data, run.settings.analysis, *hints):
        return None
    try:
        source = _decode(data, path)
    except NotebookError as error:
        run.errors.append(f"{path}: {error}")
        return None
    except SyntaxError as error:
        print(f"{path}: skipped, not fixed: {error.msg}", file=sys.stderr)
        run.errors.append(f"{path}: {error.msg}")
        return None
    if source.notebook is not None:
        run.notebooks[path] = source.notebook
    return source


def _diff(data: bytes, source: SourceText, fixed: str, path: str) -> bytes:
    """The unified diff of a fixed file; of a notebook, one per changed cell, of its
    source (``--- nb.ipynb:cell 3``), which is what a reader of the notebook sees."""
    if source.notebook is None:
        return unified_diff_bytes(data, splice(data, source, fixed), path)
    cells = {cell.index: cell for cell in source.notebook.cells}
    diffs = []
    for index, new in sorted(source.notebook.cells_from(fixed).items()):
        name = f"{path}:cell {cells[index].number}"
        diffs.append(unified_diff_bytes(cells[index].source.encode(), new.encode(), name))
    return b"".join(diffs)


def _report(run: _Run) -> None:
    if not run.args.fix_only:  # --fix-only: what is left is not this run's business
        _report_remaining(run)
    if run.args.show_fixes:
        by_file = {outcome.path: fixed_codes(outcome) for outcome in run.outcomes}
        print(
            render_applied(by_file, run.args.diff, stderr_palette(run.args)),
            end="",
            file=sys.stderr,
        )
    for error in run.errors:
        print(f"flake8-asyncio-run: error: {error}", file=sys.stderr)
    summary = fix_summary(run.outcomes, run.args.diff)
    if summary:
        print(summary, file=sys.stderr)


def _report_remaining(run: _Run) -> None:
    """Each finding left, with why it was not fixed, on stderr."""
    for outcome in run.outcomes:
        # Written: the file holds the fixed text, and the findings are placed in it.
        # Not written (--diff, a refused write): in the text as the user has it.
        written = outcome.changed and not run.args.diff
        remaining = outcome.remaining if written else as_given(outcome)
        notebook = run.notebooks.get(outcome.path)
        cells: CellMap | None = None
        if notebook is not None:
            # The notebook as read has its map; a written one is the fixed text's.
            cells = CellMap.of_lines(split_lines(outcome.text)) if written else notebook.cell_map
        for finding, reason, hint in zip(remaining, outcome.reasons, outcome.hints, strict=True):
            why = f"{reason} ({hint})" if hint else reason
            place = position_label(cells, finding.span)
            print(
                f"{outcome.path}:{place}: {finding.code} {finding.message} [not fixed: {why}]",
                file=sys.stderr,
            )


def as_given(outcome: FixOutcome) -> tuple[Finding, ...]:
    """The remaining findings as found in the text before fixing: each one paired, in
    order, with the first finding of the original text that has its code, scope and
    runner calls (its line and the lines its message names are those of the text as
    the user has it).  One that the original reported as another call of a line's one
    report (``asyncio.run(run_sync(c))``, whose outer call became ``await``) goes to
    that call; one without a counterpart keeps its place in the fixed text."""
    if outcome.text == outcome.source:
        return outcome.remaining
    unused = list(outcome.initial)
    # A finding a fix resolved is not the one left (one scope can have both).
    resolved = {id(f) for plan in outcome.applied for f in plan.findings}
    placed: list[Finding | None] = []
    for finding in outcome.remaining:
        key = _identity(finding)
        match = next((f for f in unused if id(f) not in resolved and _identity(f) == key), None)
        if match is not None:
            unused.remove(match)
        placed.append(match)
    # The reports whose own call was fixed are the ones their other calls can be in.
    taken: set[Span] = set()
    return tuple(
        match or _on_merged_call(finding, unused, taken) or finding
        for finding, match in zip(outcome.remaining, placed, strict=True)
    )


def _on_merged_call(finding: Finding, initial: list[Finding], taken: set[Span]) -> Finding | None:
    if len(finding.calls) != 1:
        return None
    (call,) = finding.calls
    for original in initial:
        if _identity(original)[:3] != _identity(finding)[:3]:
            continue
        for merged in original.calls[1:]:
            if merged.display == call.display and merged.span not in taken:
                taken.add(merged.span)
                return replace(finding, span=merged.span, scope=original.scope, calls=(merged,))
    return None


def _identity(finding: Finding) -> tuple[object, ...]:
    scope = finding.scope
    return (finding.code, scope.kind, scope.name, tuple(c.display for c in finding.calls))


def fix_summary(outcomes: list[FixOutcome], diff: bool) -> str:
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


# --- Unified diffs that ``patch`` and ``git apply`` accept: of the file's bytes, so in
# its own encoding (a latin-1 file's context lines are latin-1), from what it holds to
# exactly what ``fix`` would write; split into lines as ``patch`` splits them, at LF
# only.  CRLF lines keep their CR; a file with CR-only newlines has no LF and is one line
# to ``patch``, so its hunk replaces that one line; a missing final newline is marked.

_BYTE_LINE = re.compile(rb"[^\n]*\n|[^\n]+")
NO_NEWLINE = b"\\ No newline at end of file\n"


def unified_diff_bytes(before: bytes, after: bytes, path: str) -> bytes:
    name = os.fsencode(path)
    lines = difflib.diff_bytes(
        difflib.unified_diff,
        _BYTE_LINE.findall(before),
        _BYTE_LINE.findall(after),
        fromfile=name,
        tofile=name,
    )
    out: list[bytes] = []
    for line in lines:
        out.append(line)
        if not line.endswith(b"\n"):
            out.append(b"\n" + NO_NEWLINE)
    return b"".join(out)


def unified_diff(before: str, after: str, path: str) -> str:
    """``unified_diff_bytes`` of UTF-8 text, as text (the fixture tests' golden diffs)."""
    return unified_diff_bytes(before.encode(), after.encode(), path).decode()
