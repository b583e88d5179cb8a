"""A cheap text test that lets files which cannot start an event loop skip parsing.

The test is derived from the rules (``rules.RULES``): each rule declares whether its
findings need a runner call (``Rule.needs_runner``), and, if not, which calls can
trigger it (``Rule.triggers``, and the loop-bound factories for a rule declared
``factory_triggered``).  Every rule shipped today but ARO106 and ARO201 needs a runner
in the file (ARO104 in the same scope, a wrapper in its body); ARO106 needs a call of
its triggers (``nest_asyncio.apply``, ``nest_asyncio2.apply``), ARO201 a factory call,
whose result the file caches.  Resolution recognises a library runner, a factory or a
trigger only through a qualified name ``root.….name`` whose ``root`` was bound by an
import: an absolute one (``import root…``, ``from root… import …``), or, for the
configured runners and factories, which live in the user's own project, a relative one
(``from .utils import run_sync``).  So a file can have findings of its own only if, for
one dotted name ``root.….name`` among the runners (``resolution.KNOWN_RUNNERS`` plus
the configured ones), the factories and the triggers:

1. ``root`` is imported: it appears as a whole word right after ``import``, ``from`` or
   a comma (``import os, asyncio``), across spaces and backslash continuations (for a
   configured name, a relative ``from .`` import will do).  This is the key on the
   modules' names: ``asyncio``, ``anyio``, ``trio``, ``asgiref``, ``asyncpg``… and the
   roots of configured names, never the word ``run`` alone;
2. and ``name`` (``run``, ``async_to_sync``, ``create_pool``, a configured name's last
   part) appears as a whole word somewhere, since the call names it
   (``asyncio.run(...)``, ``from asyncio import run as go``, ``go = asyncio.run``,
   ``from asyncio import *`` then ``run(...)``).

Findings that come through other modules (a call of a wrapper defined elsewhere, a
global a task two modules away reaches) need the project index: its ``words`` (the
names of its pass-throughs, entries, cached globals and of the functions that read
them) are passed in, and a file spelling one of them as a whole word passes too.

Both are tested on the raw text (comments and strings included), so the test may say
yes to a file without findings, never no to one with findings.  Two details keep that
promise: Python reads identifiers in NFKC form (``ａｓｙｎｃｉｏ`` is ``asyncio``), so
text that is not NFKC-normalised is normalised before a "no"; and undecoded bytes are
only trusted for UTF-8, since a coding cookie may name a codec that spells ASCII
differently.

The promise holds for a rule only as far as its declaration is true: ``needs_runner``
defaults to True, so a rule whose findings can come without a runner call must say
``needs_runner=False``.  If it also names its triggers, files that could call one pass;
if it names none, nothing is left to test for, and every file passes.

``tests/test_prefilter.py`` checks the promise over the stdlib and the benchmark
corpus, and that a rule declared with ``needs_runner=False`` is let through.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.resolution import KNOWN_RUNNERS, factory_names
from flake8_asyncio_run.rules import RULES, Rule

_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_GAP_BYTES = b" \t\f"
#: ``from .x import`` and ``from . import``, at the start of a line or after ``;``.
_RELATIVE_IMPORT = re.compile(rb"(?:^|[;\n])[ \t\f]*from[ \t\f\\\r\n]+\.", re.M)


@dataclass(frozen=True)
class _Test:
    """The compiled test for one set of runners and triggers."""

    #: (module root, the last parts of its runners and triggers), ASCII-encoded; None
    #: when every file must pass.
    pairs: tuple[tuple[bytes, tuple[bytes, ...]], ...] | None

    #: The last parts of the configured runners and factories, which a relative
    #: import may bring in.
    relative: tuple[bytes, ...] = ()

    def passes(self, data: bytes) -> bool:
        if self.pairs is None:
            return True
        if any(
            _imported(data, root) and any(_has_word(data, name) for name in names)
            for root, names in self.pairs
        ):
            return True
        return (
            bool(self.relative)
            and _RELATIVE_IMPORT.search(data) is not None
            and any(_has_word(data, name) for name in self.relative)
        )


def _is_word_at(data: bytes, start: int, end: int) -> bool:
    """``data[start:end]`` is not glued to identifier characters on either side.

    Non-ASCII bytes count as separators, which can only make the test say yes more often.
    """
    return (start == 0 or data[start - 1] not in _WORD_BYTES) and (
        end == len(data) or data[end] not in _WORD_BYTES
    )


def _has_word(data: bytes, word: bytes) -> bool:
    at = data.find(word)
    while at >= 0:
        if _is_word_at(data, at, at + len(word)):
            return True
        at = data.find(word, at + 1)
    return False


def _imported(data: bytes, root: bytes) -> bool:
    """``root`` appears as a word right after ``import``, ``from`` or a comma."""
    at = data.find(root)
    while at >= 0:
        if _is_word_at(data, at, at + len(root)) and _after_import(data, at):
            return True
        at = data.find(root, at + 1)
    return False


def _after_import(data: bytes, at: int) -> bool:
    """Whether ``import``, ``from`` or a comma precedes ``at``, across blanks and
    backslash continuations (``\\`` then ``\n``, ``\r\n`` or ``\r``)."""
    while True:
        while at and data[at - 1] in _GAP_BYTES:
            at -= 1
        if data.endswith((b"\\\n", b"\\\r"), 0, at):
            at -= 2
        elif data.endswith(b"\\\r\n", 0, at):
            at -= 3
        else:
            break
    return data.endswith((b",", b"import", b"from"), 0, at)


def runner_pairs(options: AnalysisOptions) -> dict[str, frozenset[str]]:
    """Module root -> the last parts of the runners imported from it."""
    return _pairs([*KNOWN_RUNNERS, *options.runners])


def rule_triggers(rules: Iterable[Rule]) -> tuple[str, ...] | None:
    """The dotted names, besides the runners, that let a file through: the triggers of
    the rules that need no runner.  None when one of those names no trigger: then no
    file may be filtered out."""
    triggers: set[str] = set()
    for rule in rules:
        if rule.needs_runner:
            continue
        if not rule.triggers and not rule.factory_triggered:
            return None
        triggers.update(rule.triggers)
    return tuple(sorted(triggers))


def _pairs(dotted_names: Iterable[str]) -> dict[str, frozenset[str]]:
    pairs: dict[str, set[str]] = {}
    for dotted in dotted_names:
        parts = dotted.split(".")
        if dotted and all(parts):
            pairs.setdefault(parts[0], set()).add(parts[-1])
    return {root: frozenset(names) for root, names in pairs.items()}


@lru_cache(maxsize=32)
def _compile(
    runners: tuple[str, ...], triggers: tuple[str, ...] | None, configured: tuple[str, ...]
) -> _Test:
    if triggers is None:
        return _Test(None)
    pairs = _pairs([*KNOWN_RUNNERS, *runners, *triggers])
    relative = sorted({name.rpartition(".")[2] for name in configured if name})
    return _Test(
        tuple(
            (root.encode("utf-8"), tuple(name.encode("utf-8") for name in sorted(names)))
            for root, names in sorted(pairs.items())
        ),
        tuple(name.encode("utf-8") for name in relative),
    )


def _test(options: AnalysisOptions, factories: bool = True) -> _Test:
    """``factories=False``: the caller knows no factory call of the file can give a
    finding (the project index found no global of it that a task reaches)."""
    # The registry is read on every call (a few rows), so a rule added to it counts.
    triggers = rule_triggers(RULES.values())
    factories = factories and any(r.factory_triggered for r in RULES.values())
    if triggers is not None and factories:
        triggers = tuple(sorted({*triggers, *factory_names(options.factories)}))
    configured = (*options.runners, *(options.factories if factories else ()))
    return _compile(options.runners, triggers, configured)


#: Words that let a notebook's virtual module through besides the runners: at a cell's
#: top level ``loop.run_until_complete(x)`` is ARO103 whatever ``loop`` is, so no
#: import need name it (``from mylib import loop`` will do).
NOTEBOOK_WORDS = frozenset({"run_until_complete"})


def has_any_word(data: bytes, words: Iterable[str]) -> bool:
    """Whether one of ``words`` appears in ``data`` as a whole word."""
    return any(_has_word(data, word.encode("utf-8")) for word in words)


def might_run_event_loops(
    source: str,
    options: AnalysisOptions,
    words: frozenset[str] = frozenset(),
    factories: bool = True,
) -> bool:
    """False only when ``source`` cannot have a finding.  ``words``: the names the
    project index says a module must spell to have findings through other modules
    (``ProjectIndex.words``); ``factories``: see ``_test``."""
    test = _test(options, factories)
    # UTF-8 keeps every ASCII character as that one byte, and the test reads only ASCII.
    data = source.encode("utf-8", "surrogatepass")
    if test.passes(data) or (words and has_any_word(data, words)):
        return True
    return _passes_normalized(test, source, words)


def might_run_event_loops_bytes(
    data: bytes,
    options: AnalysisOptions,
    words: frozenset[str] = frozenset(),
    factories: bool = True,
) -> bool:
    """The same test on a file's undecoded bytes.

    Exact for UTF-8 (the default), where an ASCII byte is always that ASCII character.
    A coding cookie may name a codec that spells ASCII differently: such a file is
    decoded as Python would and tested as text.  Bytes that do not decode cannot be
    parsed, so they cannot have findings either.
    """
    test = _test(options, factories)
    if test.passes(data) or (words and has_any_word(data, words)):
        return True
    if _may_declare_encoding(data):
        from flake8_asyncio_run.sourcefile import decode_source

        try:
            source = decode_source(data)
        except SyntaxError:
            return False
        if source.encoding not in ("utf-8", "utf-8-sig"):
            return might_run_event_loops(source.text, options, words, factories)
        text = source.text
    elif data.isascii():
        return False
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return False
    return _passes_normalized(test, text, words)


def _passes_normalized(test: _Test, text: str, words: frozenset[str] = frozenset()) -> bool:
    """The test on the NFKC form Python reads identifiers in, when that form can differ.

    An identifier whose NFKC form is ASCII can hold a non-ASCII character only if that
    character's own NFKC form is ASCII identifier characters (no composition can turn
    anything else into ASCII), so text without such a character needs no second look.
    """
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return False
    if not any(_folds_to_ascii_word(c) for c in set(text) if not c.isascii()):
        return False
    normal = unicodedata.normalize("NFKC", text).encode("utf-8", "surrogatepass")
    return test.passes(normal) or has_any_word(normal, words)


@lru_cache(maxsize=4096)
def _folds_to_ascii_word(char: str) -> bool:
    return any(c in _WORD_CHARS for c in unicodedata.normalize("NFKC", char))


def _may_declare_encoding(data: bytes) -> bool:
    """Whether the first two lines could hold a coding cookie (PEP 263)."""
    first = data.find(b"\n")
    end = len(data) if first < 0 else data.find(b"\n", first + 1)
    return b"coding" in data[: len(data) if end < 0 else end]
