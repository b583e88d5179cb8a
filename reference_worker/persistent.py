"""Stretch: a worker that keeps one event loop and one pool for its whole life.

``analyze_photo_task`` opens a pool and an HTTP client per job.  That is always correct,
but connecting costs time on every job.  :class:`PersistentLoopWorker` is an RQ
``SimpleWorker`` (jobs run in the worker process, one after another) that owns one event
loop, opened once, and the resources opened on it.  Its jobs,
:func:`analyze_photo_persistent_task`, run the pipeline coroutine on that loop: no new loop
per job, no new connections per job.

Run it with::

    rq worker -w reference_worker.persistent.PersistentLoopWorker truthsnap
    python -m reference_worker worker --persistent

and enqueue :func:`analyze_photo_persistent_task` (``enqueue --persistent``).  Under any
other worker the task falls back to :func:`reference_worker.tasks.analyze_photo_task`.

Why it is safe: the loop is only ever run from the worker's main thread, one job at a time,
and nothing bound to it leaves the worker object.  A job that times out or fails has its
task cancelled and drained before the next job starts; a pool connection that PostgreSQL
dropped is replaced by the pool on the next acquire.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from typing import Any, TypeVar

from rq import Queue, SimpleWorker
from rq.job import Job

from reference_worker.config import Settings
from reference_worker.pipeline import PhotoJob, Resources, open_resources, run_pipeline
from reference_worker.tasks import analyze_photo_task, ensure_stage_logging

T = TypeVar("T")


class LoopRuntime:
    """One event loop, and the resources opened on it, owned by one thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self._stack = AsyncExitStack()
        try:
            self.resources: Resources = self.run(
                self._stack.enter_async_context(open_resources(settings))
            )
        except BaseException:
            self.loop.close()
            raise

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` to completion on the loop.  If it is interrupted (RQ's job timeout
        raises inside it), cancel and drain it so the loop is clean for the next job."""
        task = self.loop.create_task(coro)
        try:
            return self.loop.run_until_complete(task)
        except BaseException:
            if not task.done():
                task.cancel()
                # Drain it; the original error is the one worth raising.
                with contextlib.suppress(BaseException):
                    self.loop.run_until_complete(task)
            raise

    def close(self) -> None:
        try:
            self.run(self._stack.aclose())
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.run_until_complete(self.loop.shutdown_default_executor())
        finally:
            self.loop.close()


_current_worker: contextvars.ContextVar[PersistentLoopWorker | None] = contextvars.ContextVar(
    "reference_worker_persistent_worker", default=None
)


def analyze_photo_persistent_task(photo_key: str, user_id: int, chat_id: int) -> dict[str, Any]:
    """The job for :class:`PersistentLoopWorker`: the same pipeline, on the worker's loop."""
    job = PhotoJob.create(photo_key, user_id, chat_id)
    worker = _current_worker.get()
    if worker is None:
        # Not under PersistentLoopWorker: one loop for this job, like the default task.
        return analyze_photo_task(job.photo_key, job.user_id, job.chat_id)
    runtime = worker.runtime()
    result = runtime.run(run_pipeline(job, runtime.resources))
    return result.as_dict()


class PersistentLoopWorker(SimpleWorker):
    """A ``SimpleWorker`` with one event loop and one pool per worker process."""

    _runtime: LoopRuntime | None = None

    def runtime(self) -> LoopRuntime:
        """The worker's loop and resources, opened by the first job that needs them (so a
        settings or connection error fails that job with a clear message)."""
        if self._runtime is None:
            ensure_stage_logging()
            self._runtime = LoopRuntime(Settings.from_env())
        return self._runtime

    def execute_job(self, job: Job, queue: Queue) -> None:
        token = _current_worker.set(self)
        try:
            super().execute_job(job, queue)
        finally:
            _current_worker.reset(token)

    def teardown(self) -> None:
        try:
            if self._runtime is not None:
                runtime, self._runtime = self._runtime, None
                runtime.close()
        finally:
            super().teardown()
