"""The language server end to end, over stdio, with a real LSP client."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsp_helpers import (
    SEED,
    action_edits,
    apply_edits,
    initialize,
    next_diagnostics,
    open_document,
    replace_document,
)
from lsprotocol import types
from pytest_lsp import LanguageClient

from flake8_asyncio_run.rules import RULES

pytestmark = pytest.mark.asyncio

NON_ASCII = """\
import asyncio


def task():
    label = "é😀"; first = asyncio.run(one())
    label = "é😀"; second = asyncio.run(two())
"""


async def test_diagnostics_on_open_for_unsaved_buffer(
    client: LanguageClient, workspace: Path
) -> None:
    result = await initialize(client, workspace)
    assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf16
    # The file does not exist on disk: the server must use the buffer's text.
    uri = open_document(client, workspace / "tasks.py", SEED)
    diagnostics = await next_diagnostics(client, uri)
    assert [d.code for d in diagnostics] == ["ARO101", "ARO101", "ARO101"]
    first = diagnostics[0]
    assert first.source == "flake8-asyncio-run"
    assert first.severity == types.DiagnosticSeverity.Warning
    assert first.code_description is not None
    assert first.code_description.href == RULES["ARO101"].docs_url
    line = SEED.splitlines()[first.range.start.line]
    assert line[first.range.start.character :].startswith("asyncio.run(fraudlens")
    assert "2nd event loop" in first.message


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [
        (None, "utf-16"),
        (["utf-16"], "utf-16"),
        (["utf-8", "utf-16"], "utf-8"),
        (["utf-32", "utf-16"], "utf-32"),
        (["utf-16", "utf-8"], "utf-16"),
    ],
)
async def test_position_encoding_negotiated_and_used(
    client: LanguageClient, workspace: Path, offered: list[str] | None, chosen: str
) -> None:
    result = await initialize(client, workspace, offered)
    assert result.capabilities.position_encoding == chosen
    uri = open_document(client, workspace / "tasks.py", NON_ASCII)
    (diagnostic,) = await next_diagnostics(client, uri)
    line = NON_ASCII.splitlines()[diagnostic.range.start.line]
    prefix = line[: line.index("asyncio.run(two")]
    expected = {
        "utf-8": len(prefix.encode("utf-8")),
        "utf-16": len(prefix.encode("utf-16-le")) // 2,
        "utf-32": len(prefix),
    }[chosen]
    assert diagnostic.range.start.character == expected
    # The three encodings really differ on this line, so the test can tell them apart.
    sizes = {len(prefix), len(prefix.encode("utf-8")), len(prefix.encode("utf-16-le")) // 2}
    assert len(sizes) == 3
    call = "asyncio.run(two())"
    end_prefix = prefix + call
    assert (
        diagnostic.range.end.character
        == {
            "utf-8": len(end_prefix.encode("utf-8")),
            "utf-16": len(end_prefix.encode("utf-16-le")) // 2,
            "utf-32": len(end_prefix),
        }[chosen]
    )


async def test_change_save_and_close(client: LanguageClient, workspace: Path) -> None:
    await initialize(client, workspace)
    uri = open_document(client, workspace / "tasks.py", SEED)
    assert len(await next_diagnostics(client, uri)) == 3
    clean = SEED.replace("    user = asyncio.run(users.get_user(user_id))\n", "    user = None\n")
    replace_document(client, uri, clean, 2)
    assert len(await next_diagnostics(client, uri)) == 2
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert len(await next_diagnostics(client, uri)) == 2
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert await next_diagnostics(client, uri) == []


async def test_changes_are_debounced(client: LanguageClient, workspace: Path) -> None:
    await initialize(client, workspace)
    uri = open_document(client, workspace / "tasks.py", SEED)
    await next_diagnostics(client, uri)
    published = client.published  # type: ignore[attr-defined]
    before = len(published)
    lines = SEED.splitlines(keepends=True)
    # Typing: ten versions in quick succession, the last one with a single loop left.
    for version in range(2, 12):
        keep = len(lines) - (version - 2) % 3
        text = "".join(lines[:keep]) if version < 11 else SEED.replace("asyncio.run(", "(")
        replace_document(client, uri, text, version)
    diagnostics = await next_diagnostics(client, uri)
    await asyncio.sleep(1.0)
    after = [p for p in published[before:] if p.uri == uri]
    assert len(after) == 1, [p.version for p in after]
    assert after[0].version == 11
    assert diagnostics == []


async def test_large_file_does_not_block_other_documents(
    client: LanguageClient, workspace: Path
) -> None:
    await initialize(client, workspace)
    body = "".join(
        f"def task_{i}(x):\n    a = asyncio.run(f(x))\n    b = asyncio.run(g(a))\n    return b\n\n"
        for i in range(4000)
    )
    large = open_document(client, workspace / "large.py", "import asyncio\n\n" + body)
    small = open_document(client, workspace / "small.py", NON_ASCII)
    order: list[str] = []
    while large not in order:
        params = await asyncio.wait_for(
            client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 120
        )
        order.append(params.uri)
    # The small document is published first (and again, when the large one's facts
    # change the folder's index: its 4000 tasks are entries other modules may call).
    assert order[0] == small and set(order) == {small, large}
    assert len(client.diagnostics[large]) == 4000


async def test_options_come_from_workspace_config(client: LanguageClient, workspace: Path) -> None:
    (workspace / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nrequires-python = ">=3.11"\n\n'
        '[tool.flake8-asyncio-run]\nasyncio-runners = ["jobs.util.run_async"]\n',
        encoding="utf-8",
    )
    text = (
        "from jobs.util import run_async\n\n\n"
        "def task():\n    run_async(one())\n    run_async(two())\n"
    )
    await initialize(client, workspace)
    uri = open_document(client, workspace / "tasks.py", text)
    assert [d.code for d in await next_diagnostics(client, uri)] == ["ARO101"]


async def test_config_mistake_is_shown_and_defaults_are_used(
    client: LanguageClient, workspace: Path
) -> None:
    """A code no rule starts with: the editor shows the error, and the document is still
    checked, with the default selection (``AR0`` would have selected nothing)."""
    pyproject = workspace / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "demo"\n\n[tool.flake8-asyncio-run]\nselect = ["AR0"]\n',
        encoding="utf-8",
    )
    await initialize(client, workspace)
    uri = open_document(client, workspace / "tasks.py", SEED)
    assert len(await next_diagnostics(client, uri)) == 3
    warnings = [m for m in client.messages if m.type == types.MessageType.Warning]
    assert [m.message for m in warnings] == [
        f"flake8-asyncio-run: {pyproject}: 'select': 'AR0' is not a flake8-asyncio-run "
        "code or the start of one; did you mean 'ARO'? (using the default settings)"
    ]


async def test_combine_quick_fix_end_to_end(client: LanguageClient, workspace: Path) -> None:
    """The acceptance scenario: diagnostics, a quick fix, the edit, no diagnostics."""
    await initialize(client, workspace)
    uri = open_document(client, workspace / "tasks.py", SEED)
    diagnostics = await next_diagnostics(client, uri)
    assert len(diagnostics) == 3
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostics[0].range,
            context=types.CodeActionContext(diagnostics=diagnostics[:1]),
        )
    )
    assert actions
    titles = [a.title for a in actions if isinstance(a, types.CodeAction)]
    assert titles[0] == "Combine event loops into one coroutine"
    combine = actions[0]
    assert isinstance(combine, types.CodeAction)
    assert combine.kind == types.CodeActionKind.QuickFix
    assert combine.is_preferred
    assert {d.code for d in combine.diagnostics or []} == {"ARO101"}
    # requires-python >= 3.11: the asyncio.Runner variant is offered too.
    assert any("Runner" in title for title in titles[1:])
    fixed = apply_edits(SEED, action_edits(combine, uri))
    assert fixed != SEED
    compile(fixed, "tasks.py", "exec")
    assert fixed.count("asyncio.run(") == 1
    replace_document(client, uri, fixed, 2)
    assert await next_diagnostics(client, uri) == []


async def test_runner_variant_needs_python_311(client: LanguageClient, workspace: Path) -> None:
    (workspace / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nrequires-python = ">=3.10"\n', encoding="utf-8"
    )
    await initialize(client, workspace)
    uri = open_document(client, workspace / "tasks.py", SEED)
    diagnostics = await next_diagnostics(client, uri)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostics[-1].range,
            context=types.CodeActionContext(diagnostics=diagnostics[-1:]),
        )
    )
    titles = [a.title for a in actions or [] if a.kind == types.CodeActionKind.QuickFix]
    assert titles == ["Combine event loops into one coroutine", "Disable ARO101 for this line"]


async def test_await_quick_fix_for_aro103_with_utf8(
    client: LanguageClient, workspace: Path
) -> None:
    text = (
        "import asyncio\n\n\nasync def handler():\n"
        '    note = "ünïcödé"; value = asyncio.run(fetch())\n'
        "    return value\n"
    )
    await initialize(client, workspace, ["utf-8"])
    uri = open_document(client, workspace / "handlers.py", text)
    (diagnostic,) = await next_diagnostics(client, uri)
    assert diagnostic.code == "ARO103"
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    quick = [a for a in actions or [] if a.kind == types.CodeActionKind.QuickFix]
    action, silence = quick
    assert isinstance(action, types.CodeAction)
    assert action.title == "Replace asyncio.run() with await"
    assert silence.title == "Disable ARO103 for this line"
    fixed = apply_edits(text, action_edits(action, uri), "utf-8")
    assert 'note = "ünïcödé"; value = await fetch()\n' in fixed
    replace_document(client, uri, fixed, 2)
    assert await next_diagnostics(client, uri) == []


async def test_no_actions_away_from_findings(client: LanguageClient, workspace: Path) -> None:
    await initialize(client, workspace)
    uri = open_document(client, workspace / "tasks.py", SEED)
    await next_diagnostics(client, uri)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(0, 0), end=types.Position(0, 3)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert not actions


async def test_config_change_rechecks_open_documents(
    client: LanguageClient, workspace: Path
) -> None:
    text = (
        "from jobs.util import run_async\n\n\n"
        "def task():\n    run_async(one())\n    run_async(two())\n"
    )
    await initialize(client, workspace)
    uri = open_document(client, workspace / "tasks.py", text)
    assert await next_diagnostics(client, uri) == []
    # The server asked to hear about config files it cannot see as buffers.
    await asyncio.sleep(0.5)
    (registration,) = client.registrations  # type: ignore[attr-defined]
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    pattern = registration.register_options["watchers"][0]["globPattern"]
    assert "pyproject.toml" in pattern and "setup.cfg" in pattern
    pyproject = workspace / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8")
        + '\n[tool.flake8-asyncio-run]\nasyncio-runners = ["jobs.util.run_async"]\n',
        encoding="utf-8",
    )
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    assert [d.code for d in await next_diagnostics(client, uri)] == ["ARO101"]


async def test_path_patterns_are_anchored_at_the_workspace(
    client: LanguageClient, workspace: Path
) -> None:
    # The server runs in another directory; patterns must still mean the workspace's.
    (workspace / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nrequires-python = ">=3.11"\n\n'
        "[tool.flake8-asyncio-run]\n"
        'extend-exclude = ["./generated"]\n'
        'per-file-ignores = { "legacy/*" = ["ARO101"] }\n',
        encoding="utf-8",
    )
    await initialize(client, workspace)
    legacy = open_document(client, workspace / "legacy" / "old.py", SEED)
    assert await next_diagnostics(client, legacy) == []
    generated = open_document(client, workspace / "generated" / "gen.py", SEED)
    assert await next_diagnostics(client, generated) == []
    normal = open_document(client, workspace / "jobs" / "tasks.py", SEED)
    assert len(await next_diagnostics(client, normal)) == 3


async def test_fix_all_source_action(client: LanguageClient, workspace: Path) -> None:
    await initialize(client, workspace)
    text = SEED + "\n\nasync def handler():\n    return asyncio.run(users.get_user(1))\n"
    uri = open_document(client, workspace / "tasks.py", text)
    assert len(await next_diagnostics(client, uri)) == 4
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(0, 0), end=types.Position(0, 0)),
            context=types.CodeActionContext(
                diagnostics=[], only=[types.CodeActionKind.SourceFixAll]
            ),
        )
    )
    (action,) = actions or []
    assert isinstance(action, types.CodeAction)
    assert action.kind == "source.fixAll.flake8-asyncio-run"
    fixed = apply_edits(text, action_edits(action, uri))
    assert "await users.get_user(1)" in fixed
    replace_document(client, uri, fixed, 2)
    assert await next_diagnostics(client, uri) == []


async def test_only_quick_fixes_when_asked(client: LanguageClient, workspace: Path) -> None:
    await initialize(client, workspace)
    uri = open_document(client, workspace / "tasks.py", SEED)
    diagnostics = await next_diagnostics(client, uri)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostics[0].range,
            context=types.CodeActionContext(
                diagnostics=diagnostics[:1], only=[types.CodeActionKind.QuickFix]
            ),
        )
    )
    kinds = {a.kind for a in actions or [] if isinstance(a, types.CodeAction)}
    assert kinds == {types.CodeActionKind.QuickFix}


async def test_only_python_documents_are_checked(client: LanguageClient, workspace: Path) -> None:
    await initialize(client, workspace)
    notes = workspace / "notes.txt"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=notes.as_uri(), language_id="plaintext", version=1, text="import asyncio (\n"
            )
        )
    )
    uri = open_document(client, workspace / "tasks.py", SEED)
    assert len(await next_diagnostics(client, uri)) == 3
    published = client.published  # type: ignore[attr-defined]
    assert all(p.uri != notes.as_uri() for p in published)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
async def test_incremental_edits_after_non_ascii(
    client: LanguageClient, workspace: Path, encoding: str
) -> None:
    await initialize(client, workspace, [encoding])
    uri = open_document(client, workspace / "tasks.py", NON_ASCII)
    assert len(await next_diagnostics(client, uri)) == 1
    # Replace "two()" on line 6 by "one()", addressing it in the negotiated encoding.
    line = NON_ASCII.splitlines()[5]
    start = line.index("two()")
    units = {"utf-8": "utf-8", "utf-16": "utf-16-le", "utf-32": "utf-32-le"}[encoding]
    width = {"utf-8": 1, "utf-16": 2, "utf-32": 4}[encoding]
    character = len(line[:start].encode(units)) // width
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(5, character), end=types.Position(5, character + 3)
                    ),
                    text="one",
                ),
                # And turn the first call into an await-free assignment: one loop left.
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(
                            4, len('    label = "é😀"; first = '.encode(units)) // width
                        ),
                        end=types.Position(
                            4, len('    label = "é😀"; first = asyncio.run('.encode(units)) // width
                        ),
                    ),
                    text="(",
                ),
            ],
        )
    )
    diagnostics = await next_diagnostics(client, uri)
    assert diagnostics == []
