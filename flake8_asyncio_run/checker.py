"""Run the analysis over files: read, prefilter, parse, analyse, then apply noqa and
the selection.  ``check``, ``fix`` and the language server all go through here."""

from __future__ import annotations

import ast
import gc
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flake8_asyncio_run.analysis import (
    EMPTY,
    Analysis,
    analyze_tree,
    lone_context,
    parse_source,
)
from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.findings import Finding, ScopeRef, Span
from flake8_asyncio_run.forking import fork_context
from flake8_asyncio_run.lines import split_lines
from flake8_asyncio_run.noqa import remove_suppressed
from flake8_asyncio_run.notebook.cells import NotebookError, is_notebook_path
from flake8_asyncio_run.prefilter import (
    NOTEBOOK_WORDS,
    might_run_event_loops,
    might_run_event_loops_bytes,
)
from flake8_asyncio_run.project.context import ModuleContext, prefilter_hints
from flake8_asyncio_run.project.registry import Projects
from flake8_asyncio_run.selection import SYNTAX_ERROR
from flake8_asyncio_run.sourcefile import (
    Snapshot,
    SourceText,
    decode_notebook,
    decode_source,
    read_file,
)

if TYPE_CHECKING:
    pass

#: Without a project index: below this many files, starting worker processes costs
#: more than it saves.
PARALLEL_THRESHOLD = 400
#: With one: below this many files that the index did not find quiet (the ones that
#: cost an analysis, or at least a prefilter), likewise.  Measured on two CPUs
#: (docs/performance.md, "Parallelism"): 2 workers broke even at about 30 such files
#: (an async corpus's first 400 files, 28 of them; django's 885, 5 of them) and paid
#: from about 90 (0.82x at 1,600 files, 89 of them; 0.64x on all 11,741, 572).
PARALLEL_WORK_THRESHOLD = 32
#: The project indexes a forked worker inherits from the run that forked it.
_INHERITED: Projects | None = None


@dataclass
class FileResult:
    path: str
    #: Reported findings: suppressed and deselected ones removed, sorted.
    findings: list[Finding] = field(default_factory=list)
    #: The whole analysis (for the fixer), None when the file was skipped or broken.
    analysis: Analysis | None = None
    source: SourceText | None = None
    #: An I/O error that stopped the file from being read.
    error: str | None = None
    #: The project indexes the file was checked with, for the fixer's plans (which
    #: analyse again where the analysis was dropped).  Not sent between processes.
    projects: Projects | None = field(default=None, compare=False, repr=False)
    #: What the file was when ``check_file`` read it (for the results cache).
    snapshot: Snapshot | None = field(default=None, compare=False, repr=False)

    @property
    def syntax_error(self) -> bool:
        return any(f.code == SYNTAX_ERROR for f in self.findings)


def syntax_error_finding(error: SyntaxError) -> Finding:
    line = error.lineno or 1
    col = max((error.offset or 1) - 1, 0)
    message = f"SyntaxError: {error.msg}" if error.msg else "SyntaxError"
    return Finding(
        SYNTAX_ERROR, message, Span(line, col, line, col), ScopeRef("module", "<module>", 0, 0)
    )


def check_source(
    text: str,
    path: str,
    settings: Settings,
    projects: Projects | None = None,
    trusted: bool = False,
    *,
    in_notebook: bool = False,
) -> FileResult:
    """Analyse already-decoded text (stdin, an editor buffer): text that may differ
    from the file the project index read, unless ``trusted`` (the language server puts
    a buffer's facts in the index first).  ``in_notebook``: ``text`` is a notebook's
    cells as one module (``notebook.cells``)."""
    context = _context(projects, path, trusted)
    source = SourceText(text, "utf-8")
    return _finish(path, source, settings, context, projects=projects, in_notebook=in_notebook)


def check_notebook(
    source: SourceText, path: str, settings: Settings, projects: Projects | None = None
) -> FileResult:
    """A decoded notebook (``sourcefile.decode_notebook``): its cells' virtual module."""
    context = _context(projects, path, False)
    return _finish(path, source, settings, context, projects=projects, in_notebook=True)


def check_parsed(
    text: str,
    tree: ast.Module,
    path: str,
    settings: Settings,
    projects: Projects | None = None,
    in_notebook: bool = False,
) -> FileResult:
    """``check_source`` for text whose tree the caller already has (the fixer parses
    its result once, to compile it and to analyse it)."""
    context = _context(projects, path, False)
    source = SourceText(text, "utf-8")
    return _finish(path, source, settings, context, tree, projects, in_notebook)


def check_bytes(
    data: bytes,
    path: str,
    settings: Settings,
    projects: Projects | None = None,
    trusted: bool = False,
) -> FileResult:
    """``trusted``: ``data`` is the file the project index read.  A ``.ipynb`` path is
    read as a notebook; one that is not valid nbformat 4 is an error of the file."""
    if is_notebook_path(path):
        try:
            notebook = decode_notebook(data)
        except NotebookError as error:
            return FileResult(path, error=f"{path}: {error}")
        return check_notebook(notebook, path, settings, projects)
    context = _context(projects, path, trusted)
    if context is not None and context.skips(data):
        return FileResult(path, analysis=EMPTY)
    if not might_run_event_loops_bytes(data, settings.analysis, *prefilter_hints(context, data)):
        return FileResult(path, analysis=EMPTY)
    try:
        source = decode_source(data)
    except SyntaxError as error:
        return FileResult(path, [syntax_error_finding(error)])
    return _finish(path, source, settings, context, projects=projects)


def check_file(path: str, settings: Settings, projects: Projects | None = None) -> FileResult:
    try:
        data, snapshot = read_file(path)
    except OSError as error:
        return FileResult(path, error=f"{path}: {error.strerror or error}")
    result = check_bytes(data, path, settings, projects, trusted=True)
    result.snapshot = snapshot
    return result


def _context(projects: Projects | None, path: str, trusted: bool) -> ModuleContext | None:
    return projects.context(path, trusted) if projects is not None else None


def _finish(
    path: str,
    source: SourceText,
    settings: Settings,
    context: ModuleContext | None,
    tree: ast.Module | None = None,
    projects: Projects | None = None,
    in_notebook: bool = False,
) -> FileResult:
    words, factories = prefilter_hints(context, source.text)
    if in_notebook:
        words |= NOTEBOOK_WORDS
    if not might_run_event_loops(source.text, settings.analysis, words, factories):
        return FileResult(path, analysis=EMPTY, source=source)
    if tree is None:
        try:
            tree = parse_source(source.text, path, in_notebook)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
            # Python itself refuses to compile what its parser cannot build (nesting too
            # deep, null bytes): report it like any syntax error, never a traceback.
            syntax = error if isinstance(error, SyntaxError) else SyntaxError(str(error))
            return FileResult(path, [syntax_error_finding(syntax)], source=source)
    if context is None:
        context = lone_context(path, settings.analysis)
    lines = split_lines(source.text)
    analysis = analyze_tree(tree, lines, settings.analysis, context, in_notebook)
    findings = select_findings(analysis, source.text, path, settings)
    return FileResult(path, findings, analysis, source, projects=projects)


def select_findings(analysis: Analysis, text: str, path: str, settings: Settings) -> list[Finding]:
    codes = settings.selection.codes_for(path)
    kept = [f for f in analysis.findings if f.code in codes]
    suppressed = remove_suppressed(text, kept, analysis.statement_lines)
    return sorted(suppressed, key=Finding.sort_key)


def check_files(
    paths: Sequence[str],
    settings: Settings,
    jobs: int | None = None,
    projects: Projects | None = None,
) -> list[FileResult]:
    """Check many files, in order.  Large trees are split between worker processes,
    each reading, prefiltering and analysing its share, so all of it runs in parallel;
    the results are the same as a serial run's.  The project indexes are built first,
    once, and shared."""
    workers = min(jobs if jobs is not None else (os.cpu_count() or 1), len(paths))
    if projects is not None:
        projects.prepare(paths)
    # The indexes live as long as the run: out of the collector's sight, they cost the
    # analyses' collections nothing, and forked workers share their pages instead of
    # copying those a collection touches.  Given back at the end (an API caller's
    # process goes on).
    gc.freeze()
    try:
        if workers < 2 or not _worth_workers(paths, projects):
            return [check_file(path, settings, projects) for path in paths]
        return _check_in_workers(paths, settings, workers, projects)
    finally:
        gc.unfreeze()


def _worth_workers(paths: Sequence[str], projects: Projects | None) -> bool:
    """Whether the work is large enough to pay for worker processes: by the files the
    project index did not find quiet when there is one, else by the number of files."""
    if projects is None:
        return len(paths) >= PARALLEL_THRESHOLD
    work = 0
    for path in paths:
        if projects.context(path).quiet_digest is None:
            work += 1
            if work >= PARALLEL_WORK_THRESHOLD:
                return True
    return False


def _check_in_workers(
    paths: Sequence[str], settings: Settings, workers: int, projects: Projects | None
) -> list[FileResult]:
    from concurrent.futures import ProcessPoolExecutor

    # Small chunks, handed out as workers free up: the few files that pass the prefilter
    # cost far more than the rest, and nobody knows in advance where they are.
    size = max(1, len(paths) // (workers * 16))
    chunks = [list(paths[start : start + size]) for start in range(0, len(paths), size)]
    context = fork_context()
    global _INHERITED
    # Forked workers inherit the indexes; only a spawned worker needs them sent.
    _INHERITED = projects if context is not None else None
    sent = None if context is not None else projects
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            done = pool.map(_check_chunk, chunks, [settings] * len(chunks), [sent] * len(chunks))
            results = [result for chunk in done for result in chunk]
    finally:
        _INHERITED = None
    for result in results:
        result.projects = projects
    return results


def _check_chunk(
    paths: list[str], settings: Settings, projects: Projects | None
) -> list[FileResult]:
    projects = projects or _INHERITED
    results = [check_file(path, settings, projects) for path in paths]
    for result in results:
        result.projects = None  # the parent has them: never pickled back
    return results
