"""Reading and writing Python files without losing a byte of what the user had.

The encoding (cookie or BOM) is detected as Python does; text is decoded without
newline translation, so CRLF and a missing final newline survive a round trip.  A fixed file
is written only if it is unchanged since it was read and is not read-only; untouched
lines keep their original bytes (``splice``); the write goes through a temporary file in
the same directory and ``os.replace``, keeping mode bits, owner and group, or in place
for a file with several hard links; a symlink's target is written, the link kept.
"""

from __future__ import annotations

import codecs
import contextlib
import difflib
import errno
import hashlib
import io
import os
import stat
import tempfile
import tokenize
from dataclasses import dataclass

from flake8_asyncio_run.lines import split_bytes_keeping_ends, split_keeping_ends
from flake8_asyncio_run.notebook.cells import Notebook, NotebookError, read_notebook


@dataclass(frozen=True)
class SourceText:
    text: str
    #: The codec that turns ``text`` back into the original bytes ("utf-8-sig" keeps a BOM).
    encoding: str
    #: For a notebook: its JSON and cells; ``text`` is then the cells' virtual module.
    notebook: Notebook | None = None

    def encode(self, text: str | None = None) -> bytes:
        if self.notebook is not None:
            return self.notebook.json_with(self.text if text is None else text).encode(
                self.encoding
            )
        return (self.text if text is None else text).encode(self.encoding)


def decode_notebook(data: bytes) -> SourceText:
    """A notebook's bytes (UTF-8 JSON, as nbformat writes it); raises NotebookError."""
    encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        json_text = data.decode(encoding)
    except UnicodeDecodeError as error:
        raise NotebookError(f"not UTF-8: {error.reason} at byte {error.start}") from error
    notebook = read_notebook(json_text)
    return SourceText(notebook.text, encoding, notebook)


def decode_source(data: bytes) -> SourceText:
    """Decode as Python would; raises SyntaxError for an unknown or wrong encoding."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return SourceText(data.decode(encoding), encoding)
    except (LookupError, UnicodeDecodeError) as error:
        raise SyntaxError(f"cannot decode source: {error}") from error


def splice(original: bytes, source: SourceText, new_text: str) -> bytes:
    """``new_text`` encoded so that every line the fix did not change keeps its original
    bytes.  Some codecs (cp932, big5, cp950, ...) map several byte sequences to one
    character, so decoding and re-encoding an untouched line could change it.

    Source encodings are ASCII-compatible for line breaks, so byte lines and text lines
    correspond one to one; the result is checked to decode to ``new_text`` and falls back
    to encoding the whole text when it does not.
    """
    if source.notebook is not None:  # only the changed cells' sources are rewritten
        return source.encode(new_text)
    codec = "utf-8" if source.encoding == "utf-8-sig" else source.encoding
    bom = codecs.BOM_UTF8 if source.encoding == "utf-8-sig" else b""
    body = original[len(bom) :] if bom and original.startswith(bom) else original
    old_bytes = split_bytes_keeping_ends(body)
    old_lines = split_keeping_ends(source.text)
    new_lines = split_keeping_ends(new_text)
    if len(old_bytes) != len(old_lines):
        return source.encode(new_text)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    pieces = [bom]
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if tag == "equal":
            pieces.extend(old_bytes[old_start:old_end])
        else:
            pieces.append("".join(new_lines[new_start:new_end]).encode(codec))
    result = b"".join(pieces)
    if result.decode(source.encoding) != new_text:
        return source.encode(new_text)
    return result


class WriteRefused(Exception):
    """A fixed file that must not be written; the message says why."""


@dataclass(frozen=True)
class Snapshot:
    """What a file was when it was read, to notice an edit made meanwhile."""

    size: int
    mtime_ns: int
    digest: bytes

    @classmethod
    def of(cls, data: bytes, status: os.stat_result) -> Snapshot:
        return cls(status.st_size, status.st_mtime_ns, hashlib.sha256(data).digest())


def read_file(path: str) -> tuple[bytes, Snapshot]:
    """A regular file's bytes and their snapshot.  A FIFO, device or socket is refused
    (reading one would block or never end); a symlink loop is named as one."""
    try:
        status = os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise OSError(error.errno, "symbolic link loop", path) from error
        raise
    if not stat.S_ISREG(status.st_mode):
        kind = "directory" if stat.S_ISDIR(status.st_mode) else "not a regular file"
        raise OSError(errno.EINVAL, kind, path)
    with open(path, "rb") as handle:
        data = handle.read()
        status = os.fstat(handle.fileno())
    return data, Snapshot.of(data, status)


def write_fixed(
    path: str, data: bytes, snapshot: Snapshot, *, edited: str = "fixed", rerun: str = "fix"
) -> None:
    """Write a fixed file, refusing when it changed since ``snapshot`` or is read-only.
    ``edited`` and ``rerun`` word the refusal for the command that writes.

    A file with several hard links is rewritten in place, so every name sees the fix;
    any other file is replaced atomically, keeping its mode bits, owner and group.
    """
    target = os.path.realpath(path)
    status = os.stat(target)
    if not status.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise WriteRefused("the file is read-only")
    with open(target, "rb") as handle:
        current = handle.read()
    if Snapshot.of(current, status) != snapshot:
        raise WriteRefused(f"the file changed while it was being {edited}; run {rerun} again")
    if status.st_nlink > 1:
        _write_in_place(target, data)
    else:
        write_atomically(target, data, status)


def _write_in_place(target: str, data: bytes) -> None:
    with open(target, "r+b") as stream:
        stream.write(data)
        stream.truncate()
        stream.flush()
        os.fsync(stream.fileno())


def write_atomically(path: str, data: bytes, status: os.stat_result | None = None) -> None:
    """Replace ``path``'s content with ``data``, all at once or not at all.  A file that
    does not exist yet (``--output-file``) is created with the mode a plain ``open``
    would give it (0o666 less the umask)."""
    target = os.path.realpath(path)  # write a symlink's target, keep the link
    directory = os.path.dirname(target) or "."
    if status is None and os.path.lexists(target):
        status = os.stat(target)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=directory
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if status is None:
            os.chmod(temporary, 0o666 & ~_umask())
        else:
            os.chmod(temporary, stat.S_IMODE(status.st_mode))
            _keep_owner(temporary, status)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    """The process's umask (read by setting it, so set back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _keep_owner(temporary: str, status: os.stat_result) -> None:
    """The new file gets the old one's owner and group where the OS lets us (root may
    give any; a user may give a group it belongs to); otherwise it stays ours."""
    chown = getattr(os, "chown", None)
    if chown is None:
        return
    for uid, gid in ((status.st_uid, status.st_gid), (-1, status.st_gid)):
        try:
            chown(temporary, uid, gid)
            return
        except OSError:
            continue
