"""``OpenProjects`` in-process: buffers over disk, stale news dropped, threads."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from flake8_asyncio_run.checker import check_source
from flake8_asyncio_run.config import Settings
from flake8_asyncio_run.lsp.workspace import OpenProjects

SEED = Path(__file__).parent.parent / "fixtures" / "project_seed"
RUNS_A_LOOP = "    return asyncio.run(coro)\n"
RUNS_NOTHING = "    return coro\n"
WRAPPER = "app.utils.async_utils.run_sync"


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SEED, tmp_path / "seed"))


def registry() -> OpenProjects:
    return OpenProjects(Settings().analysis, (), use_cache=False)


def utils_texts(seed: Path) -> tuple[str, str, str]:
    path = seed / "app" / "utils" / "async_utils.py"
    disk = path.read_text(encoding="utf-8")
    return str(path), disk, disk.replace(RUNS_A_LOOP, RUNS_NOTHING)


def wraps(projects: OpenProjects, path: str) -> bool:
    return projects.project(path).index.role(WRAPPER) is not None


def test_buffer_replaces_disk_and_close_restores_it(seed: Path) -> None:
    projects = registry()
    path, disk, edited = utils_texts(seed)
    assert wraps(projects, path)
    assert not projects.update(path, disk, 1, opened=1)  # as on disk: nothing changes
    assert projects.update(path, edited, 2, opened=1)
    assert not wraps(projects, path)
    tasks = seed / "app" / "workers" / "tasks.py"
    text = tasks.read_text(encoding="utf-8")
    assert check_source(text, str(tasks), Settings(), projects).findings == []
    # A save elsewhere rebuilds from disk: the buffer still counts.
    projects.forget(path)
    assert not wraps(projects, path)
    assert projects.close(path, opened=1)
    assert wraps(projects, path)
    codes = [f.code for f in check_source(text, str(tasks), Settings(), projects).findings]
    assert codes == ["ARO101", "ARO101", "ARO102"]


def test_stale_news_is_dropped(seed: Path) -> None:
    projects = registry()
    path, disk, edited = utils_texts(seed)
    assert projects.update(path, edited, 3, opened=1)
    # An analysis of version 2 that finished late must not undo version 3.
    assert not projects.update(path, disk, 2, opened=1)
    assert not wraps(projects, path)
    # Nor one that finishes after the document was closed.
    assert projects.close(path, opened=1)
    assert not projects.update(path, edited, 4, opened=1)
    assert wraps(projects, path)
    # The same text again at a later version (typed back): an older text loses still.
    assert projects.update(path, edited, 4, opened=3)
    assert projects.update(path, disk, 5, opened=3)
    assert not projects.update(path, disk, 7, opened=3)
    assert not projects.update(path, edited, 6, opened=3)
    assert wraps(projects, path)
    # A close of an earlier opening leaves the new one's buffer alone.
    assert projects.update(path, edited, 1, opened=4)
    assert not projects.close(path, opened=3)
    assert not wraps(projects, path)


def test_a_buffer_that_does_not_parse_keeps_its_last_facts(seed: Path) -> None:
    projects = registry()
    path, _, edited = utils_texts(seed)
    assert projects.update(path, edited, 1, opened=1)
    assert not projects.update(path, edited + "def broken(:\n", 2, opened=1)
    assert not wraps(projects, path)


def test_updates_and_reads_from_threads(seed: Path) -> None:
    projects = registry()
    path, disk, edited = utils_texts(seed)
    tasks = seed / "app" / "workers" / "tasks.py"
    text = tasks.read_text(encoding="utf-8")

    def work(version: int) -> int:
        if version % 3 == 0:
            projects.forget(path)
        projects.update(path, edited if version % 2 else disk, version, opened=1)
        return len(check_source(text, str(tasks), Settings(), projects).findings)

    with ThreadPoolExecutor(max_workers=4) as pool:
        counts = set(pool.map(work, range(1, 41)))
    assert counts <= {0, 3}
    # The last version wins, whichever thread ran it last: 40 is even, the disk text.
    assert wraps(projects, path)
