"""A small, deterministic FraudLens server with controllable faults, for tests and the demo.

``POST /v1/verify`` takes the image bytes and answers ``{"score", "verdict", "reasons"}``,
computed from the bytes' SHA-256 only, so the same photo always gets the same verdict.

Faults are queued and each one is used by one request, in order:

* ``error``: answer HTTP 500;
* ``timeout``: hold the request for ``delay`` seconds (30 by default) and then drop it;
* ``slow``: wait ``delay`` seconds, then answer normally.

Queue them from Python (:meth:`FraudLensServer.inject`) or over HTTP with
``POST /_admin/faults`` and a JSON body ``{"kind": "error", "count": 1}``.
``GET /_admin/stats`` counts the requests.

Run it on its own with ``python -m reference_worker.fraudlens_server --port 8081``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import threading
from collections import deque
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Literal

FaultKind = Literal["error", "timeout", "slow"]
FAULT_KINDS: tuple[str, ...] = ("error", "timeout", "slow")
MAX_BODY = 64 * 1024 * 1024


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    delay: float = 30.0


def verdict_for(data: bytes) -> dict[str, Any]:
    """The deterministic answer for these bytes."""
    digest = hashlib.sha256(data).digest()
    score = round(int.from_bytes(digest[:4], "big") / 0xFFFFFFFF, 3)
    if score < 0.5:
        verdict, reasons = "authentic", ["consistent sensor noise", "intact metadata"]
    elif score < 0.8:
        verdict, reasons = "suspicious", ["recompressed more than once", "metadata stripped"]
    else:
        verdict, reasons = "manipulated", ["cloned regions", "lighting mismatch", "edited EXIF"]
    return {"score": score, "verdict": verdict, "reasons": reasons}


class FraudLensServer:
    """The server on a background thread.  Use as a context manager or call start/close."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._faults: deque[Fault] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self.stats = {"requests": 0, "verified": 0, "faults": 0}
        self._httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def inject(self, kind: FaultKind, *, count: int = 1, delay: float = 30.0) -> None:
        """Make the next ``count`` requests fail in the given way."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; expected one of {FAULT_KINDS}")
        with self._lock:
            self._faults.extend(Fault(kind, delay) for _ in range(count))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _next_fault(self) -> Fault | None:
        with self._lock:
            self.stats["requests"] += 1
            if self._faults:
                self.stats["faults"] += 1
                return self._faults.popleft()
            return None

    def _count(self, key: str) -> None:
        with self._lock:
            self.stats[key] += 1

    def start(self) -> FraudLensServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="fraudlens-server", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def __enter__(self) -> FraudLensServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _handler_for(server: FraudLensServer) -> type[BaseHTTPRequestHandler]:
    return type("Handler", (_Handler,), {"fraudlens": server})


class _Handler(BaseHTTPRequestHandler):
    """Answers for the ``FraudLensServer`` that ``_handler_for`` binds it to."""

    fraudlens: ClassVar[FraudLensServer]
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without this, Nagle's algorithm and
    # delayed ACKs add ~40ms to every answer.
    disable_nagle_algorithm = True
    server_version = "FraudLens-Test/1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests and the demo print what matters themselves

    def _read_body(self) -> bytes | None:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self._send_json(HTTPStatus.BAD_REQUEST, {"error": "bad Content-Length"})
            return None
        return self.rfile.read(length)

    def _send_json(self, status: HTTPStatus, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        server = self.fraudlens
        if self.path == "/_admin/stats":
            with server._lock:
                self._send_json(HTTPStatus.OK, dict(server.stats))
        elif self.path == "/healthz":
            self._send_json(HTTPStatus.OK, {"ok": True})
        else:
            self._send_json(HTTPStatus.NOT_FOUND, {"error": "not found"})

    def do_POST(self) -> None:
        body = self._read_body()
        if body is None:
            return
        if self.path == "/_admin/faults":
            self._inject_faults(body)
        elif self.path == "/v1/verify":
            self._verify(body)
        else:
            self._send_json(HTTPStatus.NOT_FOUND, {"error": "not found"})

    def _inject_faults(self, body: bytes) -> None:
        try:
            spec = json.loads(body or b"{}")
            self.fraudlens.inject(
                spec["kind"],
                count=int(spec.get("count", 1)),
                delay=float(spec.get("delay", 30.0)),
            )
        except (ValueError, KeyError, TypeError) as exc:
            self._send_json(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
            return
        self._send_json(HTTPStatus.OK, {"ok": True})

    def _verify(self, body: bytes) -> None:
        server = self.fraudlens
        fault = server._next_fault()
        if fault is not None and fault.kind == "error":
            self._send_json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "injected fault"})
            return
        if fault is not None and fault.kind == "timeout":
            server._closing.wait(fault.delay)
            self.close_connection = True
            return
        if fault is not None and fault.kind == "slow":
            server._closing.wait(fault.delay)
        if not body:
            self._send_json(HTTPStatus.BAD_REQUEST, {"error": "empty body"})
            return
        server._count("verified")
        self._send_json(HTTPStatus.OK, verdict_for(body))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args(argv)
    server = FraudLensServer(args.host, args.port)
    print(f"FraudLens test server on {server.url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
