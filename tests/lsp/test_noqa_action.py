"""The "Disable ARO1xx for this line" code action end to end: the comment ``check
--add-noqa`` writes, on the line where flake8 reads it, in files and notebook cells."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import cli
from lsp_helpers import (
    action_edits,
    apply_edits,
    initialize,
    next_diagnostics,
    open_document,
    replace_document,
)
from lsprotocol import types
from pytest_lsp import LanguageClient
from test_notebook_sync import CELLS, RUNS, open_notebook, published

pytestmark = pytest.mark.asyncio

TEXT = '''\
import asyncio


def task():
    asyncio.run(first())
    label = asyncio.run(second("""
é😀 over lines
"""))
    asyncio.run(third())  # noqa:E501
'''

#: What ``check --add-noqa`` makes of TEXT: the two actions must give the same.
SILENCED = '''\
import asyncio


def task():
    asyncio.run(first())
    label = asyncio.run(second("""
é😀 over lines
"""))  # noqa: ARO101
    asyncio.run(third())  # noqa:E501, ARO101
'''

MIXED = """\
import asyncio
import nest_asyncio


async def handler():
    note = "é😀"; asyncio.run(fetch()); nest_asyncio.apply()
"""


async def actions_at(client: LanguageClient, uri: str, at: types.Range) -> list[types.CodeAction]:
    found = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=at,
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    return [a for a in found or [] if isinstance(a, types.CodeAction)]


def disable(actions: list[types.CodeAction]) -> list[types.CodeAction]:
    return [a for a in actions if a.title.startswith("Disable ")]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8"])
async def test_disable_puts_the_comment_where_add_noqa_does(
    client: LanguageClient, workspace: Path, encoding: str
) -> None:
    await initialize(client, workspace, [encoding])
    uri = open_document(client, workspace / "tasks.py", TEXT)
    diagnostics = await next_diagnostics(client, uri)
    assert [(d.code, d.range.start.line) for d in diagnostics] == [("ARO101", 5), ("ARO101", 8)]
    text = TEXT
    for version, diagnostic in enumerate(diagnostics, start=2):
        actions = await actions_at(client, uri, diagnostic.range)
        (action,) = disable(actions)
        assert action.title == "Disable ARO101 for this line"
        assert action.kind == types.CodeActionKind.QuickFix
        assert not action.is_preferred
        assert [d.range for d in action.diagnostics or []] == [diagnostic.range]
        # Beside the fixer's quick fixes, after them.
        assert actions.index(action) > 0
        assert actions[0].title == "Combine event loops into one coroutine"
        text = apply_edits(text, action_edits(action, uri), encoding)
        replace_document(client, uri, text, version)
        left = await next_diagnostics(client, uri)
        assert diagnostic.range.start.line not in [d.range.start.line for d in left]
    assert text == SILENCED
    # The same function as the command line's: the same bytes.
    (workspace / "tasks.py").write_text(TEXT, encoding="utf-8")
    done = cli(workspace, "check", "--add-noqa", "tasks.py")
    assert done.returncode == 0, done.stderr
    assert (workspace / "tasks.py").read_text(encoding="utf-8") == SILENCED


async def test_one_action_per_code_also_for_findings_without_a_fix(
    client: LanguageClient, workspace: Path
) -> None:
    await initialize(client, workspace)
    uri = open_document(client, workspace / "handlers.py", MIXED)
    diagnostics = await next_diagnostics(client, uri)
    assert sorted(d.code for d in diagnostics) == ["ARO103", "ARO106"]  # type: ignore[type-var]
    line = types.Range(start=types.Position(5, 0), end=types.Position(5, 80))
    titles = [a.title for a in disable(await actions_at(client, uri, line))]
    assert titles == ["Disable ARO103 for this line", "Disable ARO106 for this line"]
    # ARO106 alone (nothing the fixer can do): its action is still offered.
    (aro106,) = [d for d in diagnostics if d.code == "ARO106"]
    actions = await actions_at(client, uri, aro106.range)
    assert [a.title for a in actions] == ["Disable ARO106 for this line"]
    fixed = apply_edits(MIXED, action_edits(actions[0], uri))
    assert fixed.splitlines()[-1].endswith("nest_asyncio.apply()  # noqa: ARO106")
    replace_document(client, uri, fixed, 2)
    assert [d.code for d in await next_diagnostics(client, uri)] == ["ARO103"]


async def test_no_action_for_a_syntax_error(client: LanguageClient, workspace: Path) -> None:
    await initialize(client, workspace)
    text = "import asyncio\nasyncio.run(main(\n"
    uri = open_document(client, workspace / "broken.py", text)
    (diagnostic,) = await next_diagnostics(client, uri)
    assert diagnostic.code == "E999"
    assert disable(await actions_at(client, uri, diagnostic.range)) == []


async def test_disable_in_a_notebook_cell_edits_that_cell(
    client: LanguageClient, workspace: Path
) -> None:
    await initialize(client, workspace, notebooks=True)
    _, uris = open_notebook(client, workspace / "photos.ipynb", CELLS)
    (diagnostic,) = (await published(client, [uris[2]], 0))[uris[2]]
    (action,) = disable(await actions_at(client, uris[2], diagnostic.range))
    assert action.title == "Disable ARO103 for this line"
    assert action.edit is not None and action.edit.document_changes is not None
    assert len(action.edit.document_changes) == 1  # one document: this cell
    edits = action_edits(action, uris[2])  # asserts the edit is keyed by the cell URI
    assert apply_edits(RUNS, edits) == RUNS.replace("main())\n", "main())  # noqa: ARO103\n")
    assert [d.range for d in action.diagnostics or []] == [diagnostic.range]
