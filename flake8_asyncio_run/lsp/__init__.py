"""The language server: ``flake8-asyncio-run lsp`` (stdio), built on pygls.

pygls is an optional dependency (the ``lsp`` extra); nothing else imports this package.
"""

from __future__ import annotations

import sys

MISSING_PYGLS = (
    "flake8-asyncio-run: error: the language server needs pygls; "
    "install it with: pip install 'flake8-asyncio-run[lsp]'"
)


def serve() -> int:
    """Run the server on stdin/stdout until the client exits it; 2 if pygls is missing."""
    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError:
        print(MISSING_PYGLS, file=sys.stderr)
        return 2
    from flake8_asyncio_run.lsp.server import create_server

    create_server().start_io()
    return 0
