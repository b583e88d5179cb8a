"""``flake8-asyncio-run lsp`` without pygls: one clear line, exit 2."""

from __future__ import annotations

import subprocess
import sys


def test_missing_pygls_is_a_clear_error() -> None:
    # A meta path entry that refuses pygls, as if it were not installed.
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('pygls', 'lsprotocol'):\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from flake8_asyncio_run.cli import main\n"
        "sys.exit(main(['lsp']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1
    assert "pip install 'flake8-asyncio-run[lsp]'" in lines[0]
