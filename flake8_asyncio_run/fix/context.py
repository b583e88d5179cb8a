"""What every planner step needs to know about the file being fixed."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from flake8_asyncio_run.fix.cells import cell_markers
from flake8_asyncio_run.fix.locate import Located
from flake8_asyncio_run.fix.walk import descendants
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
    #: The lines of the file's ``# %%`` cell markers (``cells``).
    markers: tuple[int, ...] = ()
    #: The text is a notebook's cells: the top level may ``await``.
    in_notebook: bool = False

    @classmethod
    def create(
        cls,
        text: str,
        located: Located,
        target: tuple[int, int],
        django: bool,
        path: str = "",
        in_notebook: bool = False,
    ) -> FileContext:
        return cls(
            text,
            LineIndex(text),
            located,
            target,
            django,
            path,
            set(located.names),
            cell_markers(text),
            in_notebook,
        )

    @property
    def module(self) -> cst.Module:
        return self.located.module

    #: Names handed out at module level (globals: no new name anywhere may be one).
    module_names: set[str] = field(default_factory=set)
    #: id(function) -> the names its text spells, and the names handed out in it (the
    #: module-level names count too: ``module_level_names``).
    scope_names: dict[int, set[str]] = field(default_factory=dict)
    _module_level: set[str] | None = None

    def fresh(self, base: str, scope: cst.CSTNode | None = None) -> str:
        """A new name: ``base``, else ``base_2``...  Inside a function (``scope``) it
        must clash with no name that function's text spells (nested scopes included),
        no name the module's own statements spell (its globals) and no global handed
        out, so that unrelated functions each get ``runner``; at module level, with no
        identifier of the file."""
        # The module-level names are looked up, not copied into every function's set:
        # those copies were quadratic in memory in a file of many functions (issue 15).
        outer: set[str] = set()
        if scope is None or isinstance(scope, cst.Module):
            taken, handed = self.taken, self.module_names
        else:
            known = self.scope_names.get(id(scope))
            if known is None:
                known = spelled_names(scope)
                self.scope_names[id(scope)] = known
            taken = handed = known
            outer = self.module_level_names
        name, number = base, 2
        while name in taken or name in self.module_names or name in outer:
            name, number = f"{base}_{number}", number + 1
        taken.add(name)
        handed.add(name)
        return name

    @property
    def module_level_names(self) -> set[str]:
        """The names spelled at module level outside function and class bodies: every
        global the module binds is among them."""
        if self._module_level is None:
            found: set[str] = set()
            for statement in self.module.body:
                if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                    found.add(statement.name.value)
                    for decorator in statement.decorators:
                        found |= spelled_names(decorator)
                else:
                    found |= spelled_names(statement)
            self._module_level = found
        return self._module_level

    def boundaries(self, scope: cst.CSTNode) -> tuple[int, ...]:
        """The cell markers a region of ``scope`` must not take in: a module-level
        region's; none in a function, which runs as a whole."""
        return self.markers if isinstance(scope, cst.Module) else ()

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)


def spelled_names(node: cst.CSTNode) -> set[str]:
    """Every ``Name`` in the node's subtree (a function, with its nested scopes)."""
    # ``walk.descendants`` reads the fields; ``CSTNode.children`` rebuilds every node
    # it passes, which was a third of the planner's time.
    return {node.value for node in descendants(node) if type(node) is cst.Name}
