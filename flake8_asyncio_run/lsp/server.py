"""The pygls server: diagnostics on open/change/save, quick fixes from the fixer, and
``# noqa`` comments that silence a finding (``noqa_edit``, as ``check --add-noqa``).

Analysis runs in worker threads, never in the message loop, and a change is analysed
only after the user pauses typing (``DEBOUNCE_SECONDS``); a result for text that has
changed since is thrown away.  Settings come from the config files of the workspace
folder that holds the document, read as the CLI reads them.

Each workspace folder has one set of project indexes (``OpenProjects``), in which
open buffers count instead of their files: a change to one buffer re-checks the other
open documents of its folder when it changed what the index knows, and a saved or
otherwise changed Python file makes the index read the disk again.

A notebook synced as a notebook document is checked as ``check`` checks an ``.ipynb``
file: its Python code cells as one module; each cell document gets its own
diagnostics, and its code actions edit that cell only (``notebooks.py``).  An
``.ipynb`` file opened as a plain text document is left alone: its JSON lines are not
the cells' lines.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from flake8_asyncio_run import __version__
from flake8_asyncio_run.checker import FileResult, check_notebook, check_source
from flake8_asyncio_run.config import ConfigError, Settings, load_settings
from flake8_asyncio_run.discovery import is_force_excluded
from flake8_asyncio_run.findings import Finding, FixPlan, Span
from flake8_asyncio_run.lines import LineIndex, split_lines
from flake8_asyncio_run.lsp.actions import (
    FIXABLE,
    Offer,
    noqa_offers,
    offers,
    overlaps,
    styles_for,
)
from flake8_asyncio_run.lsp.encoding import from_client, to_client
from flake8_asyncio_run.lsp.notebooks import (
    CellPlace,
    OpenNotebook,
    local_span,
    place_of,
    places,
    snapshot,
)
from flake8_asyncio_run.lsp.workspace import OpenProjects
from flake8_asyncio_run.notebook.cells import (
    Notebook,
    NotebookError,
    is_notebook_path,
    read_cells,
)
from flake8_asyncio_run.project.layout import forget_roots
from flake8_asyncio_run.rules import RULES
from flake8_asyncio_run.selection import SYNTAX_ERROR
from flake8_asyncio_run.sourcefile import SourceText
from flake8_asyncio_run.targets import resolve_target

logger = logging.getLogger(__name__)

SOURCE = "flake8-asyncio-run"
DEBOUNCE_SECONDS = 0.3
FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.{SOURCE}"
FIX_ALL_TITLE = "Fix all event-loop findings (safe fixes)"
CELL_FIX_ALL_TITLE = "Fix all event-loop findings in this cell (safe fixes)"
PYTHON_SUFFIXES = frozenset({".py", ".pyi"})
CONFIG_FILES = frozenset({"pyproject.toml", "setup.cfg", "tox.ini", ".flake8"})


@dataclass
class Checked:
    """One analysis of one version of a document."""

    version: int | None
    text: str
    result: FileResult
    settings: Settings
    root: Path
    #: Plans per fix style, computed on the first code-action request.
    plans: dict[str, list[FixPlan]] = field(default_factory=dict)
    #: The text after ``fix`` (safe fixes), computed on the first fix-all request.
    fixed: str | None = None
    #: This text changed its project's index: other open documents may read otherwise.
    changed: bool = False


class AsyncioRunServer(LanguageServer):
    def __init__(self, debounce: float = DEBOUNCE_SECONDS) -> None:
        super().__init__(
            SOURCE,
            __version__,
            # Python cells of any notebook ("*"); pygls keeps the cells' documents.
            # The filter names the notebook: lsprotocol clients (pytest-lsp) cannot
            # read the form without one.
            notebook_document_sync=types.NotebookDocumentSyncOptions(
                notebook_selector=[
                    types.NotebookDocumentFilterWithNotebook(
                        notebook="*", cells=[types.NotebookCellLanguage(language="python")]
                    )
                ],
                save=True,
            ),
        )
        self.debounce = debounce
        self.executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="aro-analysis")
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.checked: dict[str, Checked] = {}
        #: Open notebooks' latest analyses, and the cell URIs given diagnostics.
        self.notebooks: dict[str, OpenNotebook] = {}
        self.published_cells: dict[str, set[str]] = {}
        self.settings_cache: dict[Path, Settings] = {}
        self.reported_config_errors: set[str] = set()
        #: One set of project indexes per workspace folder (per root of ``root_for``).
        self.registries: dict[Path, OpenProjects] = {}
        #: When each open document was opened, in the order of the openings.
        self.opened: dict[str, int] = {}
        self._openings = itertools.count(1)

    # Settings -------------------------------------------------------------------

    def root_for(self, path: Path) -> Path:
        """The innermost workspace folder holding ``path``, else its directory."""
        roots = [Path(to_fs_path(f.uri) or "") for f in self.workspace.folders.values()]
        if self.workspace.root_path:
            roots.append(Path(self.workspace.root_path))
        holding = [r for r in roots if r.parts and path.is_relative_to(r)]
        return max(holding, key=lambda r: len(r.parts)) if holding else path.parent

    def settings_for(self, root: Path) -> Settings:
        if root not in self.settings_cache:
            try:
                self.settings_cache[root] = load_settings(root)
            except ConfigError as error:
                message = f"{SOURCE}: {error} (using the default settings)"
                if message not in self.reported_config_errors:
                    self.reported_config_errors.add(message)
                    self.window_show_message(
                        types.ShowMessageParams(types.MessageType.Warning, message)
                    )
                self.settings_cache[root] = Settings()
        return self.settings_cache[root]

    def projects_for(self, root: Path, settings: Settings) -> OpenProjects:
        """The project indexes of a workspace folder, with its excludes anchored there."""
        registry = self.registries.get(root)
        if registry is None:
            excludes = rooted_settings(settings, root).excludes
            registry = OpenProjects(settings.analysis, excludes, settings.cache)
            self.registries[root] = registry
        return registry

    # Analysis -------------------------------------------------------------------

    def schedule(self, uri: str, delay: float) -> None:
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.pending[uri] = asyncio.get_running_loop().create_task(self._analyse_later(uri, delay))

    async def _analyse_later(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        if self.workspace.get_notebook_document(notebook_uri=uri) is not None:
            await self._analyse_notebook(uri)
            return
        if uri not in self.workspace.text_documents:
            return  # closed meanwhile
        document = self.workspace.get_text_document(uri)
        version, text = document.version, document.source
        path = Path(to_fs_path(uri) or uri)
        if not is_python_document(document.language_id, path):
            return  # a client that sends every file: only Python is ours
        root = self.root_for(path)
        settings = self.settings_for(root)
        projects = self.projects_for(root, settings)
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(
            self.executor,
            analyse,
            text,
            path,
            root,
            settings,
            version,
            projects,
            self.opened.get(uri, 0),
        )
        # Even when this task is cancelled (a newer change) or its result is stale, the
        # buffer's facts went into the index: the other documents must hear of it.
        future.add_done_callback(partial(self._analysed, root, uri))
        try:
            checked = await asyncio.shield(future)
        except Exception as error:  # keep serving; the log says which file and why
            self.log(f"internal error analysing {path}: {type(error).__name__}: {error}")
            return
        if uri not in self.workspace.text_documents:
            return
        current = self.workspace.get_text_document(uri)
        if current.version != version or current.source != text:
            return  # edited meanwhile: the newer change has its own analysis scheduled
        self.checked[uri] = checked
        if self.pending.get(uri) is asyncio.current_task():
            del self.pending[uri]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri, version=version, diagnostics=diagnostics(checked, self.encoding)
            )
        )

    def _analysed(self, root: Path, uri: str, future: asyncio.Future[Checked]) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        if future.result().changed:
            self.recheck(root, exclude=uri)

    # Notebooks ------------------------------------------------------------------

    async def _analyse_notebook(self, uri: str) -> None:
        state = await self.notebook_checked(uri)
        if state is None:
            return
        current = self.workspace.get_notebook_document(notebook_uri=uri)
        if current is None or snapshot(current, self.workspace.text_documents) != state.cells:
            return  # edited or closed meanwhile: a newer analysis is scheduled
        self.notebooks[uri] = state
        if self.pending.get(uri) is asyncio.current_task():
            del self.pending[uri]
        self.publish_cells(uri, cell_diagnostics(state, self.encoding))

    async def notebook_checked(self, uri: str) -> OpenNotebook | None:
        """The notebook's cells analysed as one module, in a worker thread; None (and
        a log line) for a notebook that cannot be read."""
        document = self.workspace.get_notebook_document(notebook_uri=uri)
        if document is None:
            return None
        cells = snapshot(document, self.workspace.text_documents)
        path = Path(to_fs_path(uri) or uri)
        try:
            if cells is None:
                raise NotebookError("a cell's text document is missing")
            notebook = read_cells([cell.text for cell in cells])
            root = self.root_for(path)
            settings = self.settings_for(root)
            checked = await asyncio.get_running_loop().run_in_executor(
                self.executor,
                analyse_notebook,
                notebook,
                path,
                root,
                settings,
                document.version,
                self.projects_for(root, settings),
            )
        except Exception as error:  # a bad notebook: keep serving, publish nothing
            self.log(f"cannot check notebook {uri}: {type(error).__name__}: {error}")
            return None
        return OpenNotebook(uri, cells, notebook, checked, places(notebook, cells))

    def publish_cells(self, uri: str, by_cell: dict[str, list[types.Diagnostic]]) -> None:
        """Each analysed cell's diagnostics; cells no longer analysed (deleted, now
        markdown) are cleared."""
        state = self.notebooks.get(uri)
        versions = {p.uri: p.version for p in state.places} if state else {}
        for cell_uri in self.published_cells.get(uri, set()) - by_cell.keys():
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=cell_uri, diagnostics=[])
            )
        for cell_uri, found in by_cell.items():
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=cell_uri, version=versions.get(cell_uri), diagnostics=found
                )
            )
        self.published_cells[uri] = set(by_cell)

    def forget_notebook(self, uri: str, cell_uris: Iterable[str]) -> None:
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        self.notebooks.pop(uri, None)
        for cell_uri in sorted(self.published_cells.pop(uri, set()) | set(cell_uris)):
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=cell_uri, diagnostics=[])
            )

    def open_documents(self) -> list[str]:
        """Open text documents that are not notebook cells, then open notebooks."""
        cells = {
            unquote(cell.document)
            for notebook in self.workspace.notebook_documents.values()
            for cell in notebook.cells
        }
        texts = [uri for uri in self.workspace.text_documents if uri not in cells]
        return texts + [n.uri for n in self.workspace.notebook_documents.values()]

    def recheck(self, root: Path, exclude: str | None = None) -> None:
        """Check every open document of the workspace folder ``root`` again."""
        for uri in self.open_documents():
            if uri != exclude and self.root_for(Path(to_fs_path(uri) or uri)) == root:
                self.schedule(uri, 0)

    def files_changed(self, paths: Iterable[Path]) -> None:
        """Python files changed on disk: their projects' indexes read the disk again
        (in a worker thread: a build may hold the lock), then open documents are
        checked again."""
        roots: dict[Path, list[Path]] = {}
        for path in paths:
            roots.setdefault(self.root_for(path), []).append(path)
        loop = asyncio.get_running_loop()
        for root, changed in roots.items():
            registry = self.registries.get(root)
            if registry is None:
                self.recheck(root)
                continue
            future = loop.run_in_executor(self.executor, _forget, registry, changed)
            future.add_done_callback(partial(self._forgotten, root))

    def _forgotten(self, root: Path, future: asyncio.Future[None]) -> None:
        if not future.cancelled() and future.exception() is not None:
            self.log(f"internal error re-reading the project: {future.exception()}")
        self.recheck(root)

    def log(self, message: str) -> None:
        logger.error(message)
        self.window_log_message(
            types.LogMessageParams(type=types.MessageType.Error, message=f"{SOURCE}: {message}")
        )

    @property
    def encoding(self) -> str:
        chosen = self.workspace.position_encoding or types.PositionEncodingKind.Utf16
        # An enum member or the client's plain string: "utf-8", "utf-16", "utf-32".
        return str(getattr(chosen, "value", chosen))

    def forget(self, uri: str) -> None:
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        self.checked.pop(uri, None)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )
        # The buffer no longer counts: its file on disk does again.
        opened = self.opened.pop(uri, None)
        path = Path(to_fs_path(uri) or uri)
        root = self.root_for(path)
        registry = self.registries.get(root)
        if opened is None or registry is None:
            return
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self.executor, registry.close, str(path), opened)
        future.add_done_callback(partial(self._closed, root))

    def opening(self, uri: str) -> None:
        """Count the opening, so that news of an earlier opening is told apart."""
        self.opened[uri] = next(self._openings)

    def _closed(self, root: Path, future: asyncio.Future[bool]) -> None:
        if not future.cancelled() and future.exception() is None and future.result():
            self.recheck(root)

    def config_changed(self) -> None:
        """A config file changed: re-read settings and re-check every open document."""
        self.settings_cache.clear()
        self.registries.clear()  # the options may have changed: index again
        forget_roots()  # and a new config file may make a new project root
        self.checked.clear()
        self.notebooks.clear()
        for uri in self.open_documents():
            self.schedule(uri, 0)

    async def watch_files(self) -> None:
        """Ask the client to report changes to config files and Python files (when it
        can), since editing them outside a buffer sends us no didSave."""
        workspace = self.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace else None
        if not (watched and watched.dynamic_registration):
            return
        pattern = "**/{" + ",".join(sorted(CONFIG_FILES)) + "}"
        # Python files too: a checkout or another tool changes modules the open ones use.
        python = "**/*.{" + ",".join(sorted(s[1:] for s in PYTHON_SUFFIXES)) + "}"
        options = types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[
                types.FileSystemWatcher(glob_pattern=pattern),
                types.FileSystemWatcher(glob_pattern=python),
            ]
        )
        registration = types.Registration(
            id="flake8-asyncio-run-files",
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=options,
        )
        try:
            await self.client_register_capability_async(
                types.RegistrationParams(registrations=[registration])
            )
        except Exception as error:  # a client that refuses: settings reload on save only
            logger.warning("cannot watch config files: %s", error)

    # Code actions ---------------------------------------------------------------

    async def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        if self.workspace.get_notebook_document(cell_uri=uri) is not None:
            return await self.cell_actions(params)
        if is_notebook_path(to_fs_path(uri) or uri):
            return []  # an .ipynb as JSON text: not ours (see the module's docstring)
        document = self.workspace.get_text_document(uri)
        checked = self.checked.get(uri)
        loop = asyncio.get_running_loop()
        if (
            checked is None
            or checked.version != document.version
            or checked.text != document.source
        ):
            path = Path(to_fs_path(uri) or uri)
            root = self.root_for(path)
            settings = self.settings_for(root)
            checked = await loop.run_in_executor(
                self.executor,
                analyse,
                document.source,
                path,
                root,
                settings,
                document.version,
                self.projects_for(root, settings),
                self.opened.get(uri, 0),
            )
            if checked.changed:
                self.recheck(root, exclude=uri)
        lines = split_lines(checked.text)
        encoding = self.encoding
        versioned = self._versioned_edits()
        only = params.context.only
        actions: list[types.CodeAction] = []
        start = _position(lines, params.range.start, encoding)
        end = _position(lines, params.range.end, encoding)
        under = [f for f in checked.result.findings if overlaps(f.span, start, end)]
        wanted = [f for f in under if f.code in FIXABLE]
        if wanted and wants(types.CodeActionKind.QuickFix, only):
            plans = await self._plans(checked)
            actions.extend(
                code_action(uri, checked.version, offer, lines, encoding, versioned)
                for offer in offers(plans, wanted)
            )
        if under and wants(types.CodeActionKind.QuickFix, only):
            actions.extend(
                code_action(uri, checked.version, offer, lines, encoding, versioned)
                for offer in noqa_offers(checked.text, under)
            )
        # Fix-all when asked for by kind, or next to the quick fixes of a finding.
        fixable = any(f.code in FIXABLE for f in checked.result.findings)
        if fixable and (wanted if only is None else wants(FIX_ALL, only)):
            fixed = await self._fixed(checked)
            if fixed != checked.text:
                actions.append(fix_all_action(uri, checked, fixed, lines, encoding, versioned))
        return actions

    async def cell_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        """Code actions on a notebook cell: its findings' fixes, editing that cell."""
        uri = params.text_document.uri
        document = self.workspace.get_notebook_document(cell_uri=uri)
        if document is None:
            return []
        state = self.notebooks.get(document.uri)
        if state is None or snapshot(document, self.workspace.text_documents) != state.cells:
            state = await self.notebook_checked(document.uri)
        place = state.place(uri) if state is not None else None
        if state is None or place is None:
            return []  # unreadable, or a cell that is not analysed (markdown, %%magic)
        encoding = self.encoding
        versioned = self._versioned_edits()
        lines = state.cell_lines(place)
        start = _in_virtual(place, _position(lines, params.range.start, encoding))
        end = _in_virtual(place, _position(lines, params.range.end, encoding))
        in_cell = [
            f
            for f in state.checked.result.findings
            if _place_for(state.places, f.span.line) == place
        ]
        found = [f for f in in_cell if f.code in FIXABLE]
        wanted = [f for f in found if overlaps(f.span, start, end)]
        only = params.context.only
        actions: list[types.CodeAction] = []
        if wanted and wants(types.CodeActionKind.QuickFix, only):
            plans = await self._plans(state.checked)
            for offer in offers(plans, wanted):
                action = cell_action(state, place, offer, encoding, versioned)
                if action is not None:  # None: the fix would edit other cells too
                    actions.append(action)
        under = [f for f in in_cell if overlaps(f.span, start, end)]
        if under and wants(types.CodeActionKind.QuickFix, only):
            # The comment goes on a line of this cell: a cell ends every range flake8
            # reads together (the next cell starts with a comment line of its own).
            silence = (
                cell_action(state, place, offer, encoding, versioned)
                for offer in noqa_offers(state.checked.text, under)
            )
            actions.extend(action for action in silence if action is not None)
        if found and (wanted if only is None else wants(FIX_ALL, only)):
            fixed = await self._fixed(state.checked)
            action = cell_fix_all(state, place, fixed, encoding, versioned)
            if action is not None:
                actions.append(action)
        return actions

    async def _plans(self, checked: Checked) -> list[FixPlan]:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.executor, plans_for, checked)
        except Exception as error:
            self.log(f"internal error in the fixer: {type(error).__name__}: {error}")
            return []

    async def _fixed(self, checked: Checked) -> str:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.executor, fix_all_text, checked)
        except Exception as error:
            self.log(f"internal error in the fixer: {type(error).__name__}: {error}")
            return checked.text

    def _versioned_edits(self) -> bool:
        capabilities = self.client_capabilities.workspace
        edit = capabilities.workspace_edit if capabilities else None
        return bool(edit and edit.document_changes)


def is_python_document(language_id: str | None, path: Path) -> bool:
    """Python by language or suffix; never an ``.ipynb`` opened as text (JSON)."""
    if is_notebook_path(str(path)):
        return False
    return language_id == "python" or path.suffix in PYTHON_SUFFIXES


def wants(kind: str, only: Sequence[str] | None) -> bool:
    """Whether the client asked for ``kind`` (``only`` lists kinds or their prefixes)."""
    return only is None or any(kind == k or kind.startswith(f"{k}.") for k in only)


def fix_all_text(checked: Checked) -> str:
    """Runs in a worker thread: the text ``fix`` would write (safe fixes, style auto)."""
    if checked.fixed is None:
        from flake8_asyncio_run.fix import fix_text

        target = resolve_target(checked.settings, checked.root)
        rooted = rooted_settings(checked.settings, checked.root)
        projects = checked.result.projects
        source = checked.result.source
        in_notebook = source is not None and source.notebook is not None
        outcome = fix_text(
            checked.text,
            checked.result.path,
            rooted,
            "auto",
            False,
            target,
            projects,
            in_notebook=in_notebook,
        )
        checked.fixed = outcome.text if outcome.changed else checked.text
    return checked.fixed


def fix_all_action(
    uri: str, checked: Checked, fixed: str, lines: list[str], encoding: str, versioned: bool
) -> types.CodeAction:
    """One edit covering what changed between the buffer and the fixed text."""
    offer = Offer(FIX_ALL_TITLE, False, (), (minimal_edit(checked.text, fixed),))
    action = code_action(uri, checked.version, offer, lines, encoding, versioned)
    action.kind = FIX_ALL
    action.diagnostics = None
    return action


def minimal_edit(old: str, fixed: str) -> tuple[Span, str]:
    """The span of ``old`` that differs from ``fixed``, and its replacement."""
    prefix = 0
    limit = min(len(old), len(fixed))
    while prefix < limit and old[prefix] == fixed[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == fixed[-1 - suffix]:
        suffix += 1
    # Never split a \r\n pair between the kept and the replaced text.
    if 0 < prefix < len(old) and old[prefix - 1] == "\r" and old[prefix] == "\n":
        prefix -= 1
    index = LineIndex(old)
    span = Span(*index.line_col(prefix), *index.line_col(len(old) - suffix))
    return span, fixed[prefix : len(fixed) - suffix]


def analyse(
    text: str,
    path: Path,
    root: Path,
    settings: Settings,
    version: int | None,
    projects: OpenProjects | None = None,
    opened: int = 0,
) -> Checked:
    """Runs in a worker thread: the same pipeline as ``check`` on the buffer's text,
    with the buffer's facts put in its project's index first (``opened``: when the
    document was opened, so that news of a closed one is dropped)."""
    name = str(path)
    rooted = rooted_settings(settings, root)
    if is_force_excluded(path, rooted.excludes, root):
        return Checked(version, text, FileResult(name, projects=projects), settings, root)
    changed = projects.update(name, text, version, opened) if projects is not None else False
    # The index holds this buffer's facts now: no second summary of the same text.
    result = check_source(text, name, rooted, projects, trusted=projects is not None)
    result.projects = projects  # also where the prefilter let the text go
    return Checked(version, text, result, settings, root, changed=changed)


def analyse_notebook(
    notebook: Notebook,
    path: Path,
    root: Path,
    settings: Settings,
    version: int | None,
    projects: OpenProjects | None = None,
) -> Checked:
    """Runs in a worker thread: ``check`` on the notebook's cells.  A notebook is not a
    module of the index (nothing imports it), so its text goes into no index."""
    name = str(path)
    rooted = rooted_settings(settings, root)
    text = notebook.text
    if is_force_excluded(path, rooted.excludes, root):
        return Checked(version, text, FileResult(name, projects=projects), settings, root)
    result = check_notebook(SourceText(text, "utf-8", notebook), name, rooted, projects)
    result.projects = projects
    return Checked(version, text, result, settings, root)


def _forget(registry: OpenProjects, paths: list[Path]) -> None:
    for path in paths:
        registry.forget(str(path))


def _rooted(pattern: str, root: Path) -> str:
    # flake8 makes such patterns absolute against the working directory; the server's
    # may be anything, so anchor them where `check` would run: the workspace root.
    if "/" in pattern or os.sep in pattern or pattern.startswith("."):
        return os.path.normpath(os.path.join(root, pattern))
    return pattern


def rooted_settings(settings: Settings, root: Path) -> Settings:
    """``settings`` with path patterns anchored at ``root`` (excludes, per-file-ignores)."""
    return replace(
        settings,
        exclude=tuple(_rooted(p, root) for p in settings.exclude),
        extend_exclude=tuple(_rooted(p, root) for p in settings.extend_exclude),
        per_file_ignores=tuple(
            replace(entry, pattern=_rooted(entry.pattern, root))
            for entry in settings.per_file_ignores
        ),
    )


def plans_for(checked: Checked) -> list[FixPlan]:
    """Runs in a worker thread: the fixer's plans for each style the target allows."""
    from flake8_asyncio_run.fix import plan_result

    target = resolve_target(checked.settings, checked.root)
    plans: list[FixPlan] = []
    for style in styles_for(target):
        if style not in checked.plans:
            checked.plans[style] = plan_result(checked.result, checked.settings, target, style)
        plans.extend(checked.plans[style])
    return plans


def _position(lines: list[str], position: types.Position, encoding: str) -> tuple[int, int]:
    """An LSP position -> (1-based line, code-point column)."""
    index = min(position.line, len(lines) - 1)
    if position.line >= len(lines):
        return index + 1, len(lines[index])
    return index + 1, from_client(lines[index], position.character, encoding)


def lsp_range(lines: list[str], span: Span, encoding: str) -> types.Range:
    def point(line: int, column: int) -> types.Position:
        text = lines[line - 1] if 1 <= line <= len(lines) else ""
        return types.Position(line=line - 1, character=to_client(text, column, encoding))

    return types.Range(start=point(span.line, span.col), end=point(span.end_line, span.end_col))


def diagnostic(finding: Finding, lines: list[str], encoding: str) -> types.Diagnostic:
    rule = RULES.get(finding.code)
    return types.Diagnostic(
        range=lsp_range(lines, finding.span, encoding),
        message=finding.message,
        severity=(
            types.DiagnosticSeverity.Error
            if finding.code == SYNTAX_ERROR
            else types.DiagnosticSeverity.Warning
        ),
        code=finding.code,
        code_description=types.CodeDescription(href=rule.docs_url) if rule else None,
        source=SOURCE,
    )


def diagnostics(checked: Checked, encoding: str) -> list[types.Diagnostic]:
    lines = split_lines(checked.text)
    return [diagnostic(f, lines, encoding) for f in checked.result.findings]


def code_action(
    uri: str,
    version: int | None,
    offer: Offer,
    lines: list[str],
    encoding: str,
    versioned: bool,
) -> types.CodeAction:
    edits = [
        types.TextEdit(range=lsp_range(lines, span, encoding), new_text=replacement)
        for span, replacement in offer.edits
    ]
    if versioned:
        edit = types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=version
                    ),
                    edits=list(edits),
                )
            ]
        )
    else:
        edit = types.WorkspaceEdit(changes={uri: edits})
    return types.CodeAction(
        title=offer.title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic(f, lines, encoding) for f in offer.findings],
        is_preferred=offer.preferred,
        edit=edit,
    )


def _place_for(cell_places: Sequence[CellPlace], line: int) -> CellPlace | None:
    """The cell of a virtual line; a line past a cell's end (a syntax error at the end
    of the text) belongs to the cell before it."""
    before = [place for place in cell_places if place.first <= line]
    return place_of(cell_places, line) or (before[-1] if before else None)


def _in_virtual(place: CellPlace, position: tuple[int, int]) -> tuple[int, int]:
    return position[0] + place.first - 1, position[1]


def _in_cell(place: CellPlace, finding: Finding) -> Finding:
    shift = place.first - 1
    span = finding.span
    return replace(
        finding, span=Span(span.line - shift, span.col, span.end_line - shift, span.end_col)
    )


def cell_diagnostics(state: OpenNotebook, encoding: str) -> dict[str, list[types.Diagnostic]]:
    """Every analysed cell's diagnostics (empty lists too: they clear old ones)."""
    by_cell: dict[str, list[types.Diagnostic]] = {place.uri: [] for place in state.places}
    for finding in state.checked.result.findings:
        place = _place_for(state.places, finding.span.line)
        if place is not None:
            lines = state.cell_lines(place)
            by_cell[place.uri].append(diagnostic(_in_cell(place, finding), lines, encoding))
    return by_cell


def cell_action(
    state: OpenNotebook, place: CellPlace, offer: Offer, encoding: str, versioned: bool
) -> types.CodeAction | None:
    """``offer`` as an edit of the cell's document; None if it edits other cells."""
    edits: list[tuple[Span, str]] = []
    for span, replacement in offer.edits:
        local = local_span(place, span, place == state.places[0])
        if local is None:
            return None
        edits.append((local, replacement))
    findings = tuple(_in_cell(place, f) for f in offer.findings if place.holds(f.span.line))
    local_offer = Offer(offer.title, offer.preferred, findings, tuple(edits))
    lines = state.cell_lines(place)
    return code_action(place.uri, place.version, local_offer, lines, encoding, versioned)


def cell_fix_all(
    state: OpenNotebook, place: CellPlace, fixed: str, encoding: str, versioned: bool
) -> types.CodeAction | None:
    """The cell's part of ``fix`` on the whole notebook.  Not offered when the fix also
    changes a cell without findings of its own (an import it adds): applying this
    cell's part alone would be half the fix."""
    if fixed == state.checked.text:
        return None
    try:
        changed = state.notebook.cells_from(fixed)
    except NotebookError:
        return None
    with_findings = {
        p.index
        for p in state.places
        for f in state.checked.result.findings
        if f.code in FIXABLE and _place_for(state.places, f.span.line) == p
    }
    if place.index not in changed or not changed.keys() <= with_findings:
        return None
    old = state.cells[place.index].text.source
    offer = Offer(CELL_FIX_ALL_TITLE, False, (), (minimal_edit(old, changed[place.index]),))
    action = code_action(place.uri, place.version, offer, split_lines(old), encoding, versioned)
    action.kind = FIX_ALL
    action.diagnostics = None
    return action


def _notebook_features(server: AsyncioRunServer) -> None:
    """Notebook sync: pygls keeps the notebook and its cells' documents."""

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_open(ls: AsyncioRunServer, params: types.DidOpenNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri, 0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_change(
        ls: AsyncioRunServer, params: types.DidChangeNotebookDocumentParams
    ) -> None:
        ls.schedule(params.notebook_document.uri, ls.debounce)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_save(ls: AsyncioRunServer, params: types.DidSaveNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri, 0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_close(ls: AsyncioRunServer, params: types.DidCloseNotebookDocumentParams) -> None:
        ls.forget_notebook(
            params.notebook_document.uri, [c.uri for c in params.cell_text_documents]
        )


def create_server(debounce: float = DEBOUNCE_SECONDS) -> AsyncioRunServer:
    server = AsyncioRunServer(debounce)
    _notebook_features(server)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: AsyncioRunServer, params: types.InitializedParams) -> None:
        await ls.watch_files()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: AsyncioRunServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.opening(params.text_document.uri)
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: AsyncioRunServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, ls.debounce)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: AsyncioRunServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = Path(to_fs_path(uri) or uri)
        if path.name in CONFIG_FILES:
            ls.config_changed()
        elif path.suffix in PYTHON_SUFFIXES:
            ls.files_changed([path])  # re-checks this document too, with the new index
        else:
            ls.schedule(uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: AsyncioRunServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: AsyncioRunServer, params: types.DidChangeWatchedFilesParams) -> None:
        paths = [Path(to_fs_path(c.uri) or c.uri) for c in params.changes]
        if any(path.name in CONFIG_FILES for path in paths):
            ls.config_changed()  # re-reads everything anyway
            return
        python = [path for path in paths if path.suffix in PYTHON_SUFFIXES]
        if python:
            ls.files_changed(python)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL]),
    )
    async def code_action_request(
        ls: AsyncioRunServer, params: types.CodeActionParams
    ) -> list[types.CodeAction]:
        return await ls.code_actions(params)

    return server
