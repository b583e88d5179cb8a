"""Client-side helpers: initialise with given encodings, wait for diagnostics, apply edits."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

SEED = """\
import asyncio


class Storage:
    async def download(self, key):
        return key.encode()


class FraudLens:
    async def verify_photo(self, photo_bytes):
        return {"score": len(photo_bytes), "verdict": "real"}


class Analyses:
    async def create_analysis(self, key, user_id, photo_bytes, result):
        return f"ANL-{key}-{user_id}"


class Users:
    async def get_user(self, user_id):
        return {"subscription_tier": "pro"}


storage, fraudlens, analyses, users = Storage(), FraudLens(), Analyses(), Users()


def analyze_photo_task(photo_key, user_id):
    photo_bytes = asyncio.run(storage.download(photo_key))
    result = asyncio.run(fraudlens.verify_photo(photo_bytes))
    analysis_id = asyncio.run(analyses.create_analysis(photo_key, user_id, photo_bytes, result))
    user = asyncio.run(users.get_user(user_id))
    user_tier = user.get("subscription_tier", "free") if user else "free"
    return {"analysis_id": analysis_id, "user_tier": user_tier}
"""

#: Generous: a loaded CI machine (two cores, several suites at once) took over 30 s.
TIMEOUT = 90


async def initialize(
    client: LanguageClient,
    root: Path,
    encodings: list[str] | None = None,
    notebooks: bool = False,
) -> types.InitializeResult:
    capabilities = types.ClientCapabilities(
        general=types.GeneralClientCapabilities(position_encodings=encodings)
        if encodings is not None
        else None,
        workspace=types.WorkspaceClientCapabilities(
            workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True),
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=True
            ),
        ),
        text_document=types.TextDocumentClientCapabilities(
            code_action=types.CodeActionClientCapabilities(
                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                    code_action_kind=types.ClientCodeActionKindOptions(
                        value_set=[types.CodeActionKind.QuickFix]
                    )
                )
            ),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True),
        ),
        notebook_document=types.NotebookDocumentClientCapabilities(
            synchronization=types.NotebookDocumentSyncClientCapabilities()
        )
        if notebooks
        else None,
    )
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        )
    )


async def next_diagnostics(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    """Wait for the next publishDiagnostics for ``uri``."""
    while True:
        params = await asyncio.wait_for(
            client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), TIMEOUT
        )
        if params.uri == uri:
            return list(params.diagnostics)


def open_document(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=version, text=text
            )
        )
    )
    return uri


def replace_document(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def _units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-32":
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def offset(text: str, position: types.Position, encoding: str = "utf-16") -> int:
    """A position in ``encoding`` code units -> an index into ``text`` (LF only)."""
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[: position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    column = 0
    while column < len(line) and _units(line[:column], encoding) < position.character:
        column += 1
    return start + column


def apply_edits(text: str, edits: list[types.TextEdit], encoding: str = "utf-16") -> str:
    """What an editor does with a quick fix: apply the edits from last to first."""
    spans = sorted(
        (
            (offset(text, e.range.start, encoding), offset(text, e.range.end, encoding), e.new_text)
            for e in edits
        ),
        reverse=True,
    )
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text


def action_edits(action: types.CodeAction, uri: str) -> list[types.TextEdit]:
    assert action.edit is not None
    if action.edit.document_changes:
        edits: list[types.TextEdit] = []
        for change in action.edit.document_changes:
            assert isinstance(change, types.TextDocumentEdit)
            assert change.text_document.uri == uri
            edits.extend(e for e in change.edits if isinstance(e, types.TextEdit))
        return edits
    assert action.edit.changes is not None
    return list(action.edit.changes[uri])
