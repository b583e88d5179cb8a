"""The one form every front end reports from.

Positions are 1-based lines and 0-based columns counted in code points (not the UTF-8
bytes that ``ast`` gives).  Every output format converts from this form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: How a runner call hands its work to the event loop, which decides how the fixer
#: turns it into an ``await``:
#:   coroutine      ``asyncio.run(coro)``            -> ``await coro``
#:   callable       ``anyio.run(fn, *args)``         -> ``await fn(*args)``
#:   async_to_sync  ``async_to_sync(fn)(*args)``     -> ``await fn(*args)``
#:   wrapper        ``run_sync(...)`` (module-local or configured wrapper)
CallForm = Literal["coroutine", "callable", "async_to_sync", "wrapper"]

#: The library whose event loop a runner starts.  A configured runner whose library
#: cannot be known is ``"custom"``.
Family = Literal["asyncio", "anyio", "trio", "asgiref", "custom"]


@dataclass(frozen=True, order=True)
class Span:
    line: int
    col: int
    end_line: int
    end_col: int


@dataclass(frozen=True)
class RunnerCall:
    """One call that starts (and closes) an event loop."""

    span: Span
    family: Family
    form: CallForm
    #: What the message calls it: ``asyncio.run()``, ``run_sync() (wraps asyncio.run())``.
    display: str
    #: For a wrapper: True when ``wrapper(x)`` is exactly ``runner(x)``, so that the
    #: fixer may turn it into ``await x``.
    passthrough: bool = False


@dataclass(frozen=True)
class ScopeRef:
    """The scope a finding belongs to, located by the position of its ``def``/``class``."""

    kind: Literal["module", "function", "async_function", "class"]
    name: str
    #: Position of the ``def``/``class`` keyword line (decorators excluded); 0 for module.
    line: int
    col: int


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    span: Span
    scope: ScopeRef
    #: For ARO101/ARO105: every runner call on the reported path, in order, ending
    #: with the reported one.  For ARO102/ARO103: the reported call alone.
    calls: tuple[RunnerCall, ...] = ()
    #: For ARO102: the ``for``/``while`` statement (or comprehension) that repeats it.
    loop: Span | None = None

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def col(self) -> int:
        return self.span.col

    def sort_key(self) -> tuple[int, int, str]:
        return (self.span.line, self.span.col, self.code)
