"""Command line: ``python -m reference_worker {init-db,enqueue,worker,demo}``.

Configuration comes from the environment (see :data:`ENVIRONMENT`, shown by ``--help``).
A missing or bad value is reported on one line, exit status 2.

This module needs only the standard library, so that ``--help`` works everywhere and a
missing ``worker`` extra is reported on one line (exit status 2) instead of as a
traceback.  The commands themselves are in :mod:`reference_worker.commands`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from reference_worker import QUEUE_NAME

#: The ``worker`` extra of pyproject.toml, by import name.
WORKER_EXTRA = ("rq", "redis", "asyncpg", "httpx")
INSTALL_HINT = "pip install -e '.[worker]'"

#: Every variable the commands (and their jobs) read, with what it is for.
ENVIRONMENT = (
    ("DATABASE_URL", "PostgreSQL, e.g. postgresql://postgres@127.0.0.1:5432/truthsnap"),
    ("REDIS_URL", "the RQ broker, e.g. redis://127.0.0.1:6379/0"),
    ("FRAUDLENS_URL", "the FraudLens API, e.g. http://127.0.0.1:8081"),
    ("TRUTHSNAP_PHOTO_DIR", "an existing directory that holds the photos, by key"),
    ("TRUTHSNAP_QUEUE", f"the RQ queue (default: {QUEUE_NAME})"),
    ("TRUTHSNAP_MAX_PHOTO_BYTES", "the largest photo accepted (default: 20 MiB)"),
    ("FRAUDLENS_TIMEOUT", "seconds to wait for FraudLens (default: 10)"),
)

#: The variables each command reads itself (jobs read theirs in the worker).
COMMAND_ENVIRONMENT = {
    "init-db": ("DATABASE_URL",),
    "enqueue": ("REDIS_URL", "TRUTHSNAP_QUEUE"),
    "worker": tuple(name for name, _ in ENVIRONMENT),
    "demo": ("DATABASE_URL", "REDIS_URL"),
}

DEMO_NOTE = (
    "demo starts throwaway PostgreSQL and Redis servers (the 'test' extra) when "
    "DATABASE_URL or REDIS_URL is unset, and its own FraudLens and photo directory."
)


def _environment_help(names: Sequence[str]) -> str:
    width = max(len(name) for name in names)
    described = dict(ENVIRONMENT)
    lines = [f"  {name:<{width}}  {described[name]}" for name in names]
    return "environment variables:\n" + "\n".join(lines)


def missing_worker_modules() -> list[str]:
    """The modules of the ``worker`` extra that cannot be imported."""
    missing = []
    for name in WORKER_EXTRA:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def build_parser() -> argparse.ArgumentParser:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="python -m reference_worker",
        description="TruthSnap reference RQ worker.",
        epilog=_environment_help([name for name, _ in ENVIRONMENT])
        + f"\n\nThe commands need the 'worker' extra: {INSTALL_HINT}",
        formatter_class=raw,
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, summary: str, epilog: str = "") -> argparse.ArgumentParser:
        text = _environment_help(COMMAND_ENVIRONMENT[name])
        return sub.add_parser(
            name,
            help=summary,
            description=summary[0].upper() + summary[1:] + ".",
            epilog=text + (f"\n\n{epilog}" if epilog else ""),
            formatter_class=raw,
        )

    command("init-db", "create the tables (idempotent)")

    enqueue = command("enqueue", "queue one photo for analysis")
    enqueue.add_argument("photo", metavar="PHOTO", help="the photo's key in the photo store")
    enqueue.add_argument("--user", type=int, required=True, help="the TruthSnap user id")
    enqueue.add_argument("--chat", type=int, required=True, help="the chat to notify")
    enqueue.add_argument(
        "--persistent", action="store_true", help="enqueue the persistent-loop task"
    )
    enqueue.add_argument("--no-retry", action="store_true", help="do not retry on failure")

    worker = command(
        "worker",
        f"run `rq worker` on the {QUEUE_NAME} queue",
        "The settings are checked before the worker starts: a missing one, or a "
        "TRUTHSNAP_PHOTO_DIR\nthat is not a directory, exits with status 2.",
    )
    worker.add_argument("--burst", action="store_true", help="quit when the queue is empty")
    kind = worker.add_mutually_exclusive_group()
    kind.add_argument("--simple", action="store_true", help="run jobs in-process (no fork)")
    kind.add_argument(
        "--persistent", action="store_true", help="one event loop and pool per process"
    )
    worker.add_argument("--max-jobs", type=int, default=0, help="stop after this many jobs")

    command("demo", "start everything and run a few photos end to end", DEMO_NOTE)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    missing = missing_worker_modules()
    if missing:
        print(
            f"error: the reference worker needs the 'worker' extra ({', '.join(missing)} "
            f"not installed); from the repository root: {INSTALL_HINT}",
            file=sys.stderr,
        )
        return 2

    from reference_worker import commands
    from reference_worker.errors import ReferenceWorkerError

    func: Callable[[argparse.Namespace], int] = getattr(
        commands, "cmd_" + args.command.replace("-", "_")
    )
    try:
        return func(args)
    except ReferenceWorkerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
