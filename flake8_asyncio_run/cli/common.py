"""What ``check`` and ``fix`` share: exit codes, usage errors, the settings from the
config files and the flags, the files a run looks at, and standard input (one
``--force-exclude`` rule for both commands)."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from flake8_asyncio_run.config import COMMAND_LINE, Settings, load_settings, normalize
from flake8_asyncio_run.discovery import is_force_excluded, iter_python_files
from flake8_asyncio_run.project.registry import Projects

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
#: Ctrl-C: 128 + SIGINT, as shells report it.
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    pass


class OutputError(Exception):
    """Standard output cannot be written (a full disk, a closed descriptor): exit 2."""


def write_stdout(payload: str | bytes, json_document: bool = False) -> None:
    """Write the payload to standard output, bytes as they are (a diff or a fixed file
    in its own encoding), and flush it, so that a failure is seen here.

    Text that standard output's encoding cannot hold (``→`` in a message, to an ASCII
    or cp1252 stream) is escaped, never a UnicodeEncodeError: a ``json_document`` gets
    JSON's own ``\\uXXXX`` escapes, so that it reads as the same JSON; other text
    Python's backslash escapes.

    A closed pipe (``| head``) is not an error: the reader has what it wanted, the rest
    is dropped quietly and the run ends with its own exit code.  Any other failure
    (``> /dev/full``, a closed stdout) raises OutputError.
    """
    if not payload:
        return
    stream = sys.stdout
    if stream is None:  # started with descriptor 1 closed
        raise OutputError("cannot write to standard output: it is closed")
    try:
        if isinstance(payload, bytes):
            stream.flush()
            stream.buffer.write(payload)
        else:
            stream.write(encodable(payload, stream, json_document))
        stream.flush()
    except BrokenPipeError:
        discard_stdout()
    except OSError as error:
        discard_stdout()
        reason = error.strerror or str(error)
        raise OutputError(f"cannot write to standard output: {reason}") from error


def encodable(text: str, stream: TextIO, json_document: bool = False) -> str:
    """``text``, escaped where ``stream``'s encoding cannot hold a character."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding, getattr(stream, "errors", None) or "strict")
    except UnicodeEncodeError:
        if json_document:
            # A JSON document spells non-ASCII characters only inside its strings,
            # where an escape means the same character.
            return _NON_ASCII.sub(_json_escape, text)
        return text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:  # an encoding Python does not know: let the write report it
        pass
    return text


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:  # a surrogate pair, as JSON spells characters beyond the BMP
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def discard_stdout() -> None:
    """Point descriptor 1 at the null device, so that what is still buffered goes there
    when the interpreter flushes at exit, instead of failing again with a traceback."""
    try:
        fileno = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):  # not a real file: nothing to flush
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fileno)
    finally:
        os.close(devnull)


def _list(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(item.strip() for item in value.replace("\n", ",").split(",") if item.strip())


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Config files first, then the flags, which override them key by key."""
    settings = Settings() if args.isolated else load_settings(Path.cwd())
    flags = {
        "select": _list(args.select),
        "extend-select": _list(args.extend_select),
        "ignore": _list(args.ignore),
        "extend-ignore": _list(args.extend_ignore),
        "per-file-ignores": args.per_file_ignores,
        "exclude": _list(args.exclude),
        "extend-exclude": _list(args.extend_exclude),
        "asyncio-runners": _list(args.asyncio_runners),
        "loop-bound-factories": _list(args.loop_bound_factories),
        "target-version": getattr(args, "target_version", None),
        "cache": False if args.no_cache else None,
        "notebooks": False if args.no_notebooks else None,
    }
    return settings.merged(normalize(flags, COMMAND_LINE), COMMAND_LINE)


def projects_for(
    settings: Settings, paths: Sequence[str], given: Sequence[str] = (), jobs: int | None = 1
) -> Projects:
    """The run's project indexes: the files named are in them even where an exclude
    would skip them in a walk.  ``given``: the command line's paths, whose directories
    were walked to find ``paths`` (a project inside one needs no walk again).
    ``jobs``: the command line's ``-j`` (None: one process per CPU)."""
    named = [p for p in paths if p != "-"]
    walked = [p for p in given if p != "-" and os.path.isdir(p)]
    return Projects(settings.analysis, settings.excludes, named, settings.cache, walked, jobs)


def collect_paths(args: argparse.Namespace, settings: Settings) -> list[str]:
    if "-" in args.paths and len(args.paths) > 1:
        raise UsageError("'-' (standard input) cannot be combined with other paths")
    # lexists: a broken or looping symlink is there, and reading it says what it is.
    missing = [p for p in args.paths if p != "-" and not os.path.lexists(p)]
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    found = iter_python_files(args.paths, settings.excludes, args.force_exclude, settings.notebooks)
    return unique_files(found)


def unique_files(paths: Iterable[str]) -> list[str]:
    """Each file once, in the order and the spelling of its first occurrence: ``a.py``
    and ``./a.py``, a file named and found in a directory walk, or reached through a
    symlink or another hard link, is one file (checked, fixed and diffed once)."""
    seen: set[object] = set()
    unique: list[str] = []
    for path in paths:
        identity = _identity(path)
        if identity not in seen:
            seen.add(identity)
            unique.append(path)
    return unique


def _identity(path: str) -> object:
    try:
        status = os.stat(path)
    except OSError:  # a broken link or a loop: reading it says what it is, once per name
        return os.path.normcase(os.path.abspath(path))
    return (status.st_dev, status.st_ino)


@dataclass(frozen=True)
class StdinFile:
    """The file read from ``-``."""

    #: ``--stdin-filename``, else ``-``: for messages, per-file-ignores and excludes.
    name: str
    #: ``--force-exclude`` with a ``--stdin-filename`` that an exclude matches, by the
    #: rule for explicit paths: ``check`` reports nothing, ``fix`` passes the input on.
    excluded: bool

    @staticmethod
    def read() -> bytes:
        return sys.stdin.buffer.read()


def stdin_file(args: argparse.Namespace, settings: Settings) -> StdinFile | None:
    """The file read from ``-``; None when the run is given paths."""
    if args.paths != ["-"]:
        return None
    name = args.stdin_filename or "-"
    excluded = bool(
        args.force_exclude and args.stdin_filename and is_force_excluded(name, settings.excludes)
    )
    return StdinFile(name, excluded)
