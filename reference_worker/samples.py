"""Small valid PNG images, generated, for the demo, the tests and the benchmark."""

from __future__ import annotations

import struct
import zlib

from reference_worker.validate import PNG_SIGNATURE


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def make_png(seed: int, *, width: int = 16, height: int = 16) -> bytes:
    """A ``width``x``height`` RGB PNG whose pixels (and so its hash) depend on ``seed``."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type: none
        for x in range(width):
            rows += bytes(((x * 16 + seed) % 256, (y * 16 + seed * 7) % 256, (seed * 31) % 256))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows)))
        + _chunk(b"IEND", b"")
    )
