"""One project index per project root, built on first use, for a whole run.

``check`` and ``fix`` make one for the files they were given (so a file named on the
command line is in its project's index even when an exclude would skip it in a
walk); the flake8 plugin keeps one per process; the language server one per
workspace folder, dropped when a file changes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.project.build import Project, build_project
from flake8_asyncio_run.project.context import ModuleContext
from flake8_asyncio_run.project.layout import project_root

#: A project's key: its root, or, for files with no root, their directory.
_Key = tuple[str, str]


class Projects:
    def __init__(
        self,
        options: AnalysisOptions,
        excludes: Sequence[str] = (),
        named: Iterable[str] = (),
        use_cache: bool = True,
        walked: Iterable[str] = (),
        jobs: int | None = 1,
    ) -> None:
        """``walked``: directories whose walk (with ``excludes``) gave ``named``: a
        project whose root is in one of them has all its files named already.
        ``jobs``: how many processes may summarise modules (None: one per CPU); 1 in a
        process with threads (the language server) or inside flake8's own workers."""
        self.options = options
        self.jobs = jobs
        self.excludes = tuple(excludes)
        self.use_cache = use_cache
        #: path -> its project's key and root: asked several times per file.
        self._keys: dict[str, tuple[_Key, Path | None]] = {}
        self._named: dict[_Key, list[str]] = {}
        for path in named:
            self._named.setdefault(self._key(path)[0], []).append(path)
        self._built: dict[_Key, Project] = {}
        self._walked = tuple(os.path.abspath(w) for w in walked)

    def _key(self, path: str) -> tuple[_Key, Path | None]:
        found = self._keys.get(path)
        if found is None:
            root = project_root(path)
            if root is not None:
                found = ("root", str(root)), root
            else:
                found = ("directory", os.path.dirname(os.path.abspath(path))), None
            self._keys[path] = found
        return found

    def project(self, path: str) -> Project:
        key, root = self._key(path)
        project = self._built.get(key)
        if project is None:
            named = self._named.get(key, [])
            if root is None and path not in named:
                named = [*named, path]
            project = build_project(
                root,
                self.options,
                self.excludes,
                named,
                self.use_cache,
                self._covers(root),
                self.jobs,
            )
            self._built[key] = project
        return project

    def _covers(self, root: Path | None) -> bool:
        if root is None:
            return False
        mine = str(root)
        return any(mine == w or mine.startswith(w.rstrip(os.sep) + os.sep) for w in self._walked)

    def context(self, path: str, trusted: bool = True) -> ModuleContext:
        return self.project(path).context(path, trusted)

    def prepare(self, paths: Iterable[str]) -> None:
        """Build every index the paths need now (before worker processes fork)."""
        for path in paths:
            self.project(path)

    def forget(self, path: str | None = None) -> None:
        """Drop the index of ``path``'s project (every index when None): a file in it
        changed, and the next question rebuilds it (from the cache, where unchanged)."""
        if path is None:
            self._built.clear()
        else:
            self._built.pop(self._key(path)[0], None)
