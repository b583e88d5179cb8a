"""Where photos come from.  The default store is a local directory that no key can escape."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path
from typing import Protocol

from reference_worker.errors import InvalidPhotoKey, PhotoNotFound, PhotoTooLarge

MAX_KEY_LENGTH = 1024


def check_photo_key(key: object) -> str:
    """Return ``key`` if it is a safe relative key, else raise :class:`InvalidPhotoKey`.

    Pure: it touches no file, so a job can reject a bad key before doing any I/O.  A key is
    a ``/``-separated relative path; every part must be non-empty and neither ``.`` nor
    ``..``.  NUL, other control characters and backslashes are refused.  Anything else,
    quotes and semicolons included, is a legal key and is used verbatim.
    """
    if not isinstance(key, str):
        raise InvalidPhotoKey(f"photo key must be a string, not {type(key).__name__}")
    if not key:
        raise InvalidPhotoKey("photo key is empty")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidPhotoKey(f"photo key is longer than {MAX_KEY_LENGTH} characters")
    if "\x00" in key:
        raise InvalidPhotoKey(f"photo key contains NUL: {key!r}")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in key):
        raise InvalidPhotoKey(f"photo key contains a control character: {key!r}")
    if "\\" in key:
        raise InvalidPhotoKey(f"photo key contains a backslash: {key!r}")
    if key.startswith("/"):
        raise InvalidPhotoKey(f"photo key is an absolute path: {key!r}")
    if any(part in ("", ".", "..") for part in key.split("/")):
        raise InvalidPhotoKey(f"photo key has an empty, '.' or '..' part: {key!r}")
    return key


class PhotoStore(Protocol):
    """Anything that hands out a photo's bytes by key (a local directory, S3, ...)."""

    async def download(self, key: str) -> bytes: ...


class LocalPhotoStore:
    """Photos in a local directory (``TRUTHSNAP_PHOTO_DIR``).

    Keys that escape the directory, by ``..``, an absolute path or a symlink that points
    outside, are refused.  Files above ``max_bytes`` are refused without being read.
    """

    def __init__(self, root: Path | str, *, max_bytes: int) -> None:
        self.root = Path(root).resolve()
        self.max_bytes = max_bytes

    def path_for(self, key: str) -> Path:
        """The file that holds ``key``; raises :class:`InvalidPhotoKey` if it escapes."""
        check_photo_key(key)
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise InvalidPhotoKey(f"photo key escapes the photo directory: {key!r}")
        return path

    async def download(self, key: str) -> bytes:
        # File reads block; keep them off the event loop.
        return await asyncio.to_thread(self.read, key)

    def read(self, key: str) -> bytes:
        path = self.path_for(key)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except (FileNotFoundError, NotADirectoryError):
            raise PhotoNotFound(f"no photo under key {key!r} in {str(self.root)!r}") from None
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise PhotoNotFound(f"photo key {key!r} is not a regular file")
            if info.st_size > self.max_bytes:
                raise PhotoTooLarge(
                    f"photo {key!r} is {info.st_size} bytes, above the limit of {self.max_bytes}"
                )
            # Read one byte more than allowed, in case the file grew since fstat().
            data = handle.read(self.max_bytes + 1)
        if len(data) > self.max_bytes:
            raise PhotoTooLarge(f"photo {key!r} is above the limit of {self.max_bytes} bytes")
        return data

    def put(self, key: str, data: bytes) -> Path:
        """Store ``data`` under ``key`` (for uploads, the demo and tests)."""
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return path
