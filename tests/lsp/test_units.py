"""The server's pure parts: column conversion and which fixes are offered."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from flake8_asyncio_run.findings import Finding, RunnerCall, ScopeRef, Span
from flake8_asyncio_run.lsp.actions import offers, overlaps, styles_for
from flake8_asyncio_run.lsp.encoding import from_client, to_client, units

LINE = 'x = "é😀"; y = run()'


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-32", 10), ("utf-16", 11), ("utf-8", 14)],
)
def test_columns_round_trip(encoding: str, expected: int) -> None:
    column = LINE.index("y")
    assert to_client(LINE, column, encoding) == expected
    assert from_client(LINE, expected, encoding) == column
    assert units(LINE, encoding) == to_client(LINE, len(LINE), encoding)


def test_position_inside_a_character_moves_past_it() -> None:
    emoji = LINE.index("😀")
    # The second UTF-16 unit of the emoji, and a middle UTF-8 byte.
    assert from_client(LINE, to_client(LINE, emoji, "utf-16") + 1, "utf-16") == emoji + 1
    assert from_client(LINE, to_client(LINE, emoji, "utf-8") + 2, "utf-8") == emoji + 1
    assert from_client(LINE, 999, "utf-16") == len(LINE)


def test_overlaps() -> None:
    span = Span(3, 4, 3, 10)
    assert overlaps(span, (3, 0), (3, 4))
    assert overlaps(span, (3, 10), (3, 12))
    assert not overlaps(span, (3, 11), (3, 12))
    assert not overlaps(span, (2, 0), (2, 99))


def test_runner_style_needs_311() -> None:
    assert styles_for((3, 10)) == ("combine",)
    assert styles_for((3, 11)) == ("combine", "runner")


@dataclass(frozen=True)
class Edit:
    span: Span
    replacement: str


@dataclass(frozen=True)
class Plan:
    findings: tuple[Finding, ...]
    applicability: str
    style: str | None
    reason: str | None
    title: str
    edits: tuple[Edit, ...]


def finding(code: str, line: int, display: str = "asyncio.run()") -> Finding:
    span = Span(line, 4, line, 20)
    call = RunnerCall(span, "asyncio", "coroutine", display)
    return Finding(code, "m", span, ScopeRef("function", "f", 1, 0), (call,))


def test_offers_dedupe_prefer_and_label() -> None:
    a, b, c = finding("ARO101", 3), finding("ARO101", 4), finding("ARO103", 9, "anyio.run()")
    edit = (Edit(Span(3, 0, 4, 20), "new"),)
    plans = [
        Plan((a, b), "unsafe", "combine", "'return' between the calls", "Combine", edit),
        Plan((a, b), "safe", "runner", None, "Runner", (Edit(Span(3, 0, 4, 20), "runner"),)),
        Plan((a, b), "safe", "runner", None, "Runner again", (Edit(Span(3, 0, 4, 20), "runner"),)),
        Plan(
            (c,),
            "safe",
            "await",
            None,
            "Replace anyio.run() with await",
            (Edit(c.span, "await x"),),
        ),
        Plan((c,), "none", None, "why", "No fix", ()),
    ]
    found = offers(plans, [b])
    assert [o.title for o in found] == ["Combine (unsafe: 'return' between the calls)", "Runner"]
    assert [o.preferred for o in found] == [False, True]
    assert found[0].findings == (a, b)
    (await_offer,) = offers(plans, [c])
    assert await_offer.title == "Replace anyio.run() with await"
    assert await_offer.preferred
    assert offers(plans, [finding("ARO101", 30)]) == []
