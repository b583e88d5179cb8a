"""The results cache: each file's findings from the last ``check``, in
``.flake8-asyncio-run-cache/results-<hash>.json`` beside the project index.

A file's findings depend on its bytes, the tool version, the settings that change
findings (runners, factories, the selection with per-file-ignores, the target version,
the working directory the paths are relative to) and the project index's facts.  The
file's name is a hash of the version and those settings; each entry holds its file's
size, mtime and content digest; the file holds the index's ``state``
(``Project.state``: every module's path, and the content digest of each module that
has facts).  When the state changes, every result is dropped: a role or a global's
reach that one module defines can change the findings of any other.  The key is the
whole index's facts, not the facts each module consulted: coarser, but sound without
tracking the lookups.  An edit to a module without facts (one the prefilter skips,
most of a project) leaves the state, and so the other results, as they were.

A result is reused, without reading the file, while its size and mtime match the
entry and the mtime is older than the entry by more than the racy window (the project
index's rule, ``project.cache.Entry.fresh``); otherwise the file is read and its
content digest decides.  A result with findings is read again only when the output
needs its text (the formats that carry fixes plan them on it; a notebook's positions
are by cell).  Writes are atomic renames under the directory's lock, merged with what
another process wrote meanwhile; a cache that cannot be read, parsed or written is
ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from stat import S_ISREG
from typing import Any

from flake8_asyncio_run import __version__
from flake8_asyncio_run.checker import FileResult, check_files
from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.findings import Finding, RunnerCall, ScopeRef, Span
from flake8_asyncio_run.notebook.cells import NotebookError, is_notebook_path
from flake8_asyncio_run.project.cache import CACHE_DIRECTORY, locked, write_atomically
from flake8_asyncio_run.project.registry import Projects
from flake8_asyncio_run.sourcefile import SourceText, decode_notebook, decode_source

#: Bumped whenever this file's layout or the findings' form change meaning.
SCHEMA = 1
_TOOL = "flake8-asyncio-run results"
#: As the project index: an mtime this close to the caching may hide a same-size edit.
_RACY_NS = 2_000_000_000


@dataclass(frozen=True)
class _Entry:
    size: int
    mtime_ns: int
    #: sha256 of the bytes, hex (``sourcefile.Snapshot``'s digest).
    digest: str
    cached_ns: int
    #: The findings in their JSON form, decoded only when used.
    findings: list[Any]

    def fresh(self, stat: os.stat_result) -> bool:
        return (
            stat.st_size == self.size
            and stat.st_mtime_ns == self.mtime_ns
            and self.mtime_ns < self.cached_ns - _RACY_NS
        )


def settings_key(settings: Settings) -> str:
    """What, besides the bytes and the index, a file's findings depend on."""
    key = [
        SCHEMA,
        __version__,
        os.getcwd(),
        list(settings.runners),
        list(settings.factories),
        list(settings.select),
        list(settings.extend_select),
        list(settings.ignore),
        list(settings.extend_ignore),
        [[p.pattern, list(p.codes)] for p in settings.per_file_ignores],
        settings.target_version,
    ]
    text = json.dumps(key, ensure_ascii=False)
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=8).hexdigest()


class _RootCache:
    """The results of one project root's files."""

    def __init__(self, root: Path, key: str, state: str) -> None:
        self.directory = root / CACHE_DIRECTORY
        self.path = self.directory / f"results-{key}.json"
        self.state = state
        self.entries = self._load()
        self.changed: dict[str, _Entry] = {}

    def _load(self) -> dict[str, _Entry]:
        try:
            with open(self.path, "rb") as handle:
                return _parse(json.loads(handle.read()), self.state)
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
            return {}

    def save(self) -> None:
        if not self.changed:
            return
        with locked(self.directory, self.path.with_suffix(".lock")):
            entries = self._load()  # what another run wrote meanwhile, if still valid
            entries.update(self.changed)
            payload = {
                "tool": _TOOL,
                "schema": SCHEMA,
                "version": __version__,
                "state": self.state,
                "entries": {
                    path: [e.size, e.mtime_ns, e.digest, e.cached_ns, e.findings]
                    for path, e in entries.items()
                },
            }
            write_atomically(self.directory, self.path, payload)
        self.changed = {}


def _parse(data: Any, state: str) -> dict[str, _Entry]:
    if (
        not isinstance(data, dict)
        or data.get("tool") != _TOOL
        or data.get("schema") != SCHEMA
        or data.get("version") != __version__
        or data.get("state") != state
    ):
        return {}  # foreign, older, or of another state of the project: all stale
    entries: dict[str, _Entry] = {}
    for path, raw in data["entries"].items():
        size, mtime_ns, found, cached_ns, findings = raw
        if not isinstance(findings, list):
            return {}
        entries[str(path)] = _Entry(int(size), int(mtime_ns), str(found), int(cached_ns), findings)
    return entries


class ResultsCache:
    """One run's results caches, one per project root (files with no root are not
    cached)."""

    def __init__(self, settings: Settings, projects: Projects) -> None:
        self.key = settings_key(settings)
        self.projects = projects
        self._roots: dict[Path, _RootCache] = {}

    def _cache(self, path: str) -> _RootCache | None:
        project = self.projects.project(path)
        if project.root is None:
            return None
        cache = self._roots.get(project.root)
        if cache is None:
            cache = _RootCache(project.root, self.key, project.state)
            self._roots[project.root] = cache
        return cache

    def lookup(self, path: str, needs_text: bool) -> FileResult | None:
        """The cached result of ``path``, or None when it must be checked.
        ``needs_text``: a result with findings needs its source (to plan fixes)."""
        cache = self._cache(path)
        entry = cache.entries.get(path) if cache is not None else None
        if cache is None or entry is None:
            return None
        try:
            stat = os.stat(path)
        except OSError:
            return None
        if not S_ISREG(stat.st_mode):
            return None
        data: bytes | None = None
        if not entry.fresh(stat):
            data = _read(path)
            if data is None or hashlib.sha256(data).hexdigest() != entry.digest:
                return None
            cache.changed[path] = replace(
                entry, size=stat.st_size, mtime_ns=stat.st_mtime_ns, cached_ns=time.time_ns()
            )
        try:
            findings = [_finding(raw) for raw in entry.findings]
        except (TypeError, ValueError, KeyError, IndexError):
            return None
        source: SourceText | None = None
        if findings and (needs_text or is_notebook_path(path)):
            data = data if data is not None else _read(path)
            if data is None or hashlib.sha256(data).hexdigest() != entry.digest:
                return None
            source = _decode(data, path)
            if source is None:
                return None
        return FileResult(path, findings, None, source, projects=self.projects)

    def clean(self, path: str) -> bool:
        """Whether ``path`` is known to have no findings (``fix`` has nothing to do)."""
        result = self.lookup(path, needs_text=False)
        return result is not None and not result.findings

    def record(self, result: FileResult) -> None:
        snapshot = result.snapshot
        if result.error is not None or snapshot is None:
            return
        cache = self._cache(result.path)
        if cache is None:
            return
        cache.changed[result.path] = _Entry(
            snapshot.size,
            snapshot.mtime_ns,
            snapshot.digest.hex(),
            time.time_ns(),
            [_finding_json(f) for f in result.findings],
        )

    def save(self) -> None:
        for cache in self._roots.values():
            cache.save()


def check_cached(
    paths: Sequence[str],
    settings: Settings,
    jobs: int | None,
    projects: Projects,
    needs_text: bool,
) -> list[FileResult]:
    """``check_files``, reusing the cached results of unchanged files and caching the
    others'."""
    projects.prepare(paths)
    cache = ResultsCache(settings, projects)
    found = {path: cache.lookup(path, needs_text) for path in paths}
    missing = [path for path, result in found.items() if result is None]
    for result in check_files(missing, settings, jobs, projects):
        cache.record(result)
        found[result.path] = result
    cache.save()
    return [checked for path in paths if (checked := found[path]) is not None]


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _decode(data: bytes, path: str) -> SourceText | None:
    try:
        return decode_notebook(data) if is_notebook_path(path) else decode_source(data)
    except (SyntaxError, NotebookError):
        return None


def _span_json(span: Span) -> list[int]:
    return [span.line, span.col, span.end_line, span.end_col]


def _span(raw: Any) -> Span:
    line, col, end_line, end_col = raw
    return Span(int(line), int(col), int(end_line), int(end_col))


def _finding_json(finding: Finding) -> list[Any]:
    scope = finding.scope
    calls = [
        [_span_json(c.span), c.family, c.form, c.display, c.passthrough] for c in finding.calls
    ]
    loop = _span_json(finding.loop) if finding.loop is not None else None
    scope_json = [scope.kind, scope.name, scope.line, scope.col]
    return [finding.code, finding.message, _span_json(finding.span), scope_json, calls, loop]


def _finding(raw: Any) -> Finding:
    code, message, span, scope, calls, loop = raw
    kind, name, line, col = scope
    return Finding(
        str(code),
        str(message),
        _span(span),
        ScopeRef(kind, str(name), int(line), int(col)),
        tuple(
            RunnerCall(_span(s), family, form, str(display), bool(passthrough))
            for s, family, form, display, passthrough in calls
        ),
        _span(loop) if loop is not None else None,
    )
