"""The RQ job.

RQ calls :func:`analyze_photo_task` synchronously.  It makes exactly one ``asyncio.run()``
per call: one event loop that opens, uses and closes every loop-bound resource.  That is
correct under RQ's forking ``Worker`` (a fresh process per job) and under ``SimpleWorker``
(many jobs in one process), because no job leaves anything behind that a later loop could
touch.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

from reference_worker.config import Settings
from reference_worker.pipeline import PhotoJob, analyze_photo


def ensure_stage_logging() -> None:
    """Show the stage lines on stdout, next to RQ's own, when nobody configured logging
    (plain ``rq worker``)."""
    stage_log = logging.getLogger("reference_worker.stages")
    if stage_log.level == logging.NOTSET:
        stage_log.setLevel(logging.INFO)
    if not stage_log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        stage_log.addHandler(handler)


def analyze_photo_task(photo_key: str, user_id: int, chat_id: int) -> dict[str, Any]:
    """Analyse one photo end to end and queue the user's notification.

    Bad arguments raise :class:`~reference_worker.errors.InvalidJobArguments` before any
    I/O; bad settings raise :class:`~reference_worker.errors.ConfigError`.
    """
    job = PhotoJob.create(photo_key, user_id, chat_id)
    settings = Settings.from_env()
    ensure_stage_logging()
    result = asyncio.run(analyze_photo(job, settings))
    return result.as_dict()
