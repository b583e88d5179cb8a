"""The fixer's node positions equal libcst's PositionProvider's, at a fraction of the
cost (flake8_asyncio_run/fix/positions.py): measured for the whole module at once, or
one top-level statement at a time, placed by the line the ``ast`` gives it."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from flake8_asyncio_run.fix.positions import Positions, first_lines
from flake8_asyncio_run.fix.walk import descendants
from flake8_asyncio_run.lines import statement_lines

ROOT = Path(__file__).parent.parent.parent
FILES = sorted(
    [
        *ROOT.glob("tests/fixtures/fix/*.before"),
        *ROOT.glob("tests/fixtures/bytes/*.py"),
        *ROOT.glob("flake8_asyncio_run/**/*.py"),
    ]
)


def _parseable(path: Path) -> str:
    """The file's text; skips the test if libcst or ast cannot parse it."""
    with path.open(encoding="utf-8-sig", newline="", errors="replace") as handle:
        text = handle.read()
    try:
        cst.parse_module(text)
        ast.parse(text)
    except (cst.ParserSyntaxError, SyntaxError, ValueError):
        pytest.skip("not parseable")
    if cst.parse_module(text).code != text:
        # libcst drops a form feed in an indentation; the fixer refuses such files
        # (fix/locate.py), so there is nothing to compare.
        pytest.skip("libcst does not reproduce the text")
    return text


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_same_ranges_as_position_provider(path: Path) -> None:
    text = _parseable(path)
    module = cst.parse_module(text)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    ours = Positions(module, text)
    mismatches = [
        (type(node).__name__, want, ours[node])
        for node, want in expected.items()
        if not isinstance(node, cst.Module) and ours[node] != want
    ]
    assert mismatches == []


# Top-level statements measured one at a time, placed by the ast's first lines ---------

TRICKY = {
    "semicolons": "import asyncio; x = 1\ny = 2; z = 3\n\n\ndef f():\n    return 1\n",
    "decorators": (
        "import functools\n\n\n@functools.cache\n# between decorators\n@functools.wraps(f)\n"
        "\n# after them\ndef g(\n    a,\n):\n    return a\n\n\n@dataclass\nclass C:\n    x: int\n"
    ),
    "no_final_newline": "x = 1\nif x: y = 2\nelse: y = 3",
    "crlf_tabs": "def f():\r\n\tif True:\r\n\t\treturn 1\r\n\r\nx = f()\r\n",
    "comments_and_form_feed": "# header\n\n\x0c\nx = 1  # trailing\n\n# footer\n",
    "strings": 'x = """\nnot a statement\n"""\ny = (\n    1,\n)\nz = f"{x!r:>{y}}"\n',
}


def _anchored(text: str) -> tuple[cst.Module, Positions, list[int]]:
    module = cst.parse_module(text)
    lines = first_lines(module, statement_lines(ast.parse(text)))
    assert lines is not None, "the ast's statements should pair with libcst's"
    return module, Positions(module, text, lines), lines


def _statement_nodes(module: cst.Module) -> list[cst.CSTNode]:
    return [node for statement in module.body for node in descendants(statement)]


def _assert_same(module: cst.Module, ours: Positions) -> None:
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    mismatches = [
        (type(node).__name__, expected[node], ours[node])
        for node in _statement_nodes(module)
        if ours[node] != expected[node]
    ]
    assert mismatches == []


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_statements_measured_alone_match_position_provider(name: str) -> None:
    module, ours, _ = _anchored(TRICKY[name])
    for statement in module.body:
        ours.measure(statement)
    _assert_same(module, ours)
    assert ours.whole_passes == 0


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_measured_statement_by_statement(path: Path) -> None:
    module, ours, _ = _anchored(_parseable(path))
    for statement in module.body:
        ours.measure(statement)
    _assert_same(module, ours)
    assert ours.whole_passes == 0


def test_a_wrong_line_falls_back_to_the_whole_module() -> None:
    text = TRICKY["decorators"]
    module = cst.parse_module(text)
    lines = first_lines(module, statement_lines(ast.parse(text)))
    assert lines is not None
    shifted = [line + 1 for line in lines]
    ours = Positions(module, text, shifted)
    for statement in module.body:
        ours.measure(statement)
    assert ours.whole_passes == 1
    _assert_same(module, ours)


def test_statements_that_do_not_pair_up_are_not_anchored() -> None:
    module = cst.parse_module(TRICKY["semicolons"])
    # One ast line too few or too many: no pairing, so no guess.
    assert first_lines(module, [1, 1, 2, 2]) is None
    assert first_lines(module, [1, 1, 2, 2, 5, 6]) is None
    assert first_lines(module, [1, 1, 2, 2, 5]) == [1, 2, 5]


def test_nodes_of_unmeasured_statements_still_get_positions() -> None:
    module, ours, _ = _anchored(TRICKY["strings"])
    inner = next(n for n in descendants(module.body[2]) if isinstance(n, cst.FormattedString))
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    assert ours[inner] == expected[inner]
    assert ours.whole_passes == 1
