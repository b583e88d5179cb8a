"""The six-stage photo analysis, as one coroutine.

:func:`analyze_photo` opens every loop-bound resource (the asyncpg pool, the httpx client),
runs the stages, and closes the resources, all inside one event loop.  The synchronous RQ
task runs it with exactly one ``asyncio.run()``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from reference_worker.config import Settings
from reference_worker.errors import InvalidJobArguments
from reference_worker.fraudlens import FraudLensClient, Verification
from reference_worker.repository import AnalysisRepository, OutboxRepository, open_pool
from reference_worker.store import LocalPhotoStore, PhotoStore, check_photo_key
from reference_worker.validate import validate_image

log = logging.getLogger("reference_worker.stages")

STAGES = ("download", "validate", "verify", "save", "message", "notify")
INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class PhotoJob:
    photo_key: str
    user_id: int
    chat_id: int

    @classmethod
    def create(cls, photo_key: object, user_id: object, chat_id: object) -> PhotoJob:
        """Check the arguments; pure, so a bad job is rejected before any I/O."""
        key = check_photo_key(photo_key)
        if isinstance(user_id, bool) or not isinstance(user_id, int):
            raise InvalidJobArguments(f"user_id must be an int, not {type(user_id).__name__}")
        if not 0 < user_id <= INT64_MAX:
            raise InvalidJobArguments(f"user_id must be a positive 64-bit int, got {user_id}")
        if isinstance(chat_id, bool) or not isinstance(chat_id, int):
            raise InvalidJobArguments(f"chat_id must be an int, not {type(chat_id).__name__}")
        if chat_id == 0 or not -INT64_MAX <= chat_id <= INT64_MAX:
            raise InvalidJobArguments(f"chat_id must be a non-zero 64-bit int, got {chat_id}")
        return cls(key, user_id, chat_id)


@dataclass
class Resources:
    """The loop-bound things one pipeline run uses.  Valid only inside their loop."""

    store: PhotoStore
    fraudlens: FraudLensClient
    pool: asyncpg.Pool
    max_photo_bytes: int
    analyses: AnalysisRepository = field(init=False)
    outbox: OutboxRepository = field(init=False)

    def __post_init__(self) -> None:
        self.analyses = AnalysisRepository(self.pool)
        self.outbox = OutboxRepository(self.pool)


@asynccontextmanager
async def open_resources(settings: Settings) -> AsyncIterator[Resources]:
    """Open the pool and the HTTP client in the running loop; close both on the way out."""
    async with AsyncExitStack() as stack:
        pool = await stack.enter_async_context(open_pool(settings.database_url))
        fraudlens = await stack.enter_async_context(
            FraudLensClient.open(settings.fraudlens_url, timeout=settings.fraudlens_timeout)
        )
        yield Resources(
            store=LocalPhotoStore(settings.photo_dir, max_bytes=settings.max_photo_bytes),
            fraudlens=fraudlens,
            pool=pool,
            max_photo_bytes=settings.max_photo_bytes,
        )


@dataclass(frozen=True)
class PipelineResult:
    photo_key: str
    analysis_id: str
    user_tier: str
    verdict: str
    score: float
    notification_id: int
    message: str
    #: Milliseconds per stage, keyed by :data:`STAGES` (plus ``setup`` when measured).
    timings_ms: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        """The RQ job result: plain data, safe for any serializer."""
        return {
            "photo_key": self.photo_key,
            "analysis_id": self.analysis_id,
            "user_tier": self.user_tier,
            "verdict": self.verdict,
            "score": self.score,
            "notification_id": self.notification_id,
            "timings_ms": dict(self.timings_ms),
        }


def build_message(tier: str, analysis_id: str, verification: Verification) -> str:
    """Stage 5: pro users get the details, free users a summary."""
    headline = f"TruthSnap verdict: {verification.verdict.upper()}"
    if tier == "pro":
        reasons = "\n".join(f"- {reason}" for reason in verification.reasons) or "- none given"
        return (
            f"{headline} (score {verification.score:.3f})\nAnalysis {analysis_id}\nWhy:\n{reasons}"
        )
    return f"{headline}\nUpgrade to TruthSnap Pro to see the score and the reasons."


class _Stage:
    """Times one stage and logs its line in the post-mortem's format."""

    def __init__(self, number: int, timings: dict[str, float]) -> None:
        self.number = number
        self.timings = timings
        self.started = time.perf_counter()

    def done(self, summary: str, **fields: object) -> None:
        elapsed = (time.perf_counter() - self.started) * 1000
        self.timings[STAGES[self.number - 1]] = elapsed
        details = "".join(f" | {name}={value}" for name, value in fields.items())
        log.info(
            "[Worker] STAGE %d/%d: %s in %dms%s",
            self.number,
            len(STAGES),
            summary,
            round(elapsed),
            details,
        )


async def run_pipeline(job: PhotoJob, res: Resources) -> PipelineResult:
    """The six stages, on resources that belong to the running loop."""
    timings: dict[str, float] = {}

    stage = _Stage(1, timings)
    data = await res.store.download(job.photo_key)
    stage.done("Downloaded photo", photo_key=repr(job.photo_key), bytes=len(data))

    stage = _Stage(2, timings)
    image = validate_image(data, max_bytes=res.max_photo_bytes)
    stage.done("Validated image", format=image.format, sha256=image.sha256[:16])

    stage = _Stage(3, timings)
    verification = await res.fraudlens.verify_photo(
        data, sha256=image.sha256, content_type=image.content_type
    )
    stage.done(
        "Verified with FraudLens",
        verdict=verification.verdict,
        score=f"{verification.score:.3f}",
    )

    stage = _Stage(4, timings)
    saved = await res.analyses.save_and_get_tier(
        photo_key=job.photo_key,
        user_id=job.user_id,
        chat_id=job.chat_id,
        image=image,
        verification=verification,
    )
    stage.done("Saved analysis to DB", analysis_id=saved.analysis_id, user_tier=saved.user_tier)

    stage = _Stage(5, timings)
    message = build_message(saved.user_tier, saved.analysis_id, verification)
    stage.done("Built message", user_tier=saved.user_tier, chars=len(message))

    stage = _Stage(6, timings)
    queued = await res.outbox.enqueue(
        analysis_id=saved.analysis_id, chat_id=job.chat_id, message=message
    )
    stage.done(
        "Queued notification" if queued.created else "Notification already queued",
        notification_id=queued.notification_id,
        chat_id=job.chat_id,
    )

    return PipelineResult(
        photo_key=job.photo_key,
        analysis_id=saved.analysis_id,
        user_tier=saved.user_tier,
        verdict=verification.verdict,
        score=verification.score,
        notification_id=queued.notification_id,
        message=message,
        timings_ms=timings,
    )


async def analyze_photo(job: PhotoJob, settings: Settings) -> PipelineResult:
    """Open the resources, run the stages, close the resources: one loop, start to end."""
    started = time.perf_counter()
    async with open_resources(settings) as res:
        setup_ms = (time.perf_counter() - started) * 1000
        result = await run_pipeline(job, res)
    result.timings_ms["setup"] = setup_ms
    result.timings_ms["total"] = (time.perf_counter() - started) * 1000
    return result
