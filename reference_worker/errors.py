"""Exceptions of the reference worker.

Every failure a job can meet has its own type and a one-line message that says what went
wrong and with which input, so that RQ's failed-job registry is readable on its own.
"""

from __future__ import annotations


class ReferenceWorkerError(Exception):
    """Base class of every error raised on purpose by the reference worker."""


class ConfigError(ReferenceWorkerError):
    """A required setting is missing or malformed."""


class InvalidJobArguments(ReferenceWorkerError, ValueError):
    """The job was enqueued with arguments it can never succeed with."""


class InvalidPhotoKey(InvalidJobArguments):
    """The photo key is empty, absolute, contains NUL, or escapes the store."""


class PhotoNotFound(ReferenceWorkerError):
    """The store has no photo under the key."""


class PhotoTooLarge(ReferenceWorkerError):
    """The photo is bigger than the configured limit."""


class InvalidImage(ReferenceWorkerError):
    """The bytes are not an image in a format we accept."""


class FraudLensError(ReferenceWorkerError):
    """FraudLens failed, timed out, or answered something we cannot use."""


class CommandError(ReferenceWorkerError):
    """A command of ``python -m reference_worker`` cannot go on (printed on one line)."""
