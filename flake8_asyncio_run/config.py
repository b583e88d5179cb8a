"""Settings from every source, merged the same way for the CLI and the flake8 plugin.

Precedence, key by key: ``[tool.flake8-asyncio-run]`` in the nearest ``pyproject.toml``
< the ``[flake8]`` section of the nearest flake8 config file (``setup.cfg``,
``tox.ini``, ``.flake8``) < command-line flags.
"""

from __future__ import annotations

import configparser
import difflib
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.selection import (
    PerFileIgnore,
    Selection,
    code_suggestions,
    is_known_prefix,
    parse_per_file_ignores,
)

PYPROJECT_TABLE = "flake8-asyncio-run"
#: The source named in errors about command-line flags.
COMMAND_LINE = "command line"
#: What ``target-version`` may be (``fix --target-version`` offers the same).
TARGET_VERSIONS = tuple(f"py3{minor}" for minor in range(10, 15))
FLAKE8_FILES = ("setup.cfg", "tox.ini", ".flake8")

#: Keys read from either file, and the Settings field each sets.
_LIST_KEYS = {
    "asyncio-runners": "runners",
    "loop-bound-factories": "factories",
    "select": "select",
    "extend-select": "extend_select",
    "ignore": "ignore",
    "extend-ignore": "extend_ignore",
    "exclude": "exclude",
    "extend-exclude": "extend_exclude",
}
#: Only these are taken from flake8's own section: its select/ignore govern every
#: plugin there, and copying them would silently turn our codes off.
_FLAKE8_KEYS = (
    "asyncio-runners",
    "loop-bound-factories",
    "per-file-ignores",
    "exclude",
    "extend-exclude",
    "target-version",
)

#: Every key of ``[tool.flake8-asyncio-run]``; any other is an error there.
KNOWN_KEYS = (*_LIST_KEYS, "per-file-ignores", "cache", "notebooks", "target-version")
#: The keys whose values are code prefixes, checked against the known codes.
_CODE_KEYS = ("select", "extend-select", "ignore", "extend-ignore")

DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".bzr",
    ".tox",
    ".nox",
    ".venv",
    "venv",
    ".eggs",
    "*.egg-info",
    "__pycache__",
    ".ipynb_checkpoints",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "node_modules",
    "__pypackages__",
    "site-packages",
)


class ConfigError(Exception):
    """A config file that cannot be read or holds a bad value."""


@dataclass(frozen=True)
class Settings:
    runners: tuple[str, ...] = ()
    factories: tuple[str, ...] = ()
    select: tuple[str, ...] = ("ARO",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    extend_ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[PerFileIgnore, ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    target_version: str | None = None
    #: Keep the project index in ``.flake8-asyncio-run-cache/`` at the project root.
    cache: bool = True
    #: Whether directory walks include Jupyter notebooks (``*.ipynb``).
    notebooks: bool = True
    #: Where each value came from, for ``--show-settings`` and error messages.
    sources: tuple[str, ...] = field(default=(), compare=False)

    @property
    def analysis(self) -> AnalysisOptions:
        return AnalysisOptions(self.runners, self.factories)

    @property
    def selection(self) -> Selection:
        return Selection(
            (*self.select, *self.extend_select),
            (*self.ignore, *self.extend_ignore),
            self.per_file_ignores,
        )

    @property
    def excludes(self) -> tuple[str, ...]:
        return (*self.exclude, *self.extend_exclude)

    def merged(self, values: Mapping[str, Any], source: str) -> Settings:
        if not values:
            return self
        return replace(self, **values, sources=(*self.sources, source))


def _as_list(value: Any, key: str, source: str) -> tuple[str, ...]:
    if isinstance(value, str):
        items = value.replace("\n", ",").split(",")
    elif isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        items = list(value)
    else:
        raise ConfigError(f"{source}: '{key}' must be a list of strings")
    return tuple(item.strip() for item in items if item.strip())


def normalize(
    raw: Mapping[str, Any], source: str, keys: Sequence[str] | None = None
) -> dict[str, Any]:
    """Settings fields from a mapping of config keys (dashes or underscores).

    Without ``keys`` the mapping is our own (the pyproject table, the flags): a key not
    in ``KNOWN_KEYS`` and a code no rule starts with are errors.  With ``keys`` it is a
    section shared with other tools (flake8's, which holds every plugin's options and
    codes): only those keys are read, the rest skipped, and codes are not checked.
    """
    values: dict[str, Any] = {}
    for raw_key, value in raw.items():
        key = raw_key.replace("_", "-")
        if keys is not None and key not in keys:
            continue
        if keys is None and key not in KNOWN_KEYS:
            raise ConfigError(_unknown_key(raw_key, key, source))
        if value is None:
            continue
        field_name, parsed = _parse_value(key, value, source)
        if keys is None:
            _check_codes(key, parsed, source)
        values[field_name] = parsed
    return values


def _parse_value(key: str, value: Any, source: str) -> tuple[str, Any]:
    """The Settings field a key sets, and its value."""
    if key in _LIST_KEYS:
        return _LIST_KEYS[key], _as_list(value, key, source)
    if key == "per-file-ignores":
        if isinstance(value, Mapping):
            entries = [
                PerFileIgnore(pattern, _as_list(codes, key, source))
                for pattern, codes in value.items()
            ]
            return "per_file_ignores", tuple(entries)
        if isinstance(value, (str, list, tuple)):
            return "per_file_ignores", parse_per_file_ignores(value)
        raise ConfigError(f"{source}: 'per-file-ignores' must be a table or a string")
    if key in ("cache", "notebooks"):
        if not isinstance(value, bool):
            raise ConfigError(f"{source}: '{key}' must be true or false")
        return key, value
    # target-version, the last of the keys
    if not isinstance(value, str):
        raise ConfigError(f"{source}: 'target-version' must be a string like 'py311'")
    if value not in TARGET_VERSIONS:
        close = difflib.get_close_matches(value, TARGET_VERSIONS, n=1)
        raise ConfigError(
            f"{source}: {_name(key, source)} must be one of {', '.join(TARGET_VERSIONS)}, "
            f"not {value!r}{did_you_mean(close)}"
        )
    return "target_version", value


def _check_codes(key: str, parsed: Any, source: str) -> None:
    if key in _CODE_KEYS:
        codes: Sequence[str] = parsed
    elif key == "per-file-ignores":
        codes = [code for entry in parsed for code in entry.codes]
    else:
        return
    for code in codes:
        if not is_known_prefix(code):
            raise ConfigError(
                f"{source}: {_name(key, source)}: {code!r} is not a flake8-asyncio-run code "
                f"or the start of one{did_you_mean(code_suggestions(code))}"
            )


def _unknown_key(raw_key: str, key: str, source: str) -> str:
    where = "the command line" if source == COMMAND_LINE else f"[tool.{PYPROJECT_TABLE}]"
    close = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
    return f"{source}: unknown key {raw_key!r} in {where}{did_you_mean(close)}"


def _name(key: str, source: str) -> str:
    """A key as its source spells it: ``--select`` on the command line, else 'select'."""
    return f"--{key}" if source == COMMAND_LINE else repr(key)


def did_you_mean(candidates: Sequence[str]) -> str:
    """The best candidate offered, if any."""
    return f"; did you mean {candidates[0]!r}?" if candidates else ""


def find_upwards(start: Path, names: Sequence[str]) -> Path | None:
    for directory in (start, *start.parents):
        for name in names:
            candidate = directory / name
            if candidate.is_file():
                return candidate
    return None


def find_pyproject(start: Path) -> Path | None:
    return find_upwards(start.resolve(), ("pyproject.toml",))


def read_pyproject(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{path}: not valid UTF-8 (byte {error.start}); TOML files must be UTF-8"
        ) from error
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from error
    return data


def pyproject_table(start: Path) -> tuple[dict[str, Any], str]:
    """Our table from the nearest pyproject.toml that has one."""
    for directory in (start.resolve(), *start.resolve().parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            table = read_pyproject(candidate).get("tool", {}).get(PYPROJECT_TABLE)
            if isinstance(table, dict):
                return table, str(candidate)
    return {}, ""


def find_flake8_config(start: Path) -> tuple[dict[str, str], str]:
    """flake8 7's rule: the nearest setup.cfg/tox.ini/.flake8 with a ``[flake8]`` (or
    ``[flake8:local-plugins]``) section, skipping files it cannot parse, and never
    walking up into the home directory."""
    expanded = os.path.expanduser("~")
    home = Path(expanded).resolve() if expanded != "~" else None
    directory = start.resolve()
    while True:
        for name in FLAKE8_FILES:
            candidate = directory / name
            if not candidate.is_file():
                continue
            parser = configparser.RawConfigParser()
            try:
                parser.read(candidate, encoding="utf-8")
            except (configparser.ParsingError, UnicodeDecodeError):
                continue  # flake8 ignores it (with a warning) and keeps looking
            except (configparser.Error, OSError) as error:
                raise ConfigError(f"{candidate}: {error}") from error
            if parser.has_section("flake8"):
                return dict(parser.items("flake8")), str(candidate)
            if parser.has_section("flake8:local-plugins"):
                return {}, str(candidate)
        parent = directory.parent
        if parent in (directory, home):
            return {}, ""
        directory = parent


def load_settings(cwd: Path | None = None, use_flake8_config: bool = True) -> Settings:
    """pyproject table, then the flake8 config file, each overriding key by key."""
    cwd = cwd or Path.cwd()
    settings = Settings()
    table, source = pyproject_table(cwd)
    settings = settings.merged(normalize(table, source), source)
    if use_flake8_config:
        section, flake8_source = find_flake8_config(cwd)
        settings = settings.merged(normalize(section, flake8_source, _FLAKE8_KEYS), flake8_source)
    return settings
