"""Which files a run looks at: directories are walked, excludes are flake8-style globs."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

from flake8_asyncio_run.selection import path_matches


def is_excluded(path: str, patterns: Sequence[str]) -> bool:
    return any(path_matches(path, pattern) for pattern in patterns)


def _is_virtualenv(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "pyvenv.cfg"))


def iter_python_files(
    paths: Sequence[str], excludes: Sequence[str], force_exclude: bool = False
) -> Iterator[str]:
    """Python files under ``paths``, sorted within each directory.

    Paths named explicitly are kept even when an exclude matches them, unless
    ``force_exclude`` is set (pre-commit passes every staged file explicitly).
    """
    for path in paths:
        if os.path.isdir(path):
            if force_exclude and is_excluded(path, excludes):
                continue
            yield from _walk(path, excludes)
        elif not (force_exclude and is_excluded(path, excludes)):
            yield path


def _walk(root: str, excludes: Sequence[str]) -> Iterator[str]:
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        subdirectories: list[str] = []
        for entry in entries:
            path = entry.path
            if entry.is_dir(follow_symlinks=False):
                if not is_excluded(path, excludes) and not _is_virtualenv(path):
                    subdirectories.append(path)
            elif entry.name.endswith((".py", ".pyi")) and not is_excluded(path, excludes):
                yield path
        stack.extend(reversed(subdirectories))
