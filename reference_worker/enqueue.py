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


def purge_queue(queue: Queue) -> None:
    """Delete a queue with its jobs, their results and its registries.

    For throwaway queues (tests, the demo, benchmarks).  ``Queue.delete`` alone leaves
    finished and failed jobs behind, and failed ones are kept for a year by default.
    """
    registries = [
        queue.started_job_registry,
        queue.finished_job_registry,
        queue.failed_job_registry,
        queue.deferred_job_registry,
        queue.scheduled_job_registry,
        queue.canceled_job_registry,
    ]
    job_ids = set(queue.get_job_ids())
    for registry in registries:
        job_ids.update(registry.get_job_ids(cleanup=False))
    for job_id in job_ids:
        job = queue.fetch_job(job_id)
        if job is not None:
            job.delete(remove_from_queue=False, delete_dependents=True)
    queue.connection.delete(*(registry.key for registry in registries))
    queue.delete(delete_jobs=True)
