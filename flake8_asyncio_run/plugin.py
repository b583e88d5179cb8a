"""The flake8 plugin.  It must stay cheap: no libcst, and a text prefilter before any
tree walk, so files that cannot start an event loop cost a few substring searches.  The
analysis is imported on first use, so a run over files without runners never loads it."""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from flake8_asyncio_run import __version__
from flake8_asyncio_run.config import ConfigError, normalize, pyproject_table
from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.prefilter import might_run_event_loops


class Plugin:
    name = "flake8-asyncio-run"
    version = __version__

    options: ClassVar[AnalysisOptions] = AnalysisOptions()

    def __init__(self, tree: ast.Module, lines: list[str]) -> None:
        self._tree = tree
        self._lines = lines

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

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        # flake8 does not read pyproject.toml, so we read our table ourselves; flake8's
        # own config and command line (already merged by flake8) override it key by key.
        try:
            table, source = pyproject_table(Path.cwd())
            values = normalize(table, source, ("asyncio-runners", "loop-bound-factories"))
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

    def run(self) -> Iterator[tuple[int, int, str, type[Plugin]]]:
        text = "".join(self._lines)
        if not might_run_event_loops(text, self.options):
            return
        from flake8_asyncio_run.analysis import analyze_tree
        from flake8_asyncio_run.lines import split_lines

        analysis = analyze_tree(self._tree, split_lines(text), self.options)
        for finding in analysis.findings:
            yield (
                finding.span.line,
                finding.span.col,
                f"{finding.code} {finding.message}",
                type(self),
            )
