"""Notebook documents (LSP 3.17 notebook sync) end to end: per-cell diagnostics and
quick fixes that edit one cell."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsp_helpers import (
    SEED,
    TIMEOUT,
    action_edits,
    apply_edits,
    initialize,
    next_diagnostics,
    open_document,
)
from lsprotocol import types
from pytest_lsp import LanguageClient

pytestmark = pytest.mark.asyncio

CODE, MARKUP = types.NotebookCellKind.Code, types.NotebookCellKind.Markup

DEFINES = "import asyncio\n\n\nasync def main():\n    return 1\n"
RUNS = "%time x = 1\nresult = asyncio.run(main())\n"
NON_ASCII = 'label = "é😀"; value = asyncio.run(main())'
#: (kind, languageId, text): the notebook as an editor sends it.
CELLS = [
    (MARKUP, "markdown", "# Photos\n\n`asyncio.run(main())` in prose\n"),
    (CODE, "python", DEFINES),
    (CODE, "python", RUNS),
    (CODE, "python", "%%time\nasyncio.run(main())\n"),  # a cell magic: not Python
    (CODE, "r", "asyncio.run(main())\n"),  # another language
    (CODE, "python", NON_ASCII),  # no final newline, as nbformat stores cells
]


def cell_uri(notebook: Path, index: int) -> str:
    # VS Code's form: the notebook's path, the cell in the (percent-encoded) fragment.
    return f"vscode-notebook-cell:{notebook.as_posix()}#W{index}sZmlsZQ%3D%3D"


def open_notebook(
    client: LanguageClient, path: Path, cells: list[tuple[types.NotebookCellKind, str, str]]
) -> tuple[str, list[str]]:
    uris = [cell_uri(path, i) for i in range(len(cells))]
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=path.as_uri(),
                notebook_type="jupyter-notebook",
                version=1,
                cells=[
                    types.NotebookCell(kind=kind, document=uri)
                    for (kind, _, _), uri in zip(cells, uris, strict=True)
                ],
            ),
            cell_text_documents=[
                types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
                for (_, language, text), uri in zip(cells, uris, strict=True)
            ],
        )
    )
    return path.as_uri(), uris


def edit_cell(client: LanguageClient, notebook: str, uri: str, text: str, version: int) -> None:
    client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(
                version=version, uri=notebook
            ),
            change=types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    text_content=[
                        types.NotebookDocumentCellContentChanges(
                            document=types.VersionedTextDocumentIdentifier(
                                uri=uri, version=version
                            ),
                            changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
                        )
                    ]
                )
            ),
        )
    )


async def published(
    client: LanguageClient, uris: list[str], since: int
) -> dict[str, list[types.Diagnostic]]:
    """The latest diagnostics of each of ``uris`` published after the first ``since``
    notifications, waiting until each has some."""
    records = client.published  # type: ignore[attr-defined]

    async def wait() -> dict[str, list[types.Diagnostic]]:
        while True:
            latest = {p.uri: list(p.diagnostics) for p in records[since:] if p.uri in uris}
            if latest.keys() == set(uris):
                return latest
            await asyncio.sleep(0.02)

    return await asyncio.wait_for(wait(), TIMEOUT)


def units(text: str, encoding: str) -> int:
    codec = {"utf-8": "utf-8", "utf-16": "utf-16-le", "utf-32": "utf-32-le"}[encoding]
    width = {"utf-8": 1, "utf-16": 2, "utf-32": 4}[encoding]
    return len(text.encode(codec)) // width


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
async def test_each_cell_gets_its_own_diagnostics(
    client: LanguageClient, workspace: Path, encoding: str
) -> None:
    result = await initialize(client, workspace, [encoding], notebooks=True)
    assert result.capabilities.notebook_document_sync is not None
    notebook, uris = open_notebook(client, workspace / "photos.ipynb", CELLS)
    found = await published(client, [uris[1], uris[2], uris[5]], 0)
    assert found[uris[1]] == []
    (runs,) = found[uris[2]]
    assert runs.code == "ARO103"
    assert "top level of a notebook cell" in runs.message
    # Line 2 of the cell, after the masked IPython line 1.
    assert runs.range.start == types.Position(line=1, character=len("result = "))
    assert runs.range.end == types.Position(line=1, character=len("result = asyncio.run(main())"))
    (non_ascii,) = found[uris[5]]
    prefix = NON_ASCII[: NON_ASCII.index("asyncio.run")]
    assert non_ascii.range.start == types.Position(line=0, character=units(prefix, encoding))
    # Markdown, a cell magic and an R cell are not analysed: nothing is published.
    records = client.published  # type: ignore[attr-defined]
    assert {p.uri for p in records} == {uris[1], uris[2], uris[5]}
    assert notebook not in {p.uri for p in records}


async def test_quick_fix_edits_the_cell_only(client: LanguageClient, workspace: Path) -> None:
    await initialize(client, workspace, notebooks=True)
    _, uris = open_notebook(client, workspace / "photos.ipynb", CELLS)
    (diagnostic,) = (await published(client, [uris[2]], 0))[uris[2]]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uris[2]),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    quick = [a for a in actions or [] if a.kind == types.CodeActionKind.QuickFix]
    action, silence = quick
    assert silence.title == "Disable ARO103 for this line"
    assert isinstance(action, types.CodeAction)
    assert action.title == "Replace asyncio.run() with await"
    assert action.is_preferred
    assert action.edit is not None and action.edit.document_changes is not None
    assert len(action.edit.document_changes) == 1  # one document: this cell
    edits = action_edits(action, uris[2])  # asserts the edit is keyed by the cell URI
    assert apply_edits(RUNS, edits) == "%time x = 1\nresult = await main()\n"
    assert [d.code for d in action.diagnostics or []] == ["ARO103"]
    assert action.diagnostics is not None and action.diagnostics[0].range == diagnostic.range
    # Fix-all on the cell: the cell's part of `fix`, again this cell only.
    (fix_all,) = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uris[5]),
            range=types.Range(start=types.Position(0, 0), end=types.Position(0, 0)),
            context=types.CodeActionContext(
                diagnostics=[], only=["source.fixAll.flake8-asyncio-run"]
            ),
        )
    ) or [None]
    assert isinstance(fix_all, types.CodeAction)
    fixed = apply_edits(NON_ASCII, action_edits(fix_all, uris[5]))
    assert fixed == 'label = "é😀"; value = await main()'


async def test_no_actions_on_markdown_or_clean_cells(
    client: LanguageClient, workspace: Path
) -> None:
    await initialize(client, workspace, notebooks=True)
    _, uris = open_notebook(client, workspace / "photos.ipynb", CELLS)
    await published(client, [uris[2]], 0)
    everywhere = types.Range(start=types.Position(0, 0), end=types.Position(9, 0))
    for uri in (uris[0], uris[1], uris[3]):
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=everywhere,
                context=types.CodeActionContext(diagnostics=[]),
            )
        )
        assert not actions


async def test_change_rechecks_and_close_clears(client: LanguageClient, workspace: Path) -> None:
    await initialize(client, workspace, notebooks=True)
    notebook, uris = open_notebook(client, workspace / "photos.ipynb", CELLS)
    await published(client, [uris[1], uris[2], uris[5]], 0)
    records = client.published  # type: ignore[attr-defined]
    since = len(records)
    edit_cell(client, notebook, uris[2], "%time x = 1\nresult = await main()\n", 2)
    found = await published(client, [uris[2]], since)
    assert found[uris[2]] == []
    # A runner call typed into the cell that had none.
    since = len(records)
    edit_cell(client, notebook, uris[1], DEFINES + "asyncio.run(main())\n", 3)
    found = await published(client, [uris[1]], since)
    assert [(d.code, d.range.start.line) for d in found[uris[1]]] == [("ARO103", 5)]
    since = len(records)
    client.notebook_document_did_close(
        types.DidCloseNotebookDocumentParams(
            notebook_document=types.NotebookDocumentIdentifier(uri=notebook),
            cell_text_documents=[types.TextDocumentIdentifier(uri=uri) for uri in uris],
        )
    )
    found = await published(client, [uris[1], uris[5]], since)
    assert found == {uris[1]: [], uris[5]: []}


async def test_cells_added_and_removed(client: LanguageClient, workspace: Path) -> None:
    await initialize(client, workspace, notebooks=True)
    path = workspace / "photos.ipynb"
    notebook, uris = open_notebook(client, path, CELLS[:3])
    await published(client, [uris[2]], 0)
    records = client.published  # type: ignore[attr-defined]
    since = len(records)
    added = cell_uri(path, 9)
    # Cell 3 replaced by a new cell that runs a loop on its second line.
    client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(version=2, uri=notebook),
            change=types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    structure=types.NotebookDocumentCellChangeStructure(
                        array=types.NotebookCellArrayChange(
                            start=2,
                            delete_count=1,
                            cells=[types.NotebookCell(kind=CODE, document=added)],
                        ),
                        did_open=[
                            types.TextDocumentItem(
                                uri=added,
                                language_id="python",
                                version=1,
                                text="y = 2\nasyncio.run(main())\n",
                            )
                        ],
                        did_close=[types.TextDocumentIdentifier(uri=uris[2])],
                    )
                )
            ),
        )
    )
    found = await published(client, [uris[2], added], since)
    assert found[uris[2]] == []  # the deleted cell's diagnostics are cleared
    assert [(d.code, d.range.start.line) for d in found[added]] == [("ARO103", 1)]


async def test_a_broken_notebook_is_logged_and_the_server_keeps_serving(
    client: LanguageClient, workspace: Path
) -> None:
    await initialize(client, workspace, notebooks=True)
    path = workspace / "broken.ipynb"
    # A cell whose text document the client never sent.
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=path.as_uri(),
                notebook_type="jupyter-notebook",
                version=1,
                cells=[types.NotebookCell(kind=CODE, document=cell_uri(path, 0))],
            ),
            cell_text_documents=[],
        )
    )
    uri = open_document(client, workspace / "tasks.py", SEED)
    assert len(await next_diagnostics(client, uri)) == 3
    records = client.published  # type: ignore[attr-defined]
    assert {p.uri for p in records} == {uri}
    assert any("cannot check notebook" in m.message for m in client.log_messages)


@pytest.mark.parametrize("language", ["json", "python"])
async def test_ipynb_opened_as_text_is_ignored(
    client: LanguageClient, workspace: Path, language: str
) -> None:
    await initialize(client, workspace)
    path = workspace / "photos.ipynb"
    text = '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}\n'
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=path.as_uri(), language_id=language, version=1, text=text
            )
        )
    )
    uri = open_document(client, workspace / "tasks.py", SEED)
    assert len(await next_diagnostics(client, uri)) == 3
    records = client.published  # type: ignore[attr-defined]
    assert all(p.uri != path.as_uri() for p in records)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
            range=types.Range(start=types.Position(0, 0), end=types.Position(0, 10)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert not actions


async def test_a_cell_sent_as_a_text_document_is_checked_alone(
    client: LanguageClient, workspace: Path
) -> None:
    # A client without notebook sync sends cells as Python documents: as before.
    await initialize(client, workspace)
    uri = f"vscode-notebook-cell:{(workspace / 'photos.ipynb').as_posix()}#W0sZmlsZQ"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=SEED
            )
        )
    )
    assert len(await next_diagnostics(client, uri)) == 3
