"""The ``flake8-asyncio-run`` command: ``check``, ``fix``, ``lsp`` and ``rule``.

Stdout carries only the payload (findings, a diff, fixed source, a machine format);
summaries and errors go to stderr.  Exit codes: 0 clean, 1 findings, 2 usage or I/O
errors, a standard output that cannot be written included; a closed pipe (``| head``)
is not an error, the run keeps its own code.

This module holds the parser and the dispatch; ``common`` what the commands share
(exit codes, settings, paths), ``check``, ``fix`` and ``rule`` one command each.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from flake8_asyncio_run import __version__
from flake8_asyncio_run.cli.check import run_check
from flake8_asyncio_run.cli.common import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    OutputError,
    UsageError,
    discard_stdout,
)
from flake8_asyncio_run.cli.reporting import add_report_options
from flake8_asyncio_run.cli.rule import add_rule_arguments, run_rule
from flake8_asyncio_run.config import TARGET_VERSIONS, ConfigError
from flake8_asyncio_run.output import FORMATS


def _add_selection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("selection and configuration")
    group.add_argument(
        "paths",
        nargs="*",
        default=["."],
        metavar="PATH",
        help="files or directories to check; '-' reads standard input",
    )
    group.add_argument("--select", help="comma-separated code prefixes to report (default: ARO)")
    group.add_argument("--extend-select", help="code prefixes to add to the selection")
    group.add_argument("--ignore", help="comma-separated code prefixes to leave out")
    group.add_argument("--extend-ignore", help="code prefixes to add to the ignore list")
    group.add_argument(
        "--per-file-ignores", help="flake8-style 'pattern:CODES' pairs, e.g. 'tests/*:ARO101'"
    )
    group.add_argument("--exclude", help="comma-separated globs replacing the default excludes")
    group.add_argument("--extend-exclude", help="comma-separated globs added to the excludes")
    group.add_argument(
        "--force-exclude",
        action="store_true",
        help="apply excludes to paths given explicitly too (for pre-commit)",
    )
    group.add_argument(
        "--stdin-filename",
        metavar="PATH",
        help="the name of the file read from '-', for messages and per-file-ignores",
    )
    group.add_argument(
        "--asyncio-runners",
        metavar="NAMES",
        help="comma-separated dotted names of functions that run an event loop",
    )
    group.add_argument(
        "--loop-bound-factories",
        metavar="NAMES",
        help="comma-separated dotted names of loop-bound resource factories",
    )
    group.add_argument(
        "--isolated", action="store_true", help="ignore pyproject.toml and flake8 config files"
    )
    group.add_argument(
        "--no-cache",
        action="store_true",
        default=None,
        help="build the project index in memory; do not read or write .flake8-asyncio-run-cache/",
    )
    group.add_argument(
        "--no-notebooks",
        action="store_true",
        default=None,
        help="leave Jupyter notebooks (*.ipynb) out of directory walks",
    )
    group.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        help="worker processes for large trees (default: CPU count)",
    )


class _IntermixedParser(argparse.ArgumentParser):
    """A command's parser that takes options between its paths, as flake8 and ruff do
    (``check app --exit-zero tools``): argparse's ``parse_args`` stops taking paths at
    the first option.  ``parse_known_intermixed_args`` does it in two passes, each of
    which (before Python 3.13) calls ``parse_known_args`` again: those go straight on."""

    _intermixing = False

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        if self._intermixing:
            return super().parse_known_args(args, namespace)
        self._intermixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        except TypeError:
            # What intermixing cannot parse (``rule``'s CODE or --all) is parsed as usual.
            return super().parse_known_args(args, namespace)
        finally:
            self._intermixing = False


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flake8-asyncio-run",
        description="Find and fix code that starts more than one event loop per synchronous entry.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_IntermixedParser
    )
    commands.required = True

    check = commands.add_parser("check", help="report findings")
    _add_selection_options(check)
    check.add_argument(
        "--output-format",
        choices=sorted(FORMATS),
        default="text",
        help="how to print the findings (default: text)",
    )
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    add_report_options(check, "check")
    adopting = check.add_argument_group("adopting the checks on existing code")
    adopting.add_argument(
        "--add-noqa",
        action="store_true",
        help="silence every finding: add or merge a '# noqa: CODE' comment on its line "
        "(prints no report, writes the files)",
    )
    adopting.add_argument(
        "--reason", metavar="TEXT", help="with --add-noqa: text written after the codes"
    )

    fix = commands.add_parser("fix", help="rewrite repeated event loops into one")
    _add_selection_options(fix)
    fix.add_argument("--diff", action="store_true", help="print a unified diff, write nothing")
    fix.add_argument("--unsafe-fixes", action="store_true", help="also apply unsafe fixes")
    fix.add_argument("--style", choices=("auto", "combine", "runner"), default="auto")
    fix.add_argument(
        "--target-version",
        choices=TARGET_VERSIONS,
        help="oldest Python the code supports (default: requires-python, "
        "else the running interpreter)",
    )
    fix.add_argument(
        "--exit-non-zero-on-fix",
        action="store_true",
        help="exit 1 when a file changed, even if no finding remains",
    )
    fix.add_argument(
        "--output-format",
        choices=sorted(FORMATS),
        default="text",
        help="with --diff: how to print the findings and their fixes (without --diff, only text)",
    )
    add_report_options(fix, "fix")

    commands.add_parser("lsp", help="run the language server on stdio (needs the 'lsp' extra)")
    add_rule_arguments(commands.add_parser("rule", help="explain a rule, or --all rules"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return run_check(args)
        if args.command == "fix":
            from flake8_asyncio_run.cli.fix import run_fix  # loads libcst

            return run_fix(args)
        if args.command == "rule":
            return run_rule(args)
        from flake8_asyncio_run.lsp import serve

        return serve()
    except (UsageError, ConfigError, OutputError) as error:
        print(f"flake8-asyncio-run: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # ``check`` and ``fix`` write through ``write_stdout``, which drops the rest of
        # the output quietly when the reader went away (``| head``) and lets the run
        # end with its own exit code.  Anything else writing to a closed pipe (the
        # language server's client gone) stops here, quietly too, and the interpreter
        # must not complain when it flushes stdout at exit.
        discard_stdout()
        return EXIT_FINDINGS
