"""What the analysis of one file needs from its project."""

from __future__ import annotations

from dataclasses import dataclass

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

    @property
    def words(self) -> frozenset[str]:
        """What the prefilter must also let through (``ProjectIndex.words``)."""
        return self.index.words

    @property
    def needs_factories(self) -> bool:
        """Whether the prefilter must let a factory call through: not when the index,
        built from this very text, found no global of the module that a task reaches
        (then its factory calls cannot give a finding)."""
        return not self.trusted or self.name.name in self.index.reached_modules


def prefilter_hints(context: ModuleContext | None) -> tuple[frozenset[str], bool]:
    """The project's part of the prefilter, as its ``words`` and ``factories``
    arguments: the index's words, and whether factory calls count (no project: none,
    and they do)."""
    if context is None:
        return frozenset(), True
    return context.words, context.needs_factories
