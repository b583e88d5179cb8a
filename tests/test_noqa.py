"""``remove_suppressed`` tokenizes only the top-level statements that hold a finding and
a ``noqa`` comment, with the same answers as tokenizing the whole file (the flake8
comparison itself is in test_cli_check.py)."""

from __future__ import annotations

import tokenize
from collections.abc import Callable, Iterator

import pytest

from flake8_asyncio_run.analysis import analyze_source
from flake8_asyncio_run.findings import Finding
from flake8_asyncio_run.noqa import remove_suppressed

FILLER = "".join(f"\n\ndef filler_{n}():\n    return {n}  # noqa: E501\n" for n in range(40))
SOURCE = (
    "import asyncio\n"
    + FILLER
    + """

def suppressed():
    asyncio.run(a())
    asyncio.run(b('''
    a string over lines: its noqa counts for all of them
    '''))  # noqa: ARO101


def kept():
    asyncio.run(a())
    asyncio.run(b())  # noqa: E501


def untouched():
    asyncio.run(a())
    asyncio.run(b())
"""
)


@pytest.fixture
def tokenized_lines(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many lines each tokenize run read."""
    counts: list[int] = []
    real = tokenize.generate_tokens

    def counting(readline: Callable[[], str]) -> Iterator[tokenize.TokenInfo]:
        read = 0

        def counted() -> str:
            nonlocal read
            line = readline()
            read += 1
            counts[-1] = read
            return line

        counts.append(0)
        return real(counted)

    monkeypatch.setattr(tokenize, "generate_tokens", counting)
    return counts


def _findings() -> tuple[list[Finding], tuple[int, ...]]:
    analysis = analyze_source(SOURCE)
    return list(analysis.findings), analysis.statement_lines


def test_same_answer_as_the_whole_file(tokenized_lines: list[int]) -> None:
    findings, lines = _findings()
    in_parts = remove_suppressed(SOURCE, findings, lines)
    whole = remove_suppressed(SOURCE, findings)
    assert in_parts == whole
    assert [f.scope.name for f in in_parts] == ["kept", "untouched"]


def test_only_statements_with_a_finding_and_a_noqa_are_tokenized(
    tokenized_lines: list[int],
) -> None:
    findings, lines = _findings()
    remove_suppressed(SOURCE, findings, lines)
    # 'suppressed' and 'kept' (each about 6 lines), not the 180-line file, nor 'untouched',
    # which has no noqa comment.
    assert len(tokenized_lines) == 2
    assert max(tokenized_lines) < 10
    tokenized_lines.clear()
    remove_suppressed(SOURCE, findings)
    assert tokenized_lines == [SOURCE.count("\n")]


def test_file_level_noqa_still_disables_everything() -> None:
    findings, lines = _findings()
    source = "# flake8: noqa\n" + SOURCE
    shifted = analyze_source(source)
    assert findings and remove_suppressed(source, shifted.findings, shifted.statement_lines) == []
    assert lines


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_a_noqa_is_honoured_whatever_the_line_breaks(newline: str) -> None:
    """flake8 reads files with universal newlines: a lone \\r ends a line for it too."""
    source = newline.join(
        [
            "import asyncio",
            "def task():",
            "    asyncio.run(a())",
            '    asyncio.run(b("""text',
            '        """))  # noqa: ARO101',
            "    asyncio.run(c())",
            "",
        ]
    )
    analysis = analyze_source(source)
    assert [f.span.line for f in analysis.findings] == [4, 6]
    kept = remove_suppressed(source, analysis.findings, analysis.statement_lines)
    assert [f.span.line for f in kept] == [6]
