"""The project index on disk: ``.flake8-asyncio-run-cache/`` at the project root.

One JSON file per tool version and options, holding one entry per module file: its
size, mtime, content digest and facts (or none, when the prefilter skipped it).  An
entry is reused while size and mtime match; when they do not (or when the file was
changed so soon after it was cached that a same-size edit could keep its mtime), the
content digest decides, and only modules whose content changed are summarised again.

Safe under ``flake8 -j N``: a writer writes a temporary file beside the index and
renames it over the old one, so a reader sees one whole index or the other; two
writers each write a whole index and the last rename wins.  A cache that cannot be
read, parsed or written (a foreign file, a corrupt one, a read-only tree) is ignored:
the index is then built in memory, as with ``--no-cache``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from flake8_asyncio_run import __version__
from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.project.facts import ModuleFacts

CACHE_DIRECTORY = ".flake8-asyncio-run-cache"
#: Bumped whenever the facts or this file's layout change meaning.
SCHEMA = 2  # 2: skipped entries are checked for ProjectIndex.summary_words
#: An mtime this close to the moment it was cached may hide a later same-size edit.
_RACY_NS = 2_000_000_000
_GITIGNORE = "# Created by flake8-asyncio-run: the project index cache.\n*\n"
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by flake8-asyncio-run.\n"
)


@dataclass(frozen=True)
class Entry:
    size: int
    mtime_ns: int
    digest: str
    #: None: the prefilter skipped the module, or it does not parse.
    facts: ModuleFacts | None
    #: When the entry was made (ns): an mtime as late as that is not trusted alone.
    cached_ns: int = 0

    def fresh(self, stat: os.stat_result) -> bool:
        return (
            stat.st_size == self.size
            and stat.st_mtime_ns == self.mtime_ns
            and self.mtime_ns < self.cached_ns - _RACY_NS
        )

    def restamped(self, stat: os.stat_result) -> Entry:
        return replace(self, size=stat.st_size, mtime_ns=stat.st_mtime_ns, cached_ns=time.time_ns())


@dataclass
class Stored:
    entries: dict[str, Entry] = field(default_factory=dict)
    #: What every skipped entry was checked for (``ProjectIndex.summary_words.pairs``).
    words_checked: frozenset[str] = frozenset()


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class IndexCache:
    def __init__(self, root: Path, options: AnalysisOptions) -> None:
        key = json.dumps([SCHEMA, __version__, list(options.runners), list(options.factories)])
        name = hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()
        self.directory = root / CACHE_DIRECTORY
        self.path = self.directory / f"index-{name}.json"

    def load(self) -> Stored:
        try:
            with open(self.path, "rb") as handle:
                data = json.loads(handle.read())
            return _parse(data)
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
            return Stored()

    def save(self, stored: Stored) -> None:
        payload = {
            "tool": "flake8-asyncio-run",
            "schema": SCHEMA,
            "version": __version__,
            "words_checked": sorted(stored.words_checked),
            "entries": {
                path: {
                    "size": e.size,
                    "mtime_ns": e.mtime_ns,
                    "digest": e.digest,
                    "cached_ns": e.cached_ns,
                    "facts": e.facts.to_json() if e.facts is not None else None,
                }
                for path, e in stored.entries.items()
            },
        }
        write_atomically(self.directory, self.path, payload)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the cache's lock (an advisory ``flock`` on a file beside the index)
        while building, so that concurrent builders summarise once.  Where there is no
        lock to take (no ``fcntl``, a read-only tree), build without one."""
        with locked(self.directory, self.path.with_suffix(".lock")):
            yield


def prepare_directory(directory: Path) -> None:
    """Make the cache directory, with its ``.gitignore`` and ``CACHEDIR.TAG``."""
    directory.mkdir(exist_ok=True)
    for name, text in ((".gitignore", _GITIGNORE), ("CACHEDIR.TAG", _CACHEDIR_TAG)):
        marker = directory / name
        if not marker.exists():
            marker.write_text(text, encoding="utf-8")


def write_atomically(directory: Path, path: Path, payload: object) -> None:
    """Write ``payload`` as JSON to a temporary file beside ``path`` and rename it over
    ``path``: a reader sees the old file or the new one, never a part.  Nothing is
    written where the directory cannot be (a read-only tree, a full disk)."""
    try:
        prepare_directory(directory)
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{path.stem}-", suffix=".tmp", dir=directory
        )
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                # dumps, not dump: json.dump streams through the pure-Python
                # encoder, several times slower than dumps's C one for a large index.
                handle.write(json.dumps(payload, separators=(",", ":")))
            os.replace(temporary, path)
        except BaseException:
            _remove(temporary)
            raise
    except OSError:
        pass  # the cache stays in memory


@contextlib.contextmanager
def locked(directory: Path, lock: Path) -> Iterator[None]:
    """Hold an advisory ``flock`` on ``lock``; without one where none can be taken (no
    ``fcntl``, a read-only tree, a file system without locks)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    try:
        prepare_directory(directory)
        handle = open(lock, "a+b")  # noqa: SIM115
    except OSError:
        yield
        return
    with handle:
        with contextlib.suppress(OSError):  # a file system without locks: go on anyway
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _parse(data: Any) -> Stored:
    if (
        not isinstance(data, dict)
        or data.get("tool") != "flake8-asyncio-run"
        or data.get("schema") != SCHEMA
        or data.get("version") != __version__
    ):
        return Stored()  # a foreign or older cache: rebuilt, then overwritten
    entries: dict[str, Entry] = {}
    raw_entries = data["entries"]
    if not isinstance(raw_entries, dict):
        return Stored()
    for path, raw in raw_entries.items():
        facts = raw["facts"]
        entries[str(path)] = Entry(
            int(raw["size"]),
            int(raw["mtime_ns"]),
            str(raw["digest"]),
            None if facts is None else ModuleFacts.from_json(facts),
            int(raw["cached_ns"]),
        )
    words = data["words_checked"]
    if not isinstance(words, list):
        return Stored()
    return Stored(entries, frozenset(str(w) for w in words))
