"""Whether to colour a stream, and the few ANSI styles the human-readable output uses.

One decision for the whole command line (``--color auto|always|never``): the flag beats
the environment; under ``auto``, a non-empty ``NO_COLOR`` turns colour off, then a
non-empty ``FORCE_COLOR`` turns it on, then ``TERM=dumb`` turns it off, and otherwise
a stream is coloured only when it is a terminal.  NO_COLOR wins over FORCE_COLOR, as in
CPython's own colouring: a user's opt-out beats a CI default.

Only the text format, the ``--statistics`` table, the ``fix --diff`` unified diff and
``fix --show-fixes`` are ever styled; the machine formats and ``--output-file`` never
are (the callers pass ``PLAIN``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TextIO

ColorChoice = Literal["auto", "always", "never"]
COLOR_CHOICES: tuple[ColorChoice, ...] = ("auto", "always", "never")


def wants_color(
    choice: str, stream: TextIO | None, environ: Mapping[str, str] | None = None
) -> bool:
    """Whether output written to ``stream`` is coloured under ``--color choice``."""
    if choice != "auto":
        return choice == "always"
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    try:
        return stream is not None and stream.isatty()
    except (OSError, ValueError):  # a closed or detached stream is no terminal
        return False


_BOLD, _RED, _GREEN, _CYAN = "1", "31", "32", "36"
#: A diff line and its line break (LF, or CRLF kept whole): the styling ends before it.
_DIFF_LINE = re.compile(rb"([^\n]*?)(\r?\n|$)")


@dataclass(frozen=True)
class Palette:
    """Styles text when ``enabled``; a disabled palette returns text unchanged."""

    enabled: bool = False

    def _style(self, text: str, *codes: str) -> str:
        if not self.enabled or not text:
            return text
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"

    def path(self, text: str) -> str:
        return self._style(text, _BOLD)

    def code(self, text: str) -> str:
        return self._style(text, _BOLD, _RED)

    def count(self, text: str) -> str:
        return self._style(text, _BOLD)

    def mark(self, text: str) -> str:
        return self._style(text, _CYAN)

    def diff(self, data: bytes) -> bytes:
        """A unified diff with its headers bold, hunk ranges cyan, removed lines red and
        added lines green; every byte of the diff itself is kept."""
        if not self.enabled or not data:
            return data
        out: list[bytes] = []
        for match in _DIFF_LINE.finditer(data):
            line, end = match.group(1), match.group(2)
            if not line and not end:
                continue
            out.append(_diff_style(line) + end)
        return b"".join(out)


def _diff_style(line: bytes) -> bytes:
    if line.startswith((b"--- ", b"+++ ")):
        codes = _BOLD
    elif line.startswith(b"@@"):
        codes = _CYAN
    elif line.startswith(b"-"):
        codes = _RED
    elif line.startswith(b"+"):
        codes = _GREEN
    else:
        return line
    return b"\x1b[" + codes.encode() + b"m" + line + b"\x1b[0m"


#: No styling: machine formats, files, and streams that are no terminal.
PLAIN = Palette(False)
