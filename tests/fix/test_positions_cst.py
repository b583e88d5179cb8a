"""The fixer's node positions equal libcst's PositionProvider's, at a fraction of the
cost (flake8_asyncio_run/fix/positions.py)."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from flake8_asyncio_run.fix.positions import Positions

ROOT = Path(__file__).parent.parent.parent
FILES = sorted(
    [
        *ROOT.glob("tests/fixtures/fix/*.before"),
        *ROOT.glob("tests/fixtures/bytes/*.py"),
        *ROOT.glob("flake8_asyncio_run/**/*.py"),
    ]
)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_same_ranges_as_position_provider(path: Path) -> None:
    with path.open(encoding="utf-8-sig", newline="", errors="replace") as handle:
        text = handle.read()
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError:
        pytest.skip("not parseable")
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    ours = Positions(module, text)
    mismatches = [
        (type(node).__name__, want, ours[node])
        for node, want in expected.items()
        if not isinstance(node, cst.Module) and ours[node] != want
    ]
    assert mismatches == []
