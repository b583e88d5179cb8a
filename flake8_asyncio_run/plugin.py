"""The flake8 plugin.  It must stay cheap: no libcst, and a text prefilter before any
tree walk, so files that cannot start an event loop cost a few substring searches.  The
analysis is imported on first use, so a run over files without runners never loads it.

flake8 hands a plugin one file at a time, but findings depend on the rest of the
project (a wrapper in ``utils.py``, a pool in ``db.py``): each flake8 process loads the
project index once, from ``.flake8-asyncio-run-cache/`` where files did not change."""

from __future__ import annotations

import argparse
import ast
import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from flake8_asyncio_run import __version__
from flake8_asyncio_run.config import DEFAULT_EXCLUDE, ConfigError, normalize, pyproject_table
from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.prefilter import might_run_event_loops

if TYPE_CHECKING:
    from flake8_asyncio_run.project.registry import Projects


class Plugin:
    name = "flake8-asyncio-run"
    version = __version__

    options: ClassVar[AnalysisOptions] = AnalysisOptions()
    excludes: ClassVar[tuple[str, ...]] = ()
    use_cache: ClassVar[bool] = True
    _projects: ClassVar[Projects | None] = None

    def __init__(self, tree: ast.Module, lines: list[str], filename: str = "-") -> None:
        self._tree = tree
        self._lines = lines
        self._filename = filename

    @staticmethod
    def add_options(manager: Any) -> None:
        manager.add_option(
            "--asyncio-runners",
            default=None,
            parse_from_config=True,
            comma_separated_list=True,
            help="Dotted names of functions that run an event loop per call "
            "(e.g. myproj.utils.run_sync). Overrides [tool.flake8-asyncio-run].",
        )
        manager.add_option(
            "--loop-bound-factories",
            default=None,
            parse_from_config=True,
            comma_separated_list=True,
            help="Dotted names of callables creating loop-bound resources, for ARO201. "
            "Overrides [tool.flake8-asyncio-run].",
        )
        manager.add_option(
            "--asyncio-run-no-cache",
            action="store_true",
            default=False,
            help="Build the project index in memory, without .flake8-asyncio-run-cache/ "
            "(as 'cache = false' in [tool.flake8-asyncio-run]).",
        )

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        # flake8 does not read pyproject.toml, so we read our table ourselves; flake8's
        # own config and command line (already merged by flake8) override it key by key.
        # The whole table is checked (an unknown key, a bad code or target-version is an
        # error here too), though only the analysis options, cache and excludes are used:
        # flake8's own options handle selection.
        try:
            table, source = pyproject_table(Path.cwd())
            values = normalize(table, source)
        except ConfigError as error:
            # A configuration error, as for the other front ends: exit 2, one line.
            print(f"flake8-asyncio-run: error: {error}", file=sys.stderr)
            raise SystemExit(2) from error
        runners = values.get("runners", ())
        factories = values.get("factories", ())
        if options.asyncio_runners is not None:
            runners = tuple(options.asyncio_runners)
        if options.loop_bound_factories is not None:
            factories = tuple(options.loop_bound_factories)
        cls.options = AnalysisOptions(tuple(runners), tuple(factories))
        cls.excludes = (
            *values.get("exclude", DEFAULT_EXCLUDE),
            *values.get("extend_exclude", ()),
        )
        cls.use_cache = values.get("cache", True) and not options.asyncio_run_no_cache
        cls._projects = None
        cls._prepare_working_project()

    @classmethod
    def _prepare_working_project(cls) -> None:
        """Load (or build) the index of the project around the working directory now,
        in flake8's main process: the workers flake8 forks for ``-j N`` inherit it,
        where each would otherwise load it again (a second of CPU apiece on a project
        of 10,000 files).  Files of another project still get theirs on first use."""
        from flake8_asyncio_run.project.layout import project_root

        here = os.getcwd()
        if project_root(here) is not None:
            cls.projects().project(here)
            # The index lives as long as the process: out of the collector's sight, it
            # costs flake8's many collections nothing, and forked workers share its pages
            # instead of copying them when a collection would touch them.
            gc.freeze()

    @classmethod
    def projects(cls) -> Projects:
        """This process's project indexes, made on first use."""
        if cls._projects is None:
            from flake8_asyncio_run.project.registry import Projects

            cls._projects = Projects(cls.options, cls.excludes, (), cls.use_cache)
        return cls._projects

    def run(self) -> Iterator[tuple[int, int, str, type[Plugin]]]:
        text = "".join(self._lines)
        context = None
        if self._filename not in ("-", "stdin") and os.path.exists(self._filename):
            context = self.projects().context(self._filename)
        from flake8_asyncio_run.project.context import prefilter_hints

        if not might_run_event_loops(text, self.options, *prefilter_hints(context, text)):
            return
        from flake8_asyncio_run.analysis import analyze_tree, lone_context
        from flake8_asyncio_run.lines import split_lines

        context = context or lone_context(self._filename, self.options)
        analysis = analyze_tree(self._tree, split_lines(text), self.options, context)
        for finding in analysis.findings:
            yield (
                finding.span.line,
                finding.span.col,
                f"{finding.code} {finding.message}",
                type(self),
            )
