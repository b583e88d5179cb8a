"""Code-point columns (ours) <-> the position encoding negotiated with the client.

LSP lines end at ``\\n``, ``\\r\\n`` or ``\\r`` only, exactly as ``ast`` counts them, so
``positions.split_lines`` gives both sides the same line numbers.
"""

from __future__ import annotations

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def units(text: str, encoding: str) -> int:
    """How many code units of ``encoding`` ``text`` takes."""
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", errors="surrogatepass"))
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2


def to_client(line_text: str, column: int, encoding: str) -> int:
    """Code-point ``column`` on ``line_text`` -> code units."""
    return units(line_text[:column], encoding)


def from_client(line_text: str, character: int, encoding: str) -> int:
    """Code units -> code-point column; a position inside a character moves past it,
    one past the end of the line clamps to the end."""
    if encoding == UTF32 or line_text.isascii():
        return min(character, len(line_text))
    count = 0
    for index, char in enumerate(line_text):
        if count >= character:
            return index
        count += units(char, encoding)
    return len(line_text)
