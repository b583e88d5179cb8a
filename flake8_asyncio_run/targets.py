"""Which Python version fixes may assume: one rule for ``fix``, the machine formats and
the language server.

``--target-version`` (or the config's ``target-version``), else what the project itself
declares, found in the nearest directory upward that declares anything, else the oldest
Python this tool supports.  A project declares its Python in (first found wins):
``[project] requires-python``, ``[tool.poetry.dependencies] python``, ``setup.cfg``'s
``python_requires``, ``setup.py``'s ``python_requires=`` (parsed, never run), then the
``target-version`` of ruff or black.  The running interpreter is never assumed: code
fixed on 3.12 may have to run on 3.9.
"""

from __future__ import annotations

import ast
import configparser
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flake8_asyncio_run.config import ConfigError, Settings, read_pyproject
from flake8_asyncio_run.parsing import parse_source

Target = tuple[int, int]

#: The oldest Python with ``asyncio.Runner`` (the runner style needs it).
RUNNER_VERSION: Target = (3, 11)
#: The oldest Python this tool supports: the target when nothing says otherwise.
DEFAULT_TARGET: Target = (3, 10)

#: A lower bound (or an exact version) in a PEP 440 or Poetry specifier; ``<`` and
#: ``!=`` clauses do not match, since they say nothing about the oldest version.
_VERSION = re.compile(r"(?:^|[,|\s])\s*(>=|==|~=|\^|~|>|)\s*(\d+)\.(\d+)")


def parse_target(value: str | None) -> Target | None:
    """``py311`` -> ``(3, 11)``."""
    if not value or not value.startswith("py3") or not value[3:].isdigit():
        return None
    return (3, int(value[3:]))


def lowest_version(spec: str) -> Target | None:
    """The oldest version a specifier admits: ``>=3.9,<4`` -> (3, 9); ``^3.8`` -> (3, 8).

    Upper bounds and exclusions say nothing about the oldest version, so they are
    skipped; a bare ``3.9`` or ``3.9.*`` (Poetry) counts as that version.
    """
    found = [(int(major), int(minor)) for _, major, minor in _VERSION.findall(spec)]
    return min(found) if found else None


def _table(data: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)  # type: ignore[assignment]
    return data


def _from_pyproject(path: Path) -> Target | None:
    try:
        data = read_pyproject(path)
    except ConfigError:
        return None
    for keys in (("project", "requires-python"), ("tool", "poetry", "dependencies", "python")):
        spec = _table(data, *keys)
        if isinstance(spec, str) and (found := lowest_version(spec)):
            return found
    return None


def _tool_target(path: Path) -> Target | None:
    try:
        data = read_pyproject(path)
    except ConfigError:
        return None
    ruff = parse_target(_table(data, "tool", "ruff", "target-version"))
    if ruff:
        return ruff
    black = _table(data, "tool", "black", "target-version")
    names = [black] if isinstance(black, str) else black if isinstance(black, list) else []
    versions = [v for v in (parse_target(n) for n in names if isinstance(n, str)) if v]
    return min(versions) if versions else None


def _from_setup_cfg(path: Path) -> Target | None:
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
        spec = parser.get("options", "python_requires", fallback=None)
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None
    return lowest_version(spec) if spec else None


def _from_setup_py(path: Path) -> Target | None:
    """``setup(python_requires=">=3.9")``, read from the syntax tree: a literal string
    only, since running setup.py is out of the question."""
    try:
        tree = parse_source(path.read_bytes(), str(path))
    except (OSError, SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "python_requires":
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                return lowest_version(value.value)
    return None


def _from_ruff_toml(path: Path) -> Target | None:
    try:
        value = read_pyproject(path).get("target-version")
    except ConfigError:
        return None
    return parse_target(value) if isinstance(value, str) else None


#: Where a project declares its Python, in the order they are believed.
_SOURCES: tuple[tuple[str, Callable[[Path], Target | None]], ...] = (
    ("pyproject.toml", _from_pyproject),
    ("setup.cfg", _from_setup_cfg),
    ("setup.py", _from_setup_py),
    ("pyproject.toml", _tool_target),
    ("ruff.toml", _from_ruff_toml),
    (".ruff.toml", _from_ruff_toml),
)


def project_target(start: Path) -> Target | None:
    """What the nearest project upward from ``start`` declares, or None."""
    for directory in (start, *start.parents):
        for name, read in _SOURCES:
            candidate = directory / name
            if candidate.is_file() and (found := read(candidate)):
                return found
    return None


def resolve_target(settings: Settings | None, start: Path | None = None) -> Target:
    """The target for files in ``start`` (default: the working directory)."""
    return (
        parse_target(settings.target_version if settings else None)
        or project_target((start or Path.cwd()).resolve())
        or DEFAULT_TARGET
    )


class TargetResolver:
    """``resolve_target`` per file, cached per directory (a run touches many files)."""

    def __init__(self, settings: Settings | None) -> None:
        self._settings = settings
        self._cache: dict[Path, Target] = {}

    def __call__(self, path: str) -> Target:
        directory = Path(path).resolve().parent if path != "-" else Path.cwd()
        if directory not in self._cache:
            self._cache[directory] = resolve_target(self._settings, directory)
        return self._cache[directory]
