"""Stages 4 and 6: PostgreSQL through asyncpg.

An asyncpg pool, and every connection in it, is bound to the event loop that created it.
:func:`open_pool` is an async context manager for use inside the job's coroutine; nothing
here is cached in a module global.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources

import asyncpg

from reference_worker.fraudlens import Verification
from reference_worker.validate import ImageInfo

APPLICATION_NAME = "truthsnap-worker"
TIERS = ("free", "pro")


def schema_sql() -> str:
    return resources.files("reference_worker").joinpath("schema.sql").read_text("utf-8")


@asynccontextmanager
async def open_pool(
    dsn: str, *, min_size: int = 1, max_size: int = 2, command_timeout: float = 30.0
) -> AsyncIterator[asyncpg.Pool]:
    """A pool that lives exactly as long as the ``async with`` block (and its loop)."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        command_timeout=command_timeout,
        server_settings={"application_name": APPLICATION_NAME},
    )
    try:
        yield pool
    finally:
        await pool.close()


async def apply_schema(conn: asyncpg.Connection) -> None:
    """Create the tables if they are missing.  Safe to run any number of times."""
    async with conn.transaction():
        # Serialise concurrent init-db runs: CREATE ... IF NOT EXISTS can still race.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('truthsnap-schema'))")
        await conn.execute(schema_sql())


def new_analysis_id() -> str:
    return f"ANL-{secrets.token_hex(8).upper()}"


@dataclass(frozen=True)
class SavedAnalysis:
    analysis_id: str
    user_tier: str
    #: False when a row for this photo already existed (a retried or repeated job).
    created: bool


class AnalysisRepository:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def save_and_get_tier(
        self,
        *,
        photo_key: str,
        user_id: int,
        chat_id: int,
        image: ImageInfo,
        verification: Verification,
    ) -> SavedAnalysis:
        """Store the analysis (one row per photo key) and read the user's tier, atomically."""
        async with self._pool.acquire() as conn, conn.transaction():
            tier = await conn.fetchval(
                "SELECT subscription_tier FROM users WHERE user_id = $1", user_id
            )
            user_tier = tier if tier in TIERS else "free"
            row = await conn.fetchrow(
                """
                INSERT INTO analyses (
                    analysis_id, photo_key, user_id, chat_id, content_sha256, image_format,
                    size_bytes, score, verdict, reasons, user_tier
                )
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11)
                ON CONFLICT (photo_key) DO UPDATE SET
                    user_id = EXCLUDED.user_id,
                    chat_id = EXCLUDED.chat_id,
                    content_sha256 = EXCLUDED.content_sha256,
                    image_format = EXCLUDED.image_format,
                    size_bytes = EXCLUDED.size_bytes,
                    score = EXCLUDED.score,
                    verdict = EXCLUDED.verdict,
                    reasons = EXCLUDED.reasons,
                    user_tier = EXCLUDED.user_tier,
                    attempts = analyses.attempts + 1,
                    updated_at = now()
                RETURNING analysis_id, (xmax = 0) AS created
                """,
                new_analysis_id(),
                photo_key,
                user_id,
                chat_id,
                image.sha256,
                image.format,
                image.size_bytes,
                verification.score,
                verification.verdict,
                json.dumps(list(verification.reasons)),
                user_tier,
            )
        return SavedAnalysis(row["analysis_id"], user_tier, bool(row["created"]))


@dataclass(frozen=True)
class QueuedNotification:
    notification_id: int
    #: False when the message for this analysis was already in the outbox.
    created: bool


class OutboxRepository:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def enqueue(self, *, analysis_id: str, chat_id: int, message: str) -> QueuedNotification:
        """Put the message in the outbox once per analysis; a retry finds the existing one."""
        async with self._pool.acquire() as conn:
            notification_id = await conn.fetchval(
                """
                INSERT INTO notifications (analysis_id, chat_id, message)
                VALUES ($1, $2, $3)
                ON CONFLICT (analysis_id) DO NOTHING
                RETURNING notification_id
                """,
                analysis_id,
                chat_id,
                message,
            )
            if notification_id is not None:
                return QueuedNotification(notification_id, True)
            existing = await conn.fetchval(
                "SELECT notification_id FROM notifications WHERE analysis_id = $1", analysis_id
            )
        return QueuedNotification(existing, False)


async def set_user_tier(conn: asyncpg.Connection, user_id: int, tier: str) -> None:
    """Create or update a user (for the demo, tests and admin scripts)."""
    if tier not in TIERS:
        raise ValueError(f"tier must be one of {TIERS}, got {tier!r}")
    await conn.execute(
        """
        INSERT INTO users (user_id, subscription_tier) VALUES ($1, $2)
        ON CONFLICT (user_id) DO UPDATE SET subscription_tier = EXCLUDED.subscription_tier
        """,
        user_id,
        tier,
    )
