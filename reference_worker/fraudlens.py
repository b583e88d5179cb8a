"""Stage 3: the FraudLens HTTP client.

The client wraps an :class:`httpx.AsyncClient`, which is bound to the event loop that first
uses it.  Open it with ``async with FraudLensClient.open(...)`` inside the job's coroutine;
never keep one in a module global.
"""

from __future__ import annotations

import functools
import math
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from reference_worker.errors import FraudLensError

VERIFY_PATH = "/v1/verify"
VERDICTS = ("authentic", "suspicious", "manipulated")


@dataclass(frozen=True)
class Verification:
    score: float
    verdict: str
    reasons: tuple[str, ...]


def parse_verification(payload: Any) -> Verification:
    """Check FraudLens's answer strictly: a bad answer must not be stored as a verdict."""
    if not isinstance(payload, dict):
        raise FraudLensError(f"FraudLens answered a {type(payload).__name__}, not an object")
    score = payload.get("score")
    verdict = payload.get("verdict")
    reasons = payload.get("reasons")
    if (
        isinstance(score, bool)
        or not isinstance(score, (int, float))
        or not math.isfinite(score)
        or not 0.0 <= score <= 1.0
    ):
        raise FraudLensError(f"FraudLens score must be a number in [0, 1], got {score!r}")
    if verdict not in VERDICTS:
        raise FraudLensError(f"FraudLens verdict must be one of {VERDICTS}, got {verdict!r}")
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        raise FraudLensError("FraudLens reasons must be a list of strings")
    return Verification(score=float(score), verdict=verdict, reasons=tuple(reasons))


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS settings, built once per process.

    Loading the CA bundle costs about 40 ms (200 ms the first time in a process), which
    would otherwise be paid by every job.  An ``SSLContext`` is not bound to an event loop,
    so unlike the client itself it is safe to share across jobs and loops.
    """
    return httpx.create_ssl_context()


class FraudLensClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    @classmethod
    @asynccontextmanager
    async def open(cls, base_url: str, *, timeout: float) -> AsyncIterator[FraudLensClient]:
        """A client whose connections are closed when the block ends."""
        async with httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout),
            verify=tls_context(),
            headers={"User-Agent": "truthsnap-reference-worker"},
        ) as http:
            yield cls(http)

    async def verify_photo(self, data: bytes, *, sha256: str, content_type: str) -> Verification:
        url = self._http.base_url.join(VERIFY_PATH)
        try:
            response = await self._http.post(
                VERIFY_PATH,
                content=data,
                headers={"Content-Type": content_type, "X-Content-SHA256": sha256},
            )
        except httpx.TimeoutException:
            timeout = self._http.timeout.read
            raise FraudLensError(f"FraudLens timed out after {timeout}s (POST {url})") from None
        except httpx.HTTPError as exc:
            raise FraudLensError(f"FraudLens request failed (POST {url}): {exc}") from None
        if response.status_code != 200:
            body = response.text[:200].replace("\n", " ")
            status = response.status_code
            raise FraudLensError(f"FraudLens returned HTTP {status} (POST {url}): {body}")
        try:
            payload = response.json()
        except ValueError:
            raise FraudLensError(f"FraudLens answered invalid JSON (POST {url})") from None
        return parse_verification(payload)
