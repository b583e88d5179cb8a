"""Stage 2: make sure the bytes are an image we accept, and fingerprint them."""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from reference_worker.errors import InvalidImage, PhotoTooLarge

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

CONTENT_TYPES = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
}


@dataclass(frozen=True)
class ImageInfo:
    format: str
    size_bytes: int
    sha256: str

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


def sniff_format(data: bytes) -> str | None:
    """The image format, told from the bytes themselves (never from a file name)."""
    if data.startswith(PNG_SIGNATURE) and len(data) >= 33 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "png" if width and height else None
    if data.startswith(b"\xff\xd8\xff") and len(data) >= 4:
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return "gif"
    if len(data) >= 16 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def validate_image(data: bytes, *, max_bytes: int) -> ImageInfo:
    """Check the size limit and the format; return the format, size and SHA-256."""
    if len(data) > max_bytes:
        raise PhotoTooLarge(f"photo is {len(data)} bytes, above the limit of {max_bytes}")
    if not data:
        raise InvalidImage("photo is empty")
    image_format = sniff_format(data)
    if image_format is None:
        raise InvalidImage(f"photo is not a PNG, JPEG, GIF or WebP image (starts {data[:8]!r})")
    return ImageInfo(
        format=image_format, size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest()
    )
