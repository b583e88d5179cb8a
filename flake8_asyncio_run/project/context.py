"""What the analysis of one file needs from its project."""

from __future__ import annotations

from dataclasses import dataclass

from flake8_asyncio_run.prefilter import identifier_form
from flake8_asyncio_run.project.cache import digest
from flake8_asyncio_run.project.index import ProjectIndex
from flake8_asyncio_run.project.layout import ModuleName


@dataclass(frozen=True)
class ModuleContext:
    index: ProjectIndex
    name: ModuleName
    #: The index was built from the very text analysed (``check`` and flake8 read the
    #: file the index read); False for an editor's buffer or standard input, whose
    #: facts then replace the module's in the index.
    trusted: bool = True
    #: The digest of the bytes the index read, when it found that the prefilter must
    #: say no to them (``Project.quiet``).
    quiet_digest: str | None = None

    def skips(self, data: bytes) -> bool:
        """Whether the prefilter would say no to ``data``, known without a look: they
        are the very bytes the index found quiet."""
        return self.quiet_digest is not None and digest(data) == self.quiet_digest

    def words_for(self, source: str | bytes) -> frozenset[str]:
        """What the prefilter must also let through in ``source`` (text, or the file's
        bytes): the index's words this module can name (``SourcedWords.nameable``);
        all of them for bytes that are not UTF-8, which may be in a codec that spells
        ASCII otherwise."""
        words = self.index.words
        if not words:
            return frozenset()
        data = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
        if identifier_form(data) is None:
            return words.words
        return words.nameable(data, self.name.name)

    @property
    def needs_factories(self) -> bool:
        """Whether the prefilter must let a factory call through: not when the index,
        built from this very text, found no global of the module that a task reaches
        (then its factory calls cannot give a finding)."""
        return not self.trusted or self.name.name in self.index.reached_modules


def prefilter_hints(
    context: ModuleContext | None, source: str | bytes
) -> tuple[frozenset[str], bool]:
    """The project's part of the prefilter for ``source``, as its ``words`` and
    ``factories`` arguments: the index's words this module can name, and whether
    factory calls count (no project: none, and they do)."""
    if context is None:
        return frozenset(), True
    return context.words_for(source), context.needs_factories
