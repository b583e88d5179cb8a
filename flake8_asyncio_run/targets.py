"""Which Python version fixes may assume: one rule for ``fix``, the machine formats and
the language server.  ``--target-version`` (or the config's ``target-version``), else
the ``requires-python`` of the ``pyproject.toml`` nearest the file, else the running
interpreter."""

from __future__ import annotations

import sys
from pathlib import Path

from flake8_asyncio_run.config import Settings, requires_python_target

Target = tuple[int, int]

#: The oldest Python with ``asyncio.Runner`` (the runner style needs it).
RUNNER_VERSION: Target = (3, 11)


def parse_target(value: str | None) -> Target | None:
    """``py311`` -> ``(3, 11)``."""
    if not value or not value.startswith("py3") or not value[3:].isdigit():
        return None
    return (3, int(value[3:]))


def running_target() -> Target:
    return (sys.version_info[0], sys.version_info[1])


def resolve_target(settings: Settings | None, start: Path | None = None) -> Target:
    """The target for files in ``start`` (default: the working directory)."""
    return (
        parse_target(settings.target_version if settings else None)
        or parse_target(requires_python_target(start or Path.cwd()))
        or running_target()
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
