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


@lru_cache(maxsize=256)
def _root_of_directory(directory: str) -> str | None:
    current = Path(directory)
    for candidate in (current, *current.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return str(candidate)
    return None


def project_root(path: str | os.PathLike[str]) -> Path | None:
    """The project root of a file (or directory), or None when it has none."""
    absolute = Path(os.path.abspath(path))
    directory = absolute if absolute.is_dir() else absolute.parent
    found = _root_of_directory(str(directory))
    return Path(found) if found is not None else None


@dataclass(frozen=True)
class ModuleName:
    name: str
    is_package: bool
    #: The name below the nearest directory that is no package, when it differs.
    short: str | None = None


def module_name(path: str | os.PathLike[str], root: Path | None) -> ModuleName:
    absolute = Path(os.path.abspath(path))
    base = root if root is not None else absolute.parent
    src = base / "src"
    if src in absolute.parents:
        base = src
    try:
        parts = list(absolute.relative_to(base).parts)
    except ValueError:  # outside the root (a symlink's target, another drive)
        parts = [absolute.name]
    stem = parts[-1].rsplit(".", 1)[0]
    is_package = stem == "__init__"
    parts = parts[:-1] if is_package else [*parts[:-1], stem]
    if not parts:  # the root's own __init__.py
        parts = [absolute.parent.name]
    name = ".".join(parts)
    return ModuleName(name, is_package, _short_name(absolute, parts, is_package))


def _short_name(absolute: Path, parts: list[str], is_package: bool) -> str | None:
    """The name below the nearest ancestor directory without ``__init__.py``."""
    directory = absolute.parent
    depth = 0
    while (directory / "__init__.py").exists() and directory.parent != directory:
        directory = directory.parent
        depth += 1
    if not depth:  # a namespace package's module: nothing imports it by a shorter name
        return None
    keep = depth + (0 if is_package else 1)
    short = ".".join(parts[-keep:])
    if short == ".".join(parts) or short.split(".")[0] in sys.stdlib_module_names:
        return None
    return short


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
