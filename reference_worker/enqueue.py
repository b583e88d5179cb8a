"""Putting analysis jobs on the RQ queue."""

from __future__ import annotations

from rq import Queue, Retry
from rq.job import Job

from reference_worker.pipeline import PhotoJob

#: Retries with back-off for transient faults (FraudLens down, a dropped DB connection).
#: Intervals need a worker started with ``--with-scheduler``, as ``python -m
#: reference_worker worker`` does.
DEFAULT_RETRY = Retry(max=3, interval=[10, 30, 60])
DEFAULT_JOB_TIMEOUT = 120

TASK = "reference_worker.tasks.analyze_photo_task"
PERSISTENT_TASK = "reference_worker.persistent.analyze_photo_persistent_task"


def enqueue_analysis(
    queue: Queue,
    photo_key: str,
    user_id: int,
    chat_id: int,
    *,
    retry: Retry | None = DEFAULT_RETRY,
    job_timeout: int = DEFAULT_JOB_TIMEOUT,
    task: str = TASK,
) -> Job:
    """Enqueue one photo.  Arguments are checked here too, so bad jobs never reach Redis."""
    job = PhotoJob.create(photo_key, user_id, chat_id)
    return queue.enqueue(
        task,
        job.photo_key,
        job.user_id,
        job.chat_id,
        retry=retry,
        job_timeout=job_timeout,
        description=f"analyze photo {job.photo_key!r} for user {job.user_id}",
    )
