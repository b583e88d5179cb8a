"""What every planner step needs to know about the file being fixed."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from flake8_asyncio_run.fix.locate import Located
from flake8_asyncio_run.lines import LineIndex


@dataclass
class FileContext:
    text: str
    lines: LineIndex
    located: Located
    target: tuple[int, int]
    django: bool
    #: The file's path as the user named it (test code gets unsafe loop fixes).
    path: str = ""
    #: Every identifier in the file (any scope) and every name handed out, so that a
    #: new name clashes with nothing.  (Regions using ``eval``/``exec`` get no fix.)
    taken: set[str] = field(default_factory=set)

    @classmethod
    def create(
        cls, text: str, located: Located, target: tuple[int, int], django: bool, path: str = ""
    ) -> FileContext:
        return cls(text, LineIndex(text), located, target, django, path, set(located.names))

    @property
    def module(self) -> cst.Module:
        return self.located.module

    def fresh(self, base: str) -> str:
        name, number = base, 2
        while name in self.taken:
            name, number = f"{base}_{number}", number + 1
        self.taken.add(name)
        return name

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)
