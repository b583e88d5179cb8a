"""flake8-asyncio-run: find (and fix) repeated event loops in synchronous code."""

from __future__ import annotations

__version__ = "0.1.0"
