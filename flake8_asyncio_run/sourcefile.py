"""Reading and writing Python files without losing a byte of what the user had.

The encoding (cookie or BOM) is detected as Python does; text is decoded without
newline translation, so CRLF and a missing final newline survive a round trip.  Writes go
through a temporary file in the same directory and ``os.replace``, keep the mode bits,
and follow a symlink to write its target.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import tempfile
import tokenize
from dataclasses import dataclass


@dataclass(frozen=True)
class SourceText:
    text: str
    #: The codec that turns ``text`` back into the original bytes ("utf-8-sig" keeps a BOM).
    encoding: str

    def encode(self, text: str | None = None) -> bytes:
        return (self.text if text is None else text).encode(self.encoding)


def decode_source(data: bytes) -> SourceText:
    """Decode as Python would; raises SyntaxError for an unknown or wrong encoding."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return SourceText(data.decode(encoding), encoding)
    except (LookupError, UnicodeDecodeError) as error:
        raise SyntaxError(f"cannot decode source: {error}") from error


def write_atomically(path: str, data: bytes) -> None:
    """Replace ``path``'s content with ``data``, all at once or not at all."""
    target = os.path.realpath(path)  # write a symlink's target, keep the link
    directory = os.path.dirname(target) or "."
    mode = stat.S_IMODE(os.stat(target).st_mode)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=directory
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
