"""The ``flake8-asyncio-run`` command: ``check``, ``fix`` and ``lsp``.

Stdout carries only the payload (findings, a diff, fixed source, a machine format);
summaries and errors go to stderr.  Exit codes: 0 clean, 1 findings, 2 usage or I/O
errors.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from flake8_asyncio_run import __version__
from flake8_asyncio_run.checker import FileResult, check_bytes, check_files
from flake8_asyncio_run.config import ConfigError, Settings, load_settings, normalize
from flake8_asyncio_run.discovery import is_force_excluded, iter_python_files
from flake8_asyncio_run.output import FORMATS, write_report

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    pass


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
        "--jobs",
        "-j",
        type=int,
        default=None,
        help="worker processes for large trees (default: CPU count)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flake8-asyncio-run",
        description="Find and fix code that starts more than one event loop per synchronous entry.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    check = commands.add_parser("check", help="report findings")
    _add_selection_options(check)
    check.add_argument("--output-format", choices=sorted(FORMATS), default="text")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")

    fix = commands.add_parser("fix", help="rewrite repeated event loops into one")
    _add_selection_options(fix)
    fix.add_argument("--diff", action="store_true", help="print a unified diff, write nothing")
    fix.add_argument("--unsafe-fixes", action="store_true", help="also apply unsafe fixes")
    fix.add_argument("--style", choices=("auto", "combine", "runner"), default="auto")
    fix.add_argument(
        "--target-version",
        choices=[f"py3{m}" for m in range(10, 15)],
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
        help="with --diff: how to print the findings and their fixes",
    )

    commands.add_parser("lsp", help="run the language server on stdio (needs the 'lsp' extra)")
    return parser


def _list(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(item.strip() for item in value.replace("\n", ",").split(",") if item.strip())


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Config files first, then the flags, which override them key by key."""
    settings = Settings() if args.isolated else load_settings(Path.cwd())
    flags = {
        "select": _list(args.select),
        "extend-select": _list(args.extend_select),
        "ignore": _list(args.ignore),
        "extend-ignore": _list(args.extend_ignore),
        "per-file-ignores": args.per_file_ignores,
        "exclude": _list(args.exclude),
        "extend-exclude": _list(args.extend_exclude),
        "asyncio-runners": _list(args.asyncio_runners),
        "loop-bound-factories": _list(args.loop_bound_factories),
        "target-version": getattr(args, "target_version", None),
    }
    return settings.merged(normalize(flags, "command line"), "command line")


def collect_paths(args: argparse.Namespace, settings: Settings) -> list[str]:
    if "-" in args.paths and len(args.paths) > 1:
        raise UsageError("'-' (standard input) cannot be combined with other paths")
    # lexists: a broken or looping symlink is there, and reading it says what it is.
    missing = [p for p in args.paths if p != "-" and not os.path.lexists(p)]
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    return list(iter_python_files(args.paths, settings.excludes, args.force_exclude))


def run_check(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    if args.paths == ["-"]:
        name = args.stdin_filename or "-"
        if (
            args.force_exclude
            and args.stdin_filename
            and is_force_excluded(name, settings.excludes)
        ):
            results: list[FileResult] = []
        else:
            results = [check_bytes(sys.stdin.buffer.read(), name, settings)]
    else:
        results = check_files(collect_paths(args, settings), settings, args.jobs)
    write_report(args.output_format, results, sys.stdout, settings=settings)
    return summarize(results, exit_zero=args.exit_zero)


def summarize(results: Sequence[FileResult], exit_zero: bool = False) -> int:
    errors = [r.error for r in results if r.error]
    for error in errors:
        print(f"flake8-asyncio-run: error: {error}", file=sys.stderr)
    count = sum(len(r.findings) for r in results)
    files = sum(1 for r in results if r.findings)
    if count:
        plural = "s" if count != 1 else ""
        print(
            f"Found {count} finding{plural} in {files} file{'s' if files != 1 else ''}.",
            file=sys.stderr,
        )
    if errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if count and not exit_zero else EXIT_CLEAN


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return run_check(args)
        if args.command == "fix":
            from flake8_asyncio_run.fix.command import run_fix

            return run_fix(args)
        from flake8_asyncio_run.lsp import serve

        return serve()
    except (UsageError, ConfigError) as error:
        print(f"flake8-asyncio-run: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, as Unix tools do, and keep
        # the interpreter from complaining when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FINDINGS
