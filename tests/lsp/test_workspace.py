"""The server sees the whole workspace folder: the seed project, over stdio.

Open buffers count instead of their files (saved or not), saving or changing a file
on disk makes the index read the disk again, and what the server reports for a file
is what ``flake8-asyncio-run check`` reports for the same texts on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from lsp_helpers import (
    TIMEOUT,
    action_edits,
    apply_edits,
    initialize,
    open_document,
    replace_document,
)
from lsprotocol import types
from pytest_lsp import LanguageClient

pytestmark = pytest.mark.asyncio

SEED = Path(__file__).parent.parent / "fixtures" / "project_seed"
TASKS = "app/workers/tasks.py"
CONNECTION = "database/connection.py"
UTILS = "app/utils/async_utils.py"
RUNS_A_LOOP = "    return asyncio.run(coro)\n"
RUNS_NOTHING = "    return coro\n"

#: (code, line, column, end line, end column, message), 1-based as ``check`` prints them.
Found = tuple[str, int, int, int, int, str]
CHECK = (sys.executable, "-m", "flake8_asyncio_run", "check")


def copy_seed(destination: Path) -> Path:
    shutil.copytree(SEED, destination)
    return destination


def check(root: Path, relative: str) -> list[Found]:
    """What ``flake8-asyncio-run check`` reports for one file of the project at ``root``."""
    done = subprocess.run(
        [*CHECK, "--no-cache", "--output-format", "json", "--exit-zero", "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found = []
    for finding in json.loads(done.stdout)["findings"]:
        if Path(finding["path"]) == Path(relative):
            start, end = finding["range"]["start"], finding["range"]["end"]
            found.append(
                (
                    finding["code"],
                    start["line"],
                    start["column"],
                    end["line"],
                    end["column"],
                    finding["message"],
                )
            )
    return found


def check_with(tmp: Path, name: str, changes: dict[str, str]) -> dict[str, list[Found]]:
    """``check``'s findings for tasks.py and connection.py of a copy of the seed with
    ``changes`` (path -> new text) written to disk: what buffers with that text mean."""
    root = copy_seed(tmp / name)
    for relative, text in changes.items():
        (root / relative).write_text(text, encoding="utf-8")
    return {TASKS: check(root, TASKS), CONNECTION: check(root, CONNECTION)}


def as_found(diagnostics: list[types.Diagnostic]) -> list[Found]:
    """The server's diagnostics in ``check``'s terms (the seed is ASCII: no encoding)."""
    return [
        (
            str(d.code),
            d.range.start.line + 1,
            d.range.start.character + 1,
            d.range.end.line + 1,
            d.range.end.character + 1,
            d.message,
        )
        for d in diagnostics
    ]


async def settled(
    client: LanguageClient, uri: str, expected: list[Found], timeout: float = TIMEOUT
) -> list[Found]:
    """Wait until the latest diagnostics of ``uri`` are ``expected``; fail with what
    the server last said when they never are."""
    return await until(client, uri, lambda found: found == expected, timeout)


async def until(
    client: LanguageClient,
    uri: str,
    wanted: Callable[[list[Found]], bool],
    timeout: float = TIMEOUT,
) -> list[Found]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        latest = client.diagnostics.get(uri)
        found = as_found(latest) if latest is not None else None
        if found is not None and wanted(found):
            return found
        remaining = deadline - loop.time()
        if remaining <= 0:
            pytest.fail(f"{uri}: the diagnostics never settled; last published: {found}")
        with contextlib.suppress(asyncio.TimeoutError):  # then fail, with what it said
            await asyncio.wait_for(
                client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), remaining
            )


async def quiet(client: LanguageClient, uri: str, seconds: float = 1.0) -> list[Found]:
    """The diagnostics of ``uri`` after ``seconds`` without a change to them."""
    await asyncio.sleep(seconds)
    latest = client.diagnostics.get(uri)
    assert latest is not None
    return as_found(latest)


def open_file(client: LanguageClient, root: Path, relative: str, version: int = 1) -> str:
    path = root / relative
    return open_document(client, path, path.read_text(encoding="utf-8"), version)


def save(client: LanguageClient, uri: str) -> None:
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


def close(client: LanguageClient, uri: str) -> None:
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


def changed_on_disk(client: LanguageClient, path: Path) -> None:
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=path.as_uri(), type=types.FileChangeType.Changed)]
        )
    )


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    return copy_seed(tmp_path / "seed")


@pytest.fixture
def original(seed: Path) -> dict[str, list[Found]]:
    found = {TASKS: check(seed, TASKS), CONNECTION: check(seed, CONNECTION)}
    # What the seed is about, so that the comparisons below compare something.
    assert [f[0] for f in found[TASKS]] == ["ARO101", "ARO101", "ARO102"]
    ((code, line, *_, message),) = found[CONNECTION]
    assert (code, line) == ("ARO201", 11)
    assert "'app.workers.tasks:analyze_photo_task'" in message
    return found


def without_loop(seed: Path) -> str:
    text = (seed / UTILS).read_text(encoding="utf-8")
    assert RUNS_A_LOOP in text
    return text.replace(RUNS_A_LOOP, RUNS_NOTHING)


async def test_open_documents_match_check(
    client: LanguageClient, seed: Path, original: dict[str, list[Found]]
) -> None:
    await initialize(client, seed)
    tasks = open_file(client, seed, TASKS)
    connection = open_file(client, seed, CONNECTION)
    assert await settled(client, tasks, original[TASKS]) == original[TASKS]
    assert await settled(client, connection, original[CONNECTION]) == original[CONNECTION]
    # Opening a file as it is on disk changes nothing for the others: no second round.
    assert await quiet(client, tasks) == original[TASKS]


async def test_unsaved_buffer_of_another_module(
    client: LanguageClient, seed: Path, tmp_path: Path, original: dict[str, list[Found]]
) -> None:
    disk = (seed / UTILS).read_text(encoding="utf-8")
    edited = without_loop(seed)
    expected = check_with(tmp_path, "edited", {UTILS: edited})
    assert expected[TASKS] == []  # run_sync runs no loop: none of the three findings
    ((_, _, _, _, _, message),) = expected[CONNECTION]
    assert "'app.workers.tasks:notify_task'" in message  # the other entry reaches it now

    await initialize(client, seed)
    tasks = open_file(client, seed, TASKS)
    connection = open_file(client, seed, CONNECTION)
    await settled(client, tasks, original[TASKS])
    await settled(client, connection, original[CONNECTION])

    utils = open_file(client, seed, UTILS)
    replace_document(client, utils, edited, 2)  # not saved
    assert await settled(client, tasks, []) == []
    assert await settled(client, connection, expected[CONNECTION]) == expected[CONNECTION]
    assert (seed / UTILS).read_text(encoding="utf-8") == disk

    # Back as it was: so are the findings.
    replace_document(client, utils, disk, 3)
    assert await settled(client, tasks, original[TASKS]) == original[TASKS]
    assert await settled(client, connection, original[CONNECTION]) == original[CONNECTION]

    # Edited again, then closed without saving: the file on disk counts again.
    replace_document(client, utils, edited, 4)
    await settled(client, tasks, [])
    close(client, utils)
    assert await settled(client, tasks, original[TASKS]) == original[TASKS]
    assert await settled(client, connection, original[CONNECTION]) == original[CONNECTION]


async def test_saved_and_changed_files_refresh_the_index(
    client: LanguageClient, seed: Path, tmp_path: Path, original: dict[str, list[Found]]
) -> None:
    disk = (seed / UTILS).read_text(encoding="utf-8")
    edited = without_loop(seed)
    expected = check_with(tmp_path, "edited", {UTILS: edited})
    await initialize(client, seed)
    tasks = open_file(client, seed, TASKS)
    connection = open_file(client, seed, CONNECTION)
    await settled(client, tasks, original[TASKS])

    # Another program changes a file nobody has open: the watcher tells the server.
    (seed / UTILS).write_text(edited, encoding="utf-8")
    changed_on_disk(client, seed / UTILS)
    assert await settled(client, tasks, expected[TASKS]) == []
    assert await settled(client, connection, expected[CONNECTION]) == expected[CONNECTION]
    (seed / UTILS).write_text(disk, encoding="utf-8")
    changed_on_disk(client, seed / UTILS)
    assert await settled(client, tasks, original[TASKS]) == original[TASKS]

    # Edited in the editor and saved, then closed: the saved text is what counts now.
    utils = open_file(client, seed, UTILS)
    replace_document(client, utils, edited, 2)
    await settled(client, tasks, [])
    (seed / UTILS).write_text(edited, encoding="utf-8")
    save(client, utils)
    close(client, utils)
    assert await quiet(client, tasks) == []
    assert await settled(client, connection, expected[CONNECTION]) == expected[CONNECTION]


async def test_editing_tasks_clears_the_cached_pool_finding(
    client: LanguageClient, seed: Path, tmp_path: Path, original: dict[str, list[Found]]
) -> None:
    text = (seed / TASKS).read_text(encoding="utf-8")
    no_runners = text.replace("run_sync(", "(").replace("asyncio.run(", "(")
    assert no_runners.count("(download(key))") == 2
    expected = check_with(tmp_path, "no-runners", {TASKS: no_runners})
    assert expected == {TASKS: [], CONNECTION: []}

    await initialize(client, seed)
    tasks = open_file(client, seed, TASKS)
    connection = open_file(client, seed, CONNECTION)
    await settled(client, connection, original[CONNECTION])
    replace_document(client, tasks, no_runners, 2)
    assert await settled(client, tasks, []) == []
    assert await settled(client, connection, []) == []


async def test_quick_fix_knows_the_wrapper_of_another_module(
    client: LanguageClient, seed: Path, original: dict[str, list[Found]]
) -> None:
    await initialize(client, seed)
    tasks = open_file(client, seed, TASKS)
    await settled(client, tasks, original[TASKS])
    diagnostics = client.diagnostics[tasks]
    first = diagnostics[0]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=tasks),
            range=first.range,
            context=types.CodeActionContext(diagnostics=[first]),
        )
    )
    quick = [a for a in actions or [] if isinstance(a, types.CodeAction) and a.kind == "quickfix"]
    assert quick, "no quick fix: the fixer did not see run_sync as a runner"
    assert quick[0].title.startswith("Combine event loops into one coroutine")
    text = (seed / TASKS).read_text(encoding="utf-8")
    fixed = apply_edits(text, action_edits(quick[0], tasks))
    compile(fixed, TASKS, "exec")
    assert "        verdict = await verify_photo(photo)" in fixed
    assert text.count("run_sync(") == 4
    assert fixed.count("run_sync(") == 2  # one for the combined coroutine, the loop's
