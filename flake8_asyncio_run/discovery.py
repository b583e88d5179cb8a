"""Which files a run looks at: directories are walked, excludes are flake8-style globs."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache


def is_excluded(path: str, patterns: Sequence[str]) -> bool:
    """``selection.path_matches`` against any pattern, with the patterns compiled once
    (a walk asks this for every file and directory)."""
    return _exclude_matcher(tuple(patterns), os.getcwd())(path)


@lru_cache(maxsize=16)
def _exclude_matcher(patterns: tuple[str, ...], cwd: str) -> Callable[[str], bool]:
    del cwd  # part of the cache key: relative patterns are made absolute against it
    if not patterns:
        return lambda path: False
    on_name: list[str] = []
    on_path: list[str] = []
    for pattern in patterns:
        on_name.append(fnmatch.translate(os.path.normcase(pattern)))
        if os.sep in pattern or "/" in pattern or pattern.startswith("."):
            pattern = os.path.abspath(pattern)
        on_path.append(fnmatch.translate(os.path.normcase(pattern)))
    # One alternation per kind, not a match per pattern: a walk asks for every entry.
    name_matches = re.compile("|".join(f"(?:{p})" for p in on_name)).match
    path_matches = re.compile("|".join(f"(?:{p})" for p in on_path)).match

    def matches(path: str) -> bool:
        normalized = os.path.normcase(os.path.abspath(path))
        return bool(name_matches(os.path.basename(normalized)) or path_matches(normalized))

    return matches


def _is_virtualenv(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "pyvenv.cfg"))


def iter_python_files(
    paths: Sequence[str],
    excludes: Sequence[str],
    force_exclude: bool = False,
    notebooks: bool = False,
) -> Iterator[str]:
    """Python files under ``paths`` (and Jupyter notebooks, with ``notebooks``), sorted
    within each directory.

    Paths named explicitly are kept even when an exclude matches them, unless
    ``force_exclude`` is set (pre-commit passes every staged file explicitly).
    """
    suffixes = (".py", ".pyi", ".ipynb") if notebooks else (".py", ".pyi")
    for path in paths:
        if force_exclude and is_force_excluded(path, excludes):
            continue
        if os.path.isdir(path):
            yield from _walk(path, excludes, suffixes)
        else:
            yield path


def is_force_excluded(
    path: str | os.PathLike[str],
    patterns: Sequence[str],
    root: str | os.PathLike[str] | None = None,
) -> bool:
    """An explicit path is excluded when it, or a directory on the way to it from
    ``root`` (the working directory unless given), matches: pre-commit passes
    ``legacy/old.py``, not ``legacy``.  The one rule for ``--force-exclude``, standard
    input and the language server's workspace files."""
    base = os.getcwd() if root is None else os.path.abspath(root)
    absolute = os.path.abspath(path)
    inside = absolute == base or absolute.startswith(base.rstrip(os.sep) + os.sep)
    candidate = os.path.relpath(absolute, base) if inside else os.fspath(path)
    while candidate and candidate not in (os.curdir, os.sep):
        # Inside, the candidate is relative to ``base``; outside, it is the path as given.
        if is_excluded(os.path.join(base, candidate) if inside else candidate, patterns):
            return True
        parent = os.path.dirname(candidate)
        if parent == candidate:
            break
        candidate = parent
    return False


def _is_python_file(entry: os.DirEntry[str], suffixes: tuple[str, ...]) -> bool:
    """A FIFO or device named ``*.py`` would block the read, so a walk skips it; a broken
    or looping symlink is kept, so that reading it says what it is."""
    if not entry.name.endswith(suffixes):
        return False
    try:
        return entry.is_file() or entry.is_symlink()
    except OSError:  # a symlink loop: reading it reports it
        return True


def _walk(root: str, excludes: Sequence[str], suffixes: tuple[str, ...]) -> Iterator[str]:
    # One matcher for the whole walk: it is asked about every file and directory.
    excluded = _exclude_matcher(tuple(excludes), os.getcwd())
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
                if not excluded(path) and not _is_virtualenv(path):
                    subdirectories.append(path)
            elif _is_python_file(entry, suffixes) and not excluded(path):
                yield path
        stack.extend(reversed(subdirectories))
