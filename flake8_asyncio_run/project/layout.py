"""Where a project is: its root, its files and its modules' dotted names.

The root is the nearest directory upward that holds ``pyproject.toml``, ``setup.cfg``,
``setup.py`` or ``.git``.  A file with no such directory above it is a project of
its own (nothing is walked: never ``/tmp`` or a home directory by accident).

A module's name is its path from the root, or from ``root/src`` for a file under it
(the ``src`` layout), with ``__init__`` naming its package.  Directories without an
``__init__.py`` are namespace packages and count like any other.  A module is also
known by its path below the nearest directory that is no package, so that
``backend/app/db.py`` answers to ``app.db`` when ``backend`` is put on ``sys.path``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flake8_asyncio_run.discovery import iter_python_files

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")


#: Directory -> its project root (None: it has none).  Asked for every file of a run, so
#: kept for the process; a marker made meanwhile is seen by the next process.
_ROOTS: dict[str, str | None] = {}


def _root_of_directory(directory: str) -> str | None:
    found = _ROOTS.get(directory, _UNKNOWN)
    if found is not _UNKNOWN:
        return found  # type: ignore[return-value]
    if any(os.path.exists(os.path.join(directory, marker)) for marker in ROOT_MARKERS):
        root: str | None = directory
    else:
        parent = os.path.dirname(directory)
        root = None if parent == directory else _root_of_directory(parent)
    _ROOTS[directory] = root
    return root


_UNKNOWN = object()


def forget_roots() -> None:
    """Look the roots and packages up again (a config file or ``__init__.py`` was made or
    removed: the language server's long-lived process)."""
    _ROOTS.clear()
    _is_package.cache_clear()
    _package_depth.cache_clear()


@lru_cache(maxsize=1024)
def _as_path(root: str) -> Path:
    return Path(root)


def project_root(path: str | os.PathLike[str]) -> Path | None:
    """The project root of a file (or directory), or None when it has none."""
    absolute = os.path.abspath(path)
    directory = absolute if os.path.isdir(absolute) else os.path.dirname(absolute)
    found = _root_of_directory(directory)
    return _as_path(found) if found is not None else None


@dataclass(frozen=True)
class ModuleName:
    name: str
    is_package: bool
    #: The name below the nearest directory that is no package, when it differs.
    short: str | None = None


def module_name(path: str | os.PathLike[str], root: Path | None) -> ModuleName:
    absolute = os.path.abspath(path)
    base = str(root) if root is not None else os.path.dirname(absolute)
    src = os.path.join(base, "src")
    if absolute.startswith(src + os.sep):
        base = src
    if absolute.startswith(base.rstrip(os.sep) + os.sep):
        parts = absolute[len(base.rstrip(os.sep)) + 1 :].split(os.sep)
    else:  # outside the root (a symlink's target, another drive)
        parts = [os.path.basename(absolute)]
    stem = parts[-1].rsplit(".", 1)[0]
    is_package = stem == "__init__"
    parts = parts[:-1] if is_package else [*parts[:-1], stem]
    if not parts:  # the root's own __init__.py
        parts = [os.path.basename(os.path.dirname(absolute))]
    name = ".".join(parts)
    return ModuleName(name, is_package, _short_name(absolute, parts, is_package))


def _short_name(absolute: str, parts: list[str], is_package: bool) -> str | None:
    """The name below the nearest ancestor directory without ``__init__.py``."""
    depth = _package_depth(os.path.dirname(absolute))
    if not depth:  # a namespace package's module: nothing imports it by a shorter name
        return None
    keep = depth + (0 if is_package else 1)
    short = ".".join(parts[-keep:])
    if short == ".".join(parts) or short.split(".")[0] in sys.stdlib_module_names:
        return None
    return short


@lru_cache(maxsize=4096)
def _package_depth(directory: str) -> int:
    """How many directories up from ``directory`` (itself included) are packages in a
    row: asked once per directory, not once per file."""
    if not _is_package(directory):
        return 0
    parent = os.path.dirname(directory)
    return 0 if parent == directory else 1 + _package_depth(parent)


@lru_cache(maxsize=4096)
def _is_package(directory: str) -> bool:
    return os.path.exists(os.path.join(directory, "__init__.py"))


def project_files(root: Path, excludes: Sequence[str], named: Iterable[str] = ()) -> list[str]:
    """Every Python file of the project (excluded directories skipped, and those of
    projects nested in it, which have roots of their own), and the files named on the
    command line, each once, as absolute paths."""
    mine = str(root)
    found = dict.fromkeys(
        os.path.abspath(p)
        for p in iter_python_files([mine], excludes)
        if _root_of_directory(os.path.dirname(os.path.abspath(p))) == mine
    )
    found.update(dict.fromkeys(os.path.abspath(p) for p in named))
    return list(found)


def group_by_root(paths: Iterable[str]) -> Iterator[tuple[Path | None, list[str]]]:
    groups: dict[Path | None, list[str]] = {}
    for path in paths:
        groups.setdefault(project_root(path), []).append(path)
    yield from groups.items()
