"""Building a project's index: from the cache where files did not change, else by
summarising, and without a parse for modules that cannot matter to the others.

A module is summarised when its text passes the prefilter of the rules (a runner or a
loop-bound factory could be called there).  A module left out may still matter across
modules: it may call a wrapper another module defines, or lie on the way from a task
to a function that reads a cached global (``tasks -> handlers -> repository ->
get_pool``).  So the names of those (``ProjectIndex.summary_words``: the functions with
a role, the cached globals, every function that can get to one, and the aliases that
rename them) are looked for in the modules left out, and those that spell one are
summarised too, until no new name turns up.  Coroutine syntax alone (``async``,
``await``) no longer makes a module worth a parse: most async code never gets near a
global cached by a task.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from stat import S_ISREG

from flake8_asyncio_run.collector import collector_paused
from flake8_asyncio_run.import_lines import import_names
from flake8_asyncio_run.notebook.cells import is_notebook_path
from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.parsing import parse_source
from flake8_asyncio_run.prefilter import identifier_form, might_run_event_loops_bytes
from flake8_asyncio_run.project.cache import Entry, IndexCache, Stored, digest
from flake8_asyncio_run.project.cacheable import may_cache_in_globals
from flake8_asyncio_run.project.context import ModuleContext
from flake8_asyncio_run.project.facts import ModuleFacts
from flake8_asyncio_run.project.index import ProjectIndex
from flake8_asyncio_run.project.layout import ModuleName, module_name, project_files
from flake8_asyncio_run.project.summaries import summarise_all
from flake8_asyncio_run.project.summarize import summarize
from flake8_asyncio_run.resolution import factory_names
from flake8_asyncio_run.sourcefile import decode_source


@dataclass
class Project:
    root: Path | None
    index: ProjectIndex
    names: dict[str, ModuleName]
    #: A digest of what the index's answers depend on: the path of every module (the
    #: names) and the content digest of each one that has facts (its facts follow
    #: from its bytes, its name, the tool version and the options).  A module without
    #: facts adds its path only: its text can change without changing the index.
    #: The results cache keys every module's result with it.
    state: str = ""
    #: The modules the build read and left without facts that can name none of the
    #: index's words, by path -> the digest of the bytes it read: the rules' prefilter
    #: said no to them, and they spell no summary word from its module, so the
    #: analysis's prefilter (a subset: fewer words, factories at most) says no to those
    #: bytes too.  (Not a module that passed and failed to parse: the analysis reports
    #: its syntax error.  Not one known from the cache alone: its entry does not say
    #: which of the two it is.)
    quiet: dict[str, str] = field(default_factory=dict)

    def context(self, path: str, trusted: bool = True) -> ModuleContext:
        """``trusted``: the text to analyse is the file the index read."""
        absolute = os.path.abspath(path)
        name = self.names.get(absolute)
        if name is None:
            return ModuleContext(self.index, module_name(absolute, self.root), False)
        quiet = self.quiet.get(absolute) if trusted else None
        return ModuleContext(self.index, name, trusted, quiet)


def summarize_source(data: bytes, name: ModuleName, options: AnalysisOptions) -> ModuleFacts | None:
    """A module's facts, or None when its bytes do not decode or parse."""
    try:
        text = decode_source(data).text
        tree = parse_source(text)
        return summarize(tree, name.name, name.is_package, options)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def worth_summarising(data: bytes, options: AnalysisOptions) -> bool:
    """The rules' own prefilter: a runner could be called here, or a loop-bound factory
    whose result the module can cache in its globals (``cacheable``).  (The names other
    modules make worth a summary are looked for in ``finish``.)"""
    if not might_run_event_loops_bytes(data, options):
        return False
    if might_run_event_loops_bytes(data, options, factories=False):
        return True
    form = identifier_form(data)
    return form is None or may_cache_in_globals(form, _factory_words(options))


@lru_cache(maxsize=8)
def _factory_words(options: AnalysisOptions) -> frozenset[str]:
    return frozenset(name.rpartition(".")[2] for name in factory_names(options.factories))


def build_project(
    root: Path | None,
    options: AnalysisOptions,
    excludes: Sequence[str],
    named: Iterable[str] = (),
    use_cache: bool = True,
    walked: bool = False,
    jobs: int | None = 1,
) -> Project:
    """The index of the project at ``root`` (every file under it, and the ``named``
    ones); of the named files alone when there is no root.  ``walked``: the named
    files are a walk of a directory holding the root, with the same excludes, so the
    root needs no walk of its own.  Notebooks among the named files are left out: they
    are no modules (nothing imports them), and their JSON is not Python.  ``jobs``:
    at most this many processes summarise (None: one per CPU; ``summaries``)."""
    named = [os.path.abspath(p) for p in named if not is_notebook_path(p)]
    if root is None or walked:
        files = list(dict.fromkeys(named))
    else:
        files = project_files(root, excludes, named)
    if not use_cache or root is None:
        return _build(root, options, files, Stored(), jobs=jobs)
    cache = IndexCache(root, options)
    stored = cache.load()
    stats = _fresh_stats(root, files, stored)
    if stats is not None:
        return _build(root, options, files, stored, stats=stats, jobs=jobs)
    # Something must be summarised: one process at a time (flake8 -j N starts N at
    # once), the others then find the cache the first one wrote.
    with cache.locked():
        stored = cache.load()
        return _build(root, options, files, stored, cache, jobs=jobs)


def _build(
    root: Path | None,
    options: AnalysisOptions,
    files: list[str],
    stored: Stored,
    cache: IndexCache | None = None,
    stats: list[os.stat_result] | None = None,
    jobs: int | None = 1,
) -> Project:
    builder = _Builder(root, options, stored, jobs)
    # A build makes few reference cycles (a summary breaks its scopes' own), and each
    # collection walked every summary and byte string kept so far: 2 s of CPU over the
    # 11,741 files of the async corpus, for nothing to collect.
    with collector_paused():
        for number, path in enumerate(files):
            builder.add(path, stats[number] if stats is not None else None)
        index = builder.finish()
    if cache is not None and builder.changed:
        cache.save(Stored(builder.entries_by_key(), index.summary_words.pairs))
    return Project(root, index, builder.names, builder.state(), builder.quiet(index))


def _fresh_stats(root: Path, files: list[str], stored: Stored) -> list[os.stat_result] | None:
    """Each file's stat when the cache has a fresh entry for every one (no read);
    None as soon as one is missing or stale."""
    stats: list[os.stat_result] = []
    for path in files:
        entry = stored.entries.get(_relative(path, str(root)))
        if entry is None:
            return None
        try:
            stat = os.stat(path)
        except OSError:
            return None
        if not entry.fresh(stat):
            return None
        stats.append(stat)
    return stats


class _Builder:
    def __init__(
        self, root: Path | None, options: AnalysisOptions, stored: Stored, jobs: int | None = 1
    ) -> None:
        self.root = root
        self.jobs = jobs
        #: Modules read and worth a summary, not summarised yet.
        self.worthy: list[str] = []
        self.options = options
        self.stored = stored
        self.entries: dict[str, Entry] = {}
        self.names: dict[str, ModuleName] = {}
        #: Skipped files: the words each was already checked for, and its bytes if read.
        self.checked: dict[str, frozenset[str]] = {}
        self.data: dict[str, bytes] = {}
        self.imports: dict[str, frozenset[str] | None] = {}
        #: The modules this build read whose text the rules' prefilter said no to (not
        #: those that passed it and failed to parse, nor those known from the cache).
        self.unworthy: set[str] = set()
        self.changed = False

    def key(self, path: str) -> str:
        return _relative(path, str(self.root)) if self.root is not None else path

    def add(self, path: str, stat: os.stat_result | None = None) -> None:
        """``stat``: the file's, when the caller has just taken it."""
        name = module_name(path, self.root)
        if stat is None:
            try:
                stat = os.stat(path)
            except OSError:
                return
        if not S_ISREG(stat.st_mode):  # a FIFO or a device would block the read
            return
        old = self.stored.entries.get(self.key(path))
        if old is not None and old.fresh(stat):
            self._keep(path, name, old, self.stored.words_checked)
            return
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            return
        self.changed = True
        found = digest(data)
        if old is not None and old.digest == found:
            self._keep(path, name, old.restamped(stat), self.stored.words_checked)
            return
        entry = Entry(stat.st_size, stat.st_mtime_ns, found, None, time.time_ns())
        self.data[path] = data
        self._keep(path, name, entry, frozenset())
        if worth_summarising(data, self.options):
            self.worthy.append(path)  # summarised together, by ``summarise_worthy``
        else:
            self.unworthy.add(path)

    def summarise_worthy(self) -> None:
        """Summarise the modules ``add`` found worth it, in workers when many."""
        self._summarise(self.worthy)
        self.worthy = []

    def _keep(self, path: str, name: ModuleName, entry: Entry, checked: frozenset[str]) -> None:
        if entry.facts is not None and entry.facts.name != name.name:
            entry = replace(entry, facts=replace(entry.facts, name=name.name))
        self.entries[path] = entry
        self.names[path] = name
        if entry.facts is None:
            self.checked[path] = checked

    def index(self) -> ProjectIndex:
        facts = [e.facts for e in self.entries.values() if e.facts is not None]
        others = {
            name.short: name.name
            for path, name in self.names.items()
            if name.short is not None and self.entries[path].facts is not None
        }
        return ProjectIndex(facts, self.options, _unique(others, self.names.values()))

    def finish(self) -> ProjectIndex:
        self.summarise_worthy()
        index = self.index()
        while True:
            words = index.summary_words
            pairs = words.pairs
            late: list[str] = []
            for path, checked in list(self.checked.items()):
                missing = pairs - checked
                if not missing:
                    continue
                data = self.data.get(path)
                if data is None:
                    data = _read(path)
                    if data is None:
                        continue
                    self.data[path] = data
                self.checked[path] = checked | pairs
                if words.any_pair_in(data, missing, self._imported(path, data)):
                    late.append(path)
            # The round's words come from the index as it stood before it: a module
            # summarised in it changes them only for the next round.
            if not self._summarise(late):
                return index
            index = self.index()

    def _imported(self, path: str, data: bytes) -> frozenset[str] | None:
        """The names in a skipped module's import statements (``import_names`` of
        what Python reads: None for text that is not UTF-8), found once."""
        if path not in self.imports:
            form = identifier_form(data)
            self.imports[path] = None if form is None else import_names(form)
        return self.imports[path]

    def _summarise(self, paths: list[str]) -> bool:
        """Summarise modules read earlier; whether one of them parsed.  A module that
        does not parse keeps its bytes for the words search, as one left out does."""
        if not paths:
            return False
        options = self.options

        def summarise(data: bytes, name: ModuleName) -> ModuleFacts | None:
            # Looked up at each call: tests and benchmarks count the summaries.
            return summarize_source(data, name, options)

        items = [(self.data[path], self.names[path]) for path in paths]
        found = False
        for path, facts in zip(paths, summarise_all(items, summarise, self.jobs), strict=True):
            self.changed = True
            if facts is None:
                continue
            found = True
            self.entries[path] = replace(self.entries[path], facts=facts)
            del self.checked[path]
            del self.data[path]
        return found

    def quiet(self, index: ProjectIndex) -> dict[str, str]:
        pairs = index.summary_words.pairs
        return {
            path: self.entries[path].digest
            for path, checked in self.checked.items()
            if path in self.unworthy and pairs <= checked
        }

    def state(self) -> str:
        parts = sorted(
            f"{self.key(path)}\0{entry.digest if entry.facts is not None else '-'}"
            for path, entry in self.entries.items()
        )
        return digest("\n".join([str(self.root), *parts]).encode("utf-8", "surrogateescape"))

    def entries_by_key(self) -> dict[str, Entry]:
        return {self.key(path): entry for path, entry in self.entries.items()}


def _relative(path: str, root: str) -> str:
    """The cache's key for an absolute path: relative to the root (``relpath``'s
    answer, without its cost for the common case of a file under the root)."""
    prefix = root.rstrip(os.sep) + os.sep
    return path[len(prefix) :] if path.startswith(prefix) else os.path.relpath(path, root)


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _unique(others: dict[str, str], names: Iterable[ModuleName]) -> dict[str, str]:
    """Short names that name one module, and none that is a module's own name."""
    counts: dict[str, int] = {}
    for name in names:
        if name.short is not None:
            counts[name.short] = counts.get(name.short, 0) + 1
    own = {name.name for name in names}
    return {s: n for s, n in others.items() if counts.get(s) == 1 and s not in own}
