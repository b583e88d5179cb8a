"""The server's project indexes: one registry per workspace folder, whose indexes see
the editor's open buffers in place of the files on disk.

Each project keeps the index built from disk (``_disk``) and, on top of it, the facts
of every open buffer of that project (``_overlays``); the index the analysis reads is
the disk index with those facts put in (``ProjectIndex.replaced``).  A save drops the
disk index (``forget``): the next question rebuilds it, from the cache where files did
not change, and puts the buffers' facts back in.  Closing a buffer takes its facts out,
so the file on disk counts again.

Analyses run in worker threads: every change to the indexes and every read of them
happens under ``lock``.  A buffer's facts are computed outside it (that is a parse).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.parsing import parse_source
from flake8_asyncio_run.project.build import Project, worth_summarising
from flake8_asyncio_run.project.facts import ModuleFacts
from flake8_asyncio_run.project.index import ProjectIndex
from flake8_asyncio_run.project.layout import ModuleName, module_name
from flake8_asyncio_run.project.registry import Projects
from flake8_asyncio_run.project.summarize import summarize

_Key = tuple[str, str]


@dataclass(frozen=True)
class _Overlay:
    key: _Key
    #: When the document was opened (the server's count), and its version then.
    opened: int
    version: int | None
    #: The text the facts are of (a re-check of an unchanged buffer parses nothing).
    text: str
    #: None: the buffer does not matter to other modules (the walk would skip it too).
    facts: ModuleFacts | None
    #: The buffer's short module name, for a file the index does not know.
    names: Mapping[str, str] = field(default_factory=dict)


class OpenProjects(Projects):
    """``Projects`` whose indexes put open buffers' facts in place of their files'."""

    def __init__(
        self, options: AnalysisOptions, excludes: Sequence[str] = (), use_cache: bool = True
    ) -> None:
        super().__init__(options, excludes, (), use_cache)
        self.lock = threading.RLock()
        self._disk: dict[_Key, ProjectIndex] = {}
        self._overlays: dict[str, _Overlay] = {}
        #: The latest ``opened`` count each file was closed at: later news of an older
        #: opening (an analysis that was still running) is dropped.
        self._closed: dict[str, int] = {}

    def project(self, path: str) -> Project:
        with self.lock:
            key = self._key(path)[0]
            project = super().project(path)
            if key not in self._disk:
                self._disk[key] = project.index
                project.index = self._folded(key)
            return project

    def forget(self, path: str | None = None) -> None:
        with self.lock:
            super().forget(path)
            if path is None:
                self._disk.clear()
            else:
                self._disk.pop(self._key(path)[0], None)

    def overlaid(self) -> dict[str, ModuleFacts | None]:
        """Each open buffer's facts, by absolute path (for tests and logs)."""
        with self.lock:
            return {path: overlay.facts for path, overlay in self._overlays.items()}

    def update(self, path: str, text: str, version: int | None, opened: int) -> bool:
        """Put the buffer's facts in place of its file's; whether that changed the index
        of its project (so that other open documents may need checking again)."""
        path = os.path.abspath(path)
        with self.lock:
            old = self._overlays.get(path)
            if old is not None and old.opened == opened and old.text == text:
                # Checked again for another buffer's sake, or typed back: same facts.
                # The version moves on, so that an older text finishing late loses.
                if not _newer(old, opened, version):
                    self._overlays[path] = replace(old, version=version)
                return False
            project = self.project(path)
            key = self._key(path)[0]
            known = project.names.get(path)
            index = project.index
        name = known or module_name(path, project.root)
        parsed, facts = _summary(text, name, index, self.options)
        with self.lock:
            if self._closed.get(path, -1) >= opened:
                return False  # closed since this analysis started
            old = self._overlays.get(path)
            if old is not None and _newer(old, opened, version):
                return False  # a later version's facts are in already
            if not parsed:  # keep the last facts that parsed while the user types
                facts = old.facts if old is not None else None
            names = {name.short: name.name} if known is None and name.short else {}
            self._overlays[path] = _Overlay(key, opened, version, text, facts, names)
            return self._refold(key)

    def close(self, path: str, opened: int) -> bool:
        """Take the buffer's facts out: its file on disk counts again.  Whether that
        changed its project's index."""
        path = os.path.abspath(path)
        with self.lock:
            self._closed[path] = max(opened, self._closed.get(path, -1))
            old = self._overlays.get(path)
            if old is None or old.opened > opened:
                return False
            del self._overlays[path]
            return self._refold(old.key)

    def _folded(self, key: _Key) -> ProjectIndex:
        index = self._disk[key]
        for overlay in self._overlays.values():
            if overlay.key == key and overlay.facts is not None:
                index = index.replaced(overlay.facts, overlay.names)
        return index

    def _refold(self, key: _Key) -> bool:
        project = self._built.get(key)
        if project is None or key not in self._disk:
            return False  # built again, buffers and all, on the next question
        folded = self._folded(key)
        if folded.modules == project.index.modules:
            return False  # keep the index (and what it computed already)
        project.index = folded
        return True


def _newer(old: _Overlay, opened: int, version: int | None) -> bool:
    """Whether ``old`` comes from a later state of the document than (opened, version)."""
    if old.opened != opened:
        return old.opened > opened
    return old.version is not None and version is not None and old.version > version


def _summary(
    text: str, name: ModuleName, index: ProjectIndex, options: AnalysisOptions
) -> tuple[bool, ModuleFacts | None]:
    """(whether the text parses, its facts); no facts for a module the index lacks
    whose text the walk would not summarise either."""
    if name.name not in index.modules:
        data = text.encode("utf-8", "surrogatepass")
        if not worth_summarising(data, options) and not index.summary_words.nameable(
            data, name.name
        ):
            return True, None
    try:
        return True, summarize(parse_source(text), name.name, name.is_package, options)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False, None
