"""The fixer's tests.  ``pytest tests/fix --regen-fixtures`` rewrites the expected
outputs in tests/fixtures/fix (never done silently: without the option a mismatch fails)."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-fixtures",
        action="store_true",
        default=False,
        help="rewrite tests/fixtures/fix/*.after and *.diff from the fixer's output",
    )


@pytest.fixture
def regen(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen-fixtures"))
