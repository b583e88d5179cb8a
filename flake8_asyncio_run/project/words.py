"""The names a module must spell to matter across modules, each with where it comes from.

A function with a role, a cached global or a function on the way to one is named in
another module only through an import statement: either the name itself is imported
(``from app.db import get_pool``, ``from . import get_pool``), or the module that
defines it, or one that re-exports it, is (``from app import db``, ``import app.db``,
``from .db import x``; then ``db.get_pool()``).  So a module that spells ``get_pool``
but has neither ``get_pool`` nor ``db`` (nor a re-exporting module's last part) in the
lines of an import statement, and is not ``db`` itself, cannot name
``app.db.get_pool``.  Generic names of entries (``main``, ``run``, ``start``) would
otherwise make half of a large project worth a parse.  The test reads raw text: a
string or a comment that spells ``import`` only adds names, so it can say yes where
there is no import, never no where there is one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from flake8_asyncio_run.import_lines import import_names
from flake8_asyncio_run.prefilter import has_any_word, identifier_form


@dataclass(frozen=True)
class SourcedWords:
    #: word -> the names of the modules that define or re-export it.
    sources: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.sources)

    @property
    def words(self) -> frozenset[str]:
        return frozenset(self.sources)

    @property
    def pairs(self) -> frozenset[str]:
        """``"word module"`` for every word and one of its modules: what a skipped
        module was checked for (the cache keeps them), so that a module found later to
        re-export a word makes the modules spelling both worth a look again."""
        return frozenset(f"{w} {m}" for w, modules in self.sources.items() for m in modules)

    @cached_property
    def _by_module(self) -> dict[str, set[str]]:
        """The last part of a module's name -> the words it is a source of."""
        found: dict[str, set[str]] = {}
        for word, modules in self.sources.items():
            for module in modules:
                found.setdefault(module.rpartition(".")[2], set()).add(word)
        return found

    def nameable(self, data: bytes, own: str = "") -> frozenset[str]:
        """The words a module with text ``data`` can name (``own``: its own name,
        whose words it names without an import)."""
        form = identifier_form(data)
        if form is None:
            return frozenset(w for w in self.sources if has_any_word(data, (w,)))
        imported = import_names(form)
        candidates = {w for w in self.sources if w in imported or own in self.sources[w]}
        for name in imported:
            candidates.update(self._by_module.get(name, ()))
        return frozenset(w for w in candidates if w in imported or has_any_word(form, (w,)))

    def any_pair_in(
        self, data: bytes, pairs: Iterable[str], imported: frozenset[str] | None = None
    ) -> bool:
        """Whether a module with text ``data`` (none of the modules named in
        ``pairs``) can name the word of one of ``pairs`` from its module.
        ``imported``: its ``import_names``, when the caller has them."""
        form = identifier_form(data)
        if form is None:
            return any(has_any_word(data, (p.partition(" ")[0],)) for p in pairs)
        if imported is None:
            imported = import_names(form)
        for pair in pairs:
            word, _, module = pair.partition(" ")
            if word in imported:
                return True
            if module.rpartition(".")[2] in imported and has_any_word(form, (word,)):
                return True
        return False


def sourced(pairs: Iterable[tuple[str, str]]) -> SourcedWords:
    """``SourcedWords`` from (word, module's dotted name) pairs."""
    found: dict[str, set[str]] = {}
    for word, module in pairs:
        found.setdefault(word, set()).add(module)
    return SourcedWords({w: frozenset(m) for w, m in found.items()})
