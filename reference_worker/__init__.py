"""TruthSnap reference worker: one event loop per RQ job, every loop-bound resource inside it.

The job is :func:`reference_worker.tasks.analyze_photo_task`.  See ``docs/reference-worker.md``
for why it is written the way it is.
"""

from __future__ import annotations

__all__ = ["QUEUE_NAME"]

#: The RQ queue the worker listens on (``TRUTHSNAP_QUEUE`` overrides it).
QUEUE_NAME = "truthsnap"
