"""Settings read from the environment, with one-line errors for missing or bad values."""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from reference_worker import QUEUE_NAME
from reference_worker.errors import ConfigError

DEFAULT_MAX_PHOTO_BYTES = 20 * 1024 * 1024
DEFAULT_FRAUDLENS_TIMEOUT = 10.0

_DATABASE_SCHEMES = ("postgresql", "postgres")
_REDIS_SCHEMES = ("redis", "rediss", "unix")
_HTTP_SCHEMES = ("http", "https")


def _required(env: Mapping[str, str], name: str, example: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is not set (example: {name}={example})")
    return value


def _url(env: Mapping[str, str], name: str, schemes: tuple[str, ...], example: str) -> str:
    value = _required(env, name, example)
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        raise ConfigError(f"{name} is not a valid URL: {exc}") from None
    if parts.scheme not in schemes:
        allowed = ", ".join(f"{scheme}://" for scheme in schemes)
        raise ConfigError(f"{name} must start with one of {allowed} (got {_redact(value)!r})")
    if parts.scheme in _HTTP_SCHEMES and not parts.hostname:
        raise ConfigError(f"{name} has no host (got {value!r})")
    return value


def _redact(url: str) -> str:
    """The URL without its password, for error messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable>"
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def _positive_number(env: Mapping[str, str], name: str, default: float, kind: type) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a positive {kind.__name__} (got {raw!r})") from None
    if value <= 0:
        raise ConfigError(f"{name} must be a positive {kind.__name__} (got {raw!r})")
    return float(value)


def dsn_with_schema(dsn: str, schema: str) -> str:
    """``dsn`` with ``schema`` first in its search_path (libpq's ``options`` parameter)."""
    if not schema.isidentifier():
        raise ValueError(f"schema must be a plain identifier, got {schema!r}")
    parts = urlsplit(dsn)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "options"]
    query.append(("options", f"-csearch_path={schema}"))
    return parts._replace(query=urlencode(query)).geturl()


def database_url(env: Mapping[str, str] | None = None) -> str:
    """``DATABASE_URL``: where the analyses, users and outbox live."""
    return _url(
        os.environ if env is None else env,
        "DATABASE_URL",
        _DATABASE_SCHEMES,
        "postgresql://postgres@127.0.0.1:5432/truthsnap",
    )


def redis_url(env: Mapping[str, str] | None = None) -> str:
    """``REDIS_URL``: the RQ broker."""
    return _url(
        os.environ if env is None else env, "REDIS_URL", _REDIS_SCHEMES, "redis://127.0.0.1:6379/0"
    )


def queue_name(env: Mapping[str, str] | None = None) -> str:
    """``TRUTHSNAP_QUEUE``: the RQ queue name, ``truthsnap`` by default."""
    value = (os.environ if env is None else env).get("TRUTHSNAP_QUEUE", "").strip()
    return value or QUEUE_NAME


@dataclass(frozen=True)
class Settings:
    """Everything one job needs.  Read it per job: it is cheap and picks up new values."""

    database_url: str
    fraudlens_url: str
    photo_dir: Path
    max_photo_bytes: int = DEFAULT_MAX_PHOTO_BYTES
    fraudlens_timeout: float = DEFAULT_FRAUDLENS_TIMEOUT

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        photo_dir = Path(_required(env, "TRUTHSNAP_PHOTO_DIR", "/var/lib/truthsnap/photos"))
        if not photo_dir.exists():
            raise ConfigError(
                f"TRUTHSNAP_PHOTO_DIR does not exist: {str(photo_dir)!r} "
                f"(create it: mkdir -p {shlex.quote(str(photo_dir))})"
            )
        if not photo_dir.is_dir():
            raise ConfigError(f"TRUTHSNAP_PHOTO_DIR is not a directory: {str(photo_dir)!r}")
        return cls(
            database_url=database_url(env),
            fraudlens_url=_url(env, "FRAUDLENS_URL", _HTTP_SCHEMES, "http://127.0.0.1:8081"),
            photo_dir=photo_dir,
            max_photo_bytes=int(
                _positive_number(env, "TRUTHSNAP_MAX_PHOTO_BYTES", DEFAULT_MAX_PHOTO_BYTES, int)
            ),
            fraudlens_timeout=_positive_number(
                env, "FRAUDLENS_TIMEOUT", DEFAULT_FRAUDLENS_TIMEOUT, float
            ),
        )
