"""``global`` and ``nonlocal`` names that the fixer's new coroutine never binds: fixed
code must declare only what the moved code binds (tests/fix/test_fixtures.py,
tests/proof).  Declarations the user wrote are theirs, needed or not."""

from __future__ import annotations

import symtable
from collections.abc import Iterator


def needless_new_declarations(source: str, fixed: str) -> list[str]:
    """``function: name`` for each name a function of ``fixed`` that ``source`` does
    not have declares global or nonlocal, and does not assign."""
    own = {table.get_name() for table in _functions(source)}
    found: list[str] = []
    for table in _functions(fixed):
        if table.get_name() in own:
            continue
        for symbol in table.get_symbols():
            declared = symbol.is_declared_global() or symbol.is_nonlocal()
            # symtable counts ``del`` and imports as assignments too: both need the
            # declaration.
            if declared and not symbol.is_assigned() and not symbol.is_imported():
                found.append(f"{table.get_name()}: {symbol.get_name()}")
    return sorted(found)


def _functions(text: str) -> Iterator[symtable.SymbolTable]:
    pending = list(symtable.symtable(text, "fixture.py", "exec").get_children())
    while pending:
        table = pending.pop()
        pending.extend(table.get_children())
        if table.get_type() == "function":  # a str, or a StrEnum (3.13+)
            yield table
