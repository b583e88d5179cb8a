"""Adding ``# noqa: CODE`` comments where flake8 reads them, as text edits: the one
logic of ``check --add-noqa`` and of the language server's "Disable ... for this line".

flake8 (and ``noqa.py``) looks for a finding's ``noqa`` in the lines of its
``NoqaRange``: the finding's physical line, joined with the lines a backslash or a
string over several lines ties to it (not the other lines of a bracket: each of those
is a range of its own).  The comment goes on the range's last line, the only one where
a comment can be: every other line of it ends inside a string or with a backslash.

On that line an existing ``# noqa: CODES`` list gets the missing codes (a bare
``# noqa`` already silences everything, so such a line has no finding); otherwise a
new comment is appended, after any comment already there.  Every edit is checked
with the reading ``check`` uses (``noqa.is_suppressed``) before it is returned.  No
libcst: ``check`` runs this.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flake8_asyncio_run.findings import Finding, Span, TextEdit
from flake8_asyncio_run.lines import split_keeping_ends
from flake8_asyncio_run.noqa import INLINE, NoqaRange, is_suppressed, noqa_ranges, split_codes
from flake8_asyncio_run.selection import SYNTAX_ERROR

#: Spelled in two pieces so that no linter reads this module's own line as a directive.
_DIRECTIVE = "#" + " noqa: "


@dataclass(frozen=True)
class NoqaEdits:
    #: At most one edit per physical line, in line order.
    edits: tuple[TextEdit, ...]
    #: The findings no comment can silence, each with the reason.
    refused: tuple[tuple[Finding, str], ...]


def normalize_reason(reason: str) -> str:
    """The reason as written after the codes; raises ValueError (saying why) for one
    that would break the line or that flake8 would read as more codes."""
    text = reason.strip()
    if not text:
        raise ValueError("the reason is empty")
    if not text.isprintable():
        raise ValueError("the reason must be one line of printable text")
    # Between two codes: if flake8's pattern read into the reason, it reaches Z9.
    match = INLINE.match(f"{_DIRECTIVE}X1 {text} Z9")
    codes = split_codes(match.group("codes") or "") if match else ()
    if codes != ("X1",):
        raise ValueError(
            f"flake8 would read {codes[1]!r} in the reason as a noqa code; start the "
            "reason with a word that is not letters followed by digits"
        )
    return text


def noqa_edits(text: str, findings: Iterable[Finding], reason: str | None = None) -> NoqaEdits:
    """The edits that silence ``findings`` in ``text``, one per line touched: the codes
    of every finding whose range ends on that line in one comment, sorted.  ``reason``
    must come from ``normalize_reason``."""
    wanted = list(findings)
    refused = [(f, "a syntax error cannot be silenced") for f in wanted if f.code == SYNTAX_ERROR]
    wanted = [f for f in wanted if f.code != SYNTAX_ERROR]
    if not wanted:
        return NoqaEdits((), tuple(refused))
    lines = split_keeping_ends(text)
    ranges = noqa_ranges(lines, 1, len(lines))
    if ranges is None:
        refused += [(f, "the file does not tokenize") for f in wanted]
        return NoqaEdits((), tuple(refused))
    of_line = {number: found for found in ranges for number in range(found.first, found.last + 1)}
    groups: dict[NoqaRange, list[Finding]] = {}
    for finding in wanted:
        found = of_line.get(finding.span.line)
        if found is None:
            refused.append((finding, "its line is past the end of the file"))
        else:
            groups.setdefault(found, []).append(finding)
    edits: list[TextEdit] = []
    for found, group in sorted(groups.items(), key=lambda item: item[0].last):
        codes = sorted({f.code for f in group})
        edit = _comment_edit(lines, found, codes, reason)
        if isinstance(edit, str):
            refused += [(f, edit) for f in group]
        elif edit is not None:
            edits.append(edit)
    return NoqaEdits(tuple(edits), tuple(refused))


def _comment_edit(
    lines: list[str], found: NoqaRange, codes: Sequence[str], reason: str | None
) -> TextEdit | str | None:
    """The edit of the range's last line, None when it needs none, or why it cannot
    be made."""
    body = lines[found.last - 1].rstrip("\r\n")
    before = "".join(lines[found.first - 1 : found.last - 1])
    suffix = f" {reason}" if reason else ""
    match = INLINE.search(before + body)
    if match is None:
        kept = body.rstrip(" \t")
        new = f"  {_DIRECTIVE}{', '.join(codes)}{suffix}"
        edit = TextEdit(Span(found.last, len(kept), found.last, len(body)), new)
    else:
        start = match.start() - len(before)
        if found.comment is None or start < found.comment:
            # flake8 reads the first noqa comment only, and this one is in a string.
            return "a noqa comment inside a string comes first in its lines"
        listed = match.group("codes")
        if listed is None:
            return None  # a bare noqa comment silences every code already
        present = split_codes(listed)
        missing = [c for c in codes if c not in present and not c.startswith(present)]
        if not missing:
            return None
        separator = "," if "," in listed and ", " not in listed else ", "
        end = match.start("codes") - len(before) + _codes_end(listed)
        new = separator + separator.join(missing) + suffix
        edit = TextEdit(Span(found.last, end, found.last, end), new)
    edited = body[: edit.span.col] + edit.replacement + body[edit.span.end_col :]
    if not all(is_suppressed(code, before + edited) for code in codes):
        return "the comment would not silence it"  # a safety net: never expected
    return edit


def _codes_end(listed: str) -> int:
    """Where the last code of a matched list ends: ``INLINE`` takes the separators
    after it (commas, and whitespace as ``\\s`` reads it, which ``isspace`` does)."""
    end = len(listed)
    while end and (listed[end - 1] == "," or listed[end - 1].isspace()):
        end -= 1
    return end
