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

1. ``root`` is imported: it is one of the names in the lines of an import statement
   (``import_lines``: ``import os, asyncio``, ``from asyncio.runners import run``, a
   bracketed list, backslash continuations; for a configured name, a relative ``from
   .`` import will do).  This is the key on the
   modules' names: ``asyncio``, ``anyio``, ``trio``, ``asgiref``, ``asyncpg``… and the
   roots of configured names, never the word ``run`` alone;
2. and ``name`` (``run``, ``async_to_sync``, ``create_pool``, the last part of a
   trigger) can be named as resolution names it (the call shape, ``_reachable``):
   either a ``from module import`` lists it (or ``*``), for a module that holds it
   (``from asyncio import run as go``, ``from asyncio.runners import *``), or it is
   spelled as an attribute ``base.name`` (across blanks, line breaks, backslashes) whose
   ``base`` is the part right before ``name`` in its dotted name (``asyncio.run``,
   ``runners.run``, ``sync.async_to_sync``) or a name bound to it, transitively: by
   ``as`` (``import asyncio as aio``: the word before ``as``) or by an assignment
   whose value's last word is one (``aio = asyncio``, ``r = asyncio.runners``).  That
   is how resolution gets ``Q.name`` for ``x.name``: ``Q`` ends with the word an import
   binds, or with the value's last attribute.  Every other form goes through one of
   those two: ``go = asyncio.run`` then ``go(...)``, ``send = async_to_sync(f)``, an
   ``@async_to_sync`` decorator.  ``subprocess.run(...)``, ``self.run()``, ``def run``,
   ``get().run()``, ``getattr(asyncio, "run")`` (which resolution does not follow
   either) and ``run`` in prose do not count.  Where the text is too odd to judge (a
   comment between ``base`` and ``.name``, a base with non-ASCII characters, whose
   ASCII tail is not the name), the file passes.  Configured runners and factories,
   which resolution also matches through re-exports (``Resolver.canonical``), need only
   be spelled as a whole word.

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

from flake8_asyncio_run.import_lines import import_name_bytes
from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.resolution import KNOWN_RUNNERS, METHOD_FACTORIES, factory_names
from flake8_asyncio_run.rules import RULES, Rule

_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
#: ``from .x import`` and ``from . import``, at the start of a line or after ``;``.
_RELATIVE_IMPORT = re.compile(rb"(?:^|[;\n])[ \t\f]*from[ \t\f\\\r\n]+\.", re.M)


@dataclass(frozen=True)
class _Pair:
    """One module root and the names a file must be able to reach through it."""

    root: bytes
    #: (last part, the parts right before it): last parts that must be reachable as
    #: the analysis resolves names, from-imported from ``root…`` or spelled as an
    #: attribute of a name that can stand for the module they are in: ``run`` with
    #: ``asyncio`` and ``runners`` (``asyncio.run``, ``asyncio.runners.run``).
    strict: tuple[tuple[bytes, frozenset[bytes]], ...]
    #: Last part -> the modules a ``from`` import must name to bring it
    #: (``asyncio``, ``asyncio.runners``; ``from redis import Redis`` is not
    #: ``redis.asyncio.Redis``).
    modules: tuple[tuple[bytes, frozenset[bytes]], ...] = ()
    #: Last parts for which the whole word is enough: configured names, which the
    #: analysis also matches through re-exports (``Resolver.canonical``).
    loose: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class _Test:
    """The compiled test for one set of runners and triggers."""

    #: None when every file must pass.
    pairs: tuple[_Pair, ...] | None

    #: The last parts of the configured runners and factories, which a relative
    #: import may bring in.
    relative: tuple[bytes, ...] = ()

    def passes(self, data: bytes) -> bool:
        if self.pairs is None:
            return True
        imported = import_name_bytes(data)
        for pair in self.pairs:
            if pair.root not in imported:
                continue
            if any(_has_word(data, name) for name in pair.loose):
                return True
            if _reachable(data, pair):
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


#: Blanks and backslash continuations: what may separate the words of a ``from``
#: statement outside brackets.
_GAP = rb"(?:[ \t\f]|\\(?:\r\n|\n|\r))"
#: What may separate the parts of a dotted name: inside brackets line breaks too.
_SPACE_BYTES = b" \t\f\r\n\\"
#: ``name = value`` (not ``==``, ``+=``, ``:=``...) and ``x as name``: the bindings
#: that can make ``name`` an alias the analysis follows (an ``as`` of an import, a
#: simple assignment of a name or an attribute).
_ASSIGNED = re.compile(rb"(?<![=!<>+\-*/%&|^@:~])=(?!=)")
_AS = re.compile(rb"(?<![A-Za-z0-9_])as[ \t\f\r\n\\]+([A-Za-z0-9_]*)")


#: Stands for a word with non-ASCII characters in a bound value.
_NON_ASCII = b"\x80"


class _Unknown(Exception):
    """Raised when the text around a name is too odd to judge: the file passes."""


def _reachable(data: bytes, pair: _Pair) -> bool:
    """Whether one of ``pair.strict`` can be named as the analysis resolves it: a
    ``from root… import`` brings it (or ``*``), or it is spelled as an attribute
    ``base.name`` whose base is a module its dotted name has right before it, or an
    alias of one.  (The analysis resolves ``x.name`` to ``Q.name`` where ``Q`` is what
    ``x`` stands for, and ``Q`` ends with the word bound by ``as``, the value's last
    word, or ``x`` itself when an import binds it.)"""
    present = [(name, bases) for name, bases in pair.strict if _has_word(data, name)]
    if not present:
        return False
    wanted = dict(pair.modules)
    if _from_imported(data, pair.root, {name: wanted[name] for name, _ in present}):
        return True
    try:
        seen = [(_attribute_bases(data, name), bases) for name, bases in present]
        if any(found & bases for found, bases in seen):
            return True
        if not any(found for found, _ in seen):
            return False
        bindings = _bindings(data)
        return any(found & _aliases(bindings, bases) for found, bases in seen if found)
    except _Unknown:
        return True


@lru_cache(maxsize=64)
def _from_statement(root: bytes) -> re.Pattern[bytes]:
    return re.compile(
        rb"from" + _GAP + b"+(" + re.escape(root) + rb"(?![A-Za-z0-9_])"
        rb"(?:" + _GAP + rb"*\." + _GAP + rb"*[A-Za-z0-9_]+)*)" + _GAP + rb"+import"
        rb"(?![A-Za-z0-9_])"
    )


def _from_imported(data: bytes, root: bytes, names: dict[bytes, frozenset[bytes]]) -> bool:
    """A ``from module import`` whose list holds one of ``names`` (or ``*``), for one
    of the modules that name is in."""
    statement = _from_statement(root)
    at = data.find(b"from")
    while at >= 0:
        match = statement.match(data, at) if not at or data[at - 1] not in b"._" else None
        at = data.find(b"from", at + 4)
        if match is None or not _is_word_at(data, match.start(), match.start() + 4):
            continue
        module = bytes(c for c in match.group(1) if c not in _SPACE_BYTES)
        listed = _import_list(data, match.end())
        for name, modules in names.items():
            if module in modules and (b"*" in listed or _has_word(listed, name)):
                return True
    return False


def _import_list(data: bytes, at: int) -> bytes:
    """The names of the import statement whose list starts at ``at``: to the closing
    parenthesis (comments skipped: they may hold one), else to the end of the line."""
    while at < len(data) and data[at] in _SPACE_BYTES:
        at += 1
    if data[at : at + 1] != b"(":
        end = at
        while end < len(data) and data[end] not in b"\n\r;#":
            end += 3 if data.startswith(b"\\\r\n", end) else 2 if data[end] == 92 else 1
        return data[at:end]
    end = at + 1
    while end < len(data) and data[end] != 41:  # ")"
        end = _line_end(data, end) if data[end] == 35 else end + 1  # "#"
    return data[at:end]


def _line_end(data: bytes, at: int) -> int:
    ends = [i for i in (data.find(b"\n", at), data.find(b"\r", at)) if i >= 0]
    return min(ends) if ends else len(data)


def _attribute_bases(data: bytes, name: bytes) -> set[bytes]:
    """The words right before ``.name`` wherever ``name`` is spelled as an attribute
    (``asyncio . run``, ``asyncio.\\`` then ``run``, a line break inside brackets)."""
    bases: set[bytes] = set()
    at = data.find(name)
    while at >= 0:
        if _is_word_at(data, at, at + len(name)):
            dot = _skip_back(data, at)
            if dot and data[dot - 1] == 46:  # "."
                bases.add(_word_before(data, _skip_back(data, dot - 1)))
        at = data.find(name, at + 1)
    bases.discard(b"")  # ``f().run``, ``"x".run``: no name the analysis resolves
    return bases


def _skip_back(data: bytes, at: int) -> int:
    """``at`` moved back over blanks, line breaks and backslashes.  Crossing a line
    break into a line with a ``#`` is given up: a comment may sit in between."""
    start = at
    while at and data[at - 1] in _SPACE_BYTES:
        at -= 1
    if at != start and (b"\n" in data[at:start] or b"\r" in data[at:start]):
        line = max(data.rfind(b"\n", 0, at), data.rfind(b"\r", 0, at)) + 1
        if b"#" in data[line:at]:
            raise _Unknown
    return at


def _word_before(data: bytes, end: int) -> bytes:
    """The identifier ending at ``end``; one with non-ASCII characters is unknown (an
    alias ``αio``: its ASCII tail is not the name)."""
    start = end
    while start and data[start - 1] in _WORD_BYTES:
        start -= 1
    if start and data[start - 1] >= 0x80:
        raise _Unknown
    return data[start:end]


def _bindings(data: bytes) -> list[tuple[bytes, bytes]]:
    """(name, the last word of what it is bound to) for ``x as name`` and ``name =
    value``: ``(aio, asyncio)`` for ``import asyncio as aio``, ``(r, runners)`` for
    ``r = asyncio.runners``.  A name with non-ASCII characters needs no care: a use of
    it as a base is unknown anyway (``_word_before``)."""
    bindings = []
    for match in _AS.finditer(data):
        source = _skip_back(data, match.start())
        bindings.append((match.group(1), _word_before(data, source)))
    for match in _ASSIGNED.finditer(data):
        target = match.start()
        while target and data[target - 1] in _SPACE_BYTES:
            target -= 1
        start = target
        while start and data[start - 1] in _WORD_BYTES:
            start -= 1
        bindings.append((data[start:target], _last_dotted(data, match.end())))
    return [(name, value) for name, value in bindings if name and value]


def _aliases(bindings: list[tuple[bytes, bytes]], bases: frozenset[bytes]) -> set[bytes]:
    """``bases`` and the names bound to them, and to those (``a = aio``)."""
    known = set(bases)
    grew = True
    while grew:
        grew = False
        for name, value in bindings:
            if name not in known and (value in known or value == _NON_ASCII):
                known.add(name)
                grew = True
    return known


def _last_dotted(data: bytes, at: int) -> bytes:
    """The last word of the dotted name starting at ``at`` (past blanks, brackets and
    comments): ``runners`` in ``r = (asyncio  # x`` ... ``.runners)``."""
    word = b""
    while True:
        at = _skip_forward(data, at)
        start = at
        while at < len(data) and data[at] in _WORD_BYTES:
            at += 1
        if at < len(data) and data[at] >= 0x80:
            return _NON_ASCII  # an identifier with non-ASCII characters: a yes
        word = data[start:at]
        at = _skip_forward(data, at)
        if not word or data[at : at + 1] != b".":
            return word
        at += 1


def _skip_forward(data: bytes, at: int) -> int:
    while at < len(data):
        if data[at] in _SPACE_BYTES or data[at] == 40:  # "("
            at += 1
        elif data[at] == 35:  # "#"
            at = _line_end(data, at)
        else:
            break
    return at


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
    loose = {name for name in configured if name}
    # A method factory (``aioboto3.Session().client``) resolves only through what made
    # its object: the file must reach ``aioboto3.Session``.
    methods = {f"{made_by}.{method}": made_by for made_by, method in METHOD_FACTORIES}
    dotted = {methods.get(name, name) for name in [*KNOWN_RUNNERS, *runners, *triggers]}
    strict: dict[str, dict[bytes, set[bytes]]] = {}
    modules: dict[str, dict[bytes, set[bytes]]] = {}
    loose_names: dict[str, set[bytes]] = {}
    for name in sorted(dotted | loose):
        parts = name.split(".")
        if not (name and all(parts)):
            continue
        last = parts[-1].encode("utf-8")
        if name in loose or len(parts) == 1:
            loose_names.setdefault(parts[0], set()).add(last)
        else:
            before = strict.setdefault(parts[0], {}).setdefault(last, set())
            before.add(parts[-2].encode("utf-8"))
            module = ".".join(parts[:-1]).encode("utf-8")
            modules.setdefault(parts[0], {}).setdefault(last, set()).add(module)
    relative = sorted({name.rpartition(".")[2] for name in loose})
    roots = sorted({*strict, *loose_names})
    return _Test(
        tuple(
            _Pair(
                root.encode("utf-8"),
                tuple((n, frozenset(b)) for n, b in sorted(strict.get(root, {}).items())),
                modules=tuple((n, frozenset(m)) for n, m in sorted(modules.get(root, {}).items())),
                loose=tuple(sorted(loose_names.get(root, ()))),
            )
            for root in roots
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


def identifier_form(data: bytes) -> bytes | None:
    """``data`` as Python reads its identifiers, for an ASCII word test: itself when no
    NFKC fold can change an ASCII word in it, else its NFKC form; None when it is not
    UTF-8 (a coding cookie may name a codec that spells ASCII differently)."""
    if data.isascii():
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if unicodedata.is_normalized("NFKC", text) or not any(
        _folds_to_ascii_word(c) for c in set(text) if not c.isascii()
    ):
        return data
    return unicodedata.normalize("NFKC", text).encode("utf-8", "surrogatepass")


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
