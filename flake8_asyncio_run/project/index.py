"""The project index: every module's facts, and what follows from all of them.

``role`` answers the analysis's one cross-module question about a call (is it a
pass-through or an entry?), ``reach`` the one about a cached global (can a coroutine
that runs on a fresh event loop get to it?).  Both are computed once per index, on
first use.  Names are compared after ``canonical``, which follows re-exports
(``from .async_utils import run_sync`` in a package's ``__init__``) and module aliases.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from functools import cached_property

from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.project.facts import FunctionFacts, ModuleFacts
from flake8_asyncio_run.project.reach import Reach, find_reach, reaching_functions
from flake8_asyncio_run.project.roles import find_roles
from flake8_asyncio_run.project.words import SourcedWords, sourced
from flake8_asyncio_run.resolution import Role, RunnerKind, runner_table

#: How many re-exports ``canonical`` follows before it gives up (a cycle).
_MAX_HOPS = 16


class ProjectIndex:
    def __init__(
        self,
        modules: Iterable[ModuleFacts],
        options: AnalysisOptions,
        other_names: Mapping[str, str] | None = None,
    ) -> None:
        """``other_names``: further dotted names a module is imported by (the part of
        its path below the nearest directory that is no package) -> its name."""
        self.modules: dict[str, ModuleFacts] = {m.name: m for m in modules}
        self.options = options
        self._module_names = dict(other_names or {})
        self._module_names.update((name, name) for name in self.modules)
        self.functions: dict[str, FunctionFacts] = {}
        self.module_of: dict[str, str] = {}
        for module in self.modules.values():
            for function in module.functions:
                self.functions[function.name] = function
                self.module_of[function.name] = module.name
        self.runners: dict[str, RunnerKind] = runner_table(options.runners)
        self._canonical: dict[str, str] = {}

    def replaced(self, facts: ModuleFacts, other_names: Mapping[str, str] = {}) -> ProjectIndex:
        """This index with one module's facts replaced (an editor's buffer, a file
        outside the walk); itself when they are the same."""
        if self.modules.get(facts.name) == facts:
            return self
        modules = dict(self.modules)
        modules[facts.name] = facts
        names = {k: v for k, v in self._module_names.items() if k != v}
        names.update(other_names)
        return ProjectIndex(modules.values(), self.options, names)

    # Names ----------------------------------------------------------------------------
    def canonical(self, name: str) -> str:
        found = self._canonical.get(name)
        if found is None:
            found = self._canonical[name] = self._follow(name)
        return found

    def _follow(self, name: str) -> str:
        for _ in range(_MAX_HOPS):
            module, rest = self._split(name)
            if module is None or not rest:
                return name
            first, _, tail = rest.partition(".")
            alias = self.modules[module].aliases.get(first)
            resolved = f"{module}.{rest}"
            if alias is None or alias == f"{module}.{first}":
                return resolved
            name = f"{alias}.{tail}" if tail else alias
        return name

    def _split(self, name: str) -> tuple[str | None, str]:
        """(the module ``name`` lies in, the rest), by the longest module prefix."""
        parts = name.split(".")
        for end in range(len(parts), 0, -1):
            module = self._module_names.get(".".join(parts[:end]))
            if module is not None:
                return module, ".".join(parts[end:])
        return None, name

    # What follows from every module ------------------------------------------------------
    @cached_property
    def roles(self) -> dict[str, Role]:
        return find_roles(self.functions, self.runners, self.canonical)

    def role(self, name: str) -> Role | None:
        if not self.roles:
            return None
        return self.roles.get(self.canonical(name))

    @cached_property
    def _cached(self) -> frozenset[str]:
        return frozenset(
            f"{module.name}.{name}"
            for module in self.modules.values()
            for cached in module.cached
            for name in cached.names
        )

    @cached_property
    def _reach(self) -> dict[str, Reach]:
        if not self._cached:
            return {}
        jobs = [job for module in self.modules.values() for job in module.jobs]
        return find_reach(
            self.functions,
            self.module_of,
            jobs,
            self._cached,
            self.roles,
            self.runners,
            self.canonical,
        )

    @cached_property
    def reached_modules(self) -> frozenset[str]:
        """The modules with a cached global that an entry point reaches."""
        return frozenset(name.rpartition(".")[0] for name in self._reach)

    def reach(self, module: str, name: str) -> Reach | None:
        return self._reach.get(f"{module}.{name}")

    @cached_property
    def words(self) -> SourcedWords:
        """Names a module must spell to matter to the others when the text prefilter
        let it go (``check``'s prefilter): the functions with a role, the cached
        globals and the functions that read them, each with the modules it can be
        imported from (``project.words``)."""
        readers = {
            function.name
            for function in self.functions.values()
            if any(self.canonical(read) in self._cached for read in function.reads)
        }
        return self._sourced(self.roles.keys() | self._cached | readers)

    @cached_property
    def summary_words(self) -> SourcedWords:
        """Names a module must spell to be summarised when the rules' prefilter let it
        go (``build``): those of ``words``, and of every function along a chain
        ``reach`` can walk, so that a coroutine between a task and the function that
        reads a cached global (``task -> handler -> repository -> get_pool``) is
        summarised wherever it lives."""
        if not self._cached:
            return self.words
        reaching = reaching_functions(self.functions, self.module_of, self._cached, self.canonical)
        return self._sourced(self.roles.keys() | self._cached | reaching)

    def _sourced(self, targets: AbstractSet[str]) -> SourcedWords:
        """The words that name ``targets`` (absolute names), with their modules: a
        function's last part (and its class's name, for ``Repo()`` and
        ``Repo.create``), a cached global's name, and every module alias that
        stands for one of them (a re-export, renamed or not)."""
        pairs: list[tuple[str, str]] = []
        for name in targets:
            module = self.module_of.get(name)
            if module is None:  # a cached global: ``module.name``
                module = name.rpartition(".")[0]
            owner, _, last = name.rpartition(".")
            pairs.append((last, module))
            if owner != module:
                pairs.append((owner.rpartition(".")[2], module))
        for facts in self.modules.values():
            for alias, value in facts.aliases.items():
                if self.canonical(value) in targets:
                    pairs.append((alias, facts.name))
        return sourced(pairs)
