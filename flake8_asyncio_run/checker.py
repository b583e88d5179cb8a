"""Run the analysis over files: read, prefilter, parse, analyse, then apply noqa and
the selection.  ``check``, ``fix`` and the language server all go through here."""

from __future__ import annotations

import ast
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from flake8_asyncio_run.analysis import EMPTY, Analysis, analyze_tree
from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.findings import Finding, ScopeRef, Span
from flake8_asyncio_run.noqa import remove_suppressed
from flake8_asyncio_run.positions import split_lines
from flake8_asyncio_run.prefilter import might_run_event_loops, might_run_event_loops_bytes
from flake8_asyncio_run.selection import SYNTAX_ERROR
from flake8_asyncio_run.sourcefile import SourceText, decode_source

#: Below this many files that pass the prefilter, worker processes cost more than they save.
PARALLEL_THRESHOLD = 64


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


def check_source(text: str, path: str, settings: Settings) -> FileResult:
    """Analyse already-decoded text (stdin, an editor buffer)."""
    return _finish(path, SourceText(text, "utf-8"), settings)


def check_bytes(data: bytes, path: str, settings: Settings) -> FileResult:
    if not might_run_event_loops_bytes(data, settings.analysis):
        return FileResult(path, analysis=EMPTY)
    try:
        source = decode_source(data)
    except SyntaxError as error:
        return FileResult(path, [syntax_error_finding(error)])
    return _finish(path, source, settings)


def check_file(path: str, settings: Settings) -> FileResult:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        return FileResult(path, error=f"{path}: {error.strerror or error}")
    return check_bytes(data, path, settings)


def _finish(path: str, source: SourceText, settings: Settings) -> FileResult:
    if not might_run_event_loops(source.text, settings.analysis):
        return FileResult(path, analysis=EMPTY, source=source)
    try:
        tree = ast.parse(source.text, path)
    except (SyntaxError, ValueError) as error:
        syntax = error if isinstance(error, SyntaxError) else SyntaxError(str(error))
        return FileResult(path, [syntax_error_finding(syntax)], source=source)
    analysis = analyze_tree(tree, split_lines(source.text), settings.analysis)
    return FileResult(
        path, select_findings(analysis, source.text, path, settings), analysis, source
    )


def select_findings(analysis: Analysis, text: str, path: str, settings: Settings) -> list[Finding]:
    codes = settings.selection.codes_for(path)
    kept = [f for f in analysis.findings if f.code in codes]
    return sorted(remove_suppressed(text, kept), key=Finding.sort_key)


def check_files(
    paths: Sequence[str], settings: Settings, jobs: int | None = None
) -> list[FileResult]:
    """Check many files; the prefilter runs here, parsing fans out when it pays."""
    results: dict[str, FileResult] = {}
    candidates: list[tuple[str, bytes]] = []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as error:
            results[path] = FileResult(path, error=f"{path}: {error.strerror or error}")
            continue
        if might_run_event_loops_bytes(data, settings.analysis):
            candidates.append((path, data))
        else:
            results[path] = FileResult(path, analysis=EMPTY)
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if workers > 1 and len(candidates) >= PARALLEL_THRESHOLD:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            chunk = max(1, len(candidates) // (workers * 4))
            checked = pool.map(
                _check_candidate, candidates, [settings] * len(candidates), chunksize=chunk
            )
            for result in checked:
                results[result.path] = result
    else:
        for path, data in candidates:
            results[path] = check_bytes(data, path, settings)
    return [results[path] for path in paths]


def _check_candidate(candidate: tuple[str, bytes], settings: Settings) -> FileResult:
    path, data = candidate
    result = check_bytes(data, path, settings)
    # The fixer re-analyses what it fixes; keep the pickled result small.
    result.analysis = None
    return result
