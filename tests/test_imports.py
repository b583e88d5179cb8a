"""No import cycles inside the package.

Every module of ``flake8_asyncio_run/`` is parsed with ``ast``; the graph has an edge for
each import of a package module, at the top level or inside a function (the lazy imports
that keep libcst out of ``check`` count too: a cycle through one is still two modules
that need each other).  ``from flake8_asyncio_run.fix import pipeline`` is an edge to the
submodule ``fix.pipeline``, ``from flake8_asyncio_run.fix import fix_text`` one to the
package ``fix``; relative imports are resolved.  Imports under ``if TYPE_CHECKING:`` never
run and are left out.  Strongly connected components (Tarjan) then find any cycle, and
the failure names it with the import lines that make it.
"""

from __future__ import annotations

import ast
import itertools
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "flake8_asyncio_run"
PACKAGE_DIR = Path(__file__).resolve().parents[1] / PACKAGE


@dataclass(frozen=True)
class Import:
    target: str
    where: str  # "path:line"
    lazy: bool


def module_names(package_dir: Path, package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file under ``package_dir``."""
    names: dict[str, Path] = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = [package, *path.relative_to(package_dir).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(
    body: list[ast.stmt], lazy: bool = False
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement, and whether it sits inside a function (a class body runs
    at import time, so its imports count as top level)."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, lazy
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _import_nodes(node.orelse, lazy)
            continue
        for name, value in ast.iter_fields(node):
            if name == "decorator_list" or not isinstance(value, list):
                continue
            statements = [child for child in value if isinstance(child, ast.stmt)]
            if statements:
                inner = lazy or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                yield from _import_nodes(statements, inner)
            for child in value:
                if isinstance(child, ast.ExceptHandler | ast.match_case):
                    yield from _import_nodes(child.body, lazy)


def _owner(name: str, modules: dict[str, Path]) -> str | None:
    """The longest known module that ``name`` is or lives in."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _resolve_from(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module if is_package else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        base = base.rpartition(".")[0]
    return f"{base}.{node.module}" if node.module else base


def import_graph(package_dir: Path, package: str) -> dict[str, dict[str, Import]]:
    """module -> {imported package module -> the first import of it}."""
    modules = module_names(package_dir, package)
    graph: dict[str, dict[str, Import]] = {name: {} for name in modules}
    for module, path in modules.items():
        tree = ast.parse(path.read_text("utf-8"), str(path))
        is_package = path.name == "__init__.py"
        for node, lazy in _import_nodes(tree.body):
            if isinstance(node, ast.Import):
                targets = [_owner(alias.name, modules) for alias in node.names]
            else:
                source = _resolve_from(node, module, is_package)
                targets = [
                    _owner(f"{source}.{alias.name}", modules)
                    if f"{source}.{alias.name}" in modules
                    else _owner(source, modules)
                    for alias in node.names
                ]
            where = f"{path.relative_to(package_dir.parent).as_posix()}:{node.lineno}"
            for target in targets:
                if target is not None and target != module:
                    graph[module].setdefault(target, Import(target, where, lazy))
    return graph


def strongly_connected(graph: dict[str, dict[str, Import]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative); the components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def one_cycle(graph: dict[str, dict[str, Import]], component: list[str]) -> list[str]:
    """A shortest cycle through the component's first module, as a closed path."""
    start, members = component[0], set(component)
    paths = {start: [start]}
    queue = [start]
    for node in queue:
        for child in sorted(graph[node]):
            if child == start:
                return [*paths[node], start]
            if child in members and child not in paths:
                paths[child] = [*paths[node], child]
                queue.append(child)
    raise AssertionError(f"no cycle through {start}")  # a component always has one


def describe(graph: dict[str, dict[str, Import]], cycle: list[str]) -> str:
    lines = [" -> ".join(cycle)]
    for importer, imported in itertools.pairwise(cycle):
        edge = graph[importer][imported]
        kind = "inside a function" if edge.lazy else "at the top level"
        lines.append(f"  {edge.where}: {importer} imports {imported} ({kind})")
    return "\n".join(lines)


def cycles(package_dir: Path, package: str) -> list[str]:
    graph = import_graph(package_dir, package)
    return [describe(graph, one_cycle(graph, c)) for c in strongly_connected(graph)]


def test_the_package_has_no_import_cycle() -> None:
    found = cycles(PACKAGE_DIR, PACKAGE)
    assert not found, "import cycle in the package:\n" + "\n".join(found)


# --- The checker itself -----------------------------------------------------------------


def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), "utf-8")
    return root / "pkg"


def test_the_graph_sees_every_import_form(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "__init__.py": "from pkg.sub import leaf\n",
            "a.py": "import pkg.b\nfrom pkg.sub import helper\n",
            "b.py": "def f():\n    from . import c\n",
            "c.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.a\n"
                "class K:\n    from .sub.leaf import x\n"
                "try:\n    pass\nexcept ImportError:\n    from .. import outside\n"
            ),
            "sub/__init__.py": "def helper(): ...\n",
            "sub/leaf.py": "from ..a import thing\n",
        },
    )
    graph = import_graph(package, "pkg")
    edges = {m: {t: e.lazy for t, e in targets.items()} for m, targets in graph.items()}
    assert edges == {
        "pkg": {"pkg.sub.leaf": False},
        "pkg.a": {"pkg.b": False, "pkg.sub": False},
        "pkg.b": {"pkg.c": True},
        "pkg.c": {"pkg.sub.leaf": False},
        "pkg.sub": {},
        "pkg.sub.leaf": {"pkg.a": False},
    }


def test_a_cycle_through_a_lazy_import_is_reported(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "__init__.py": "",
            "cli.py": "def main():\n    from pkg.fix.command import run\n",
            "fix/__init__.py": "",
            "fix/command.py": "from pkg.cli import EXIT_CLEAN\n",
            "other.py": "import pkg.cli\n",
        },
    )
    assert cycles(package, "pkg") == [
        "pkg.cli -> pkg.fix.command -> pkg.cli\n"
        "  pkg/cli.py:2: pkg.cli imports pkg.fix.command (inside a function)\n"
        "  pkg/fix/command.py:1: pkg.fix.command imports pkg.cli (at the top level)"
    ]
