"""pycodestyle's complaints about layout, counted: fixed code must have no more of them
than the code it came from (tests/fix/test_fixtures.py, tests/proof)."""

from __future__ import annotations


def blank_line_errors(text: str) -> int:
    import pycodestyle

    # Blank lines (E30x), and whitespace on them or at line ends (W291, W293).
    codes = ["E301", "E302", "E303", "E305", "E306", "W291", "W293"]
    style = pycodestyle.StyleGuide(select=codes, quiet=True)
    checker = pycodestyle.Checker(
        filename="fixture.py",
        lines=text.splitlines(keepends=True),
        options=style.options,
        report=style.init_report(),
    )
    return int(checker.check_all())
