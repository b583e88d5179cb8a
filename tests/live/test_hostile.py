"""Hostile input: SQL in keys, keys that try to leave the photo directory, huge photos."""

from __future__ import annotations

from pathlib import Path

import pytest
from rq import Queue
from rq.job import JobStatus

from reference_worker.enqueue import TASK, enqueue_analysis
from reference_worker.errors import InvalidPhotoKey, PhotoTooLarge
from reference_worker.fraudlens_server import FraudLensServer
from reference_worker.samples import make_png
from reference_worker.store import LocalPhotoStore, check_photo_key

from .conftest import LiveDB, SimpleWorkerRun

pytestmark = pytest.mark.live

SQL_KEY = "'; drop table analyses; --"

TRAVERSAL_KEYS = [
    "../outside.png",
    "a/../../outside.png",
    "a/../b.png",
    "..",
    "/etc/passwd",
    "//etc/passwd",
    "./a.png",
    "a//b.png",
    "a/",
    "",
    "a\x00.png",
    "a\nb.png",
    "..\\outside.png",
]


def test_sql_in_photo_key_is_stored_verbatim(
    db: LiveDB, queue: Queue, photo_store: LocalPhotoStore, simple_worker: SimpleWorkerRun
) -> None:
    photo_store.put(SQL_KEY, make_png(9))
    job = enqueue_analysis(queue, SQL_KEY, 11, 22, retry=None)
    simple_worker(queue)

    job.refresh()
    assert job.get_status() == JobStatus.FINISHED
    rows = db.fetch("SELECT photo_key FROM analyses")
    assert rows == [{"photo_key": SQL_KEY}]
    assert db.count("notifications") == 1
    tables = db.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1"
        " ORDER BY table_name",
        db.schema,
    )
    assert [t["table_name"] for t in tables] == ["analyses", "notifications", "users"]


@pytest.mark.parametrize("key", TRAVERSAL_KEYS)
def test_store_rejects_escaping_keys(key: str, photo_store: LocalPhotoStore) -> None:
    (photo_store.root.parent / "outside.png").write_bytes(make_png(1))
    with pytest.raises(InvalidPhotoKey):
        check_photo_key(key)
    with pytest.raises(InvalidPhotoKey):
        photo_store.read(key)
    with pytest.raises(InvalidPhotoKey):
        photo_store.put(key, b"x")


def test_store_rejects_symlink_out_of_the_directory(
    photo_store: LocalPhotoStore, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(make_png(2))
    (photo_store.root / "link.png").symlink_to(secret)
    with pytest.raises(InvalidPhotoKey, match="escapes the photo directory"):
        photo_store.read("link.png")


def test_store_accepts_ordinary_odd_keys(photo_store: LocalPhotoStore) -> None:
    for key in (SQL_KEY, "dir/sub/ünïcödé photo (1).png", "a..b.png", "...png"):
        photo_store.put(key, b"data")
        assert photo_store.read(key) == b"data"


@pytest.mark.parametrize("key", ["../outside.png", "/etc/passwd", "a/../../x.png"])
def test_job_with_escaping_key_fails_before_io(
    key: str,
    db: LiveDB,
    queue: Queue,
    fraudlens: FraudLensServer,
    simple_worker: SimpleWorkerRun,
) -> None:
    with pytest.raises(InvalidPhotoKey):
        enqueue_analysis(queue, key, 11, 22)
    job = queue.enqueue(TASK, key, 11, 22)  # a producer that skipped the checks
    simple_worker(queue)

    job.refresh()
    assert job.get_status() == JobStatus.FAILED
    assert "InvalidPhotoKey" in (job.latest_result().exc_string or "")  # type: ignore[union-attr]
    assert fraudlens.stats["requests"] == 0
    assert db.count("analyses") == 0


def test_huge_photo_is_refused_above_the_configured_size(
    db: LiveDB,
    queue: Queue,
    photo_store: LocalPhotoStore,
    fraudlens: FraudLensServer,
    simple_worker: SimpleWorkerRun,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRUTHSNAP_MAX_PHOTO_BYTES", "4096")
    photo_store.put("small.png", make_png(1))
    photo_store.put("huge.png", make_png(2) + b"\0" * 10_000)
    small = enqueue_analysis(queue, "small.png", 11, 22, retry=None)
    huge = enqueue_analysis(queue, "huge.png", 11, 22, retry=None)
    simple_worker(queue)

    small.refresh()
    huge.refresh()
    assert small.get_status() == JobStatus.FINISHED
    assert huge.get_status() == JobStatus.FAILED
    error = huge.latest_result().exc_string or ""  # type: ignore[union-attr]
    assert "PhotoTooLarge: photo 'huge.png' is 10" in error
    assert "above the limit of 4096" in error
    assert fraudlens.stats["requests"] == 1  # only the small one was sent
    assert [r["photo_key"] for r in db.fetch("SELECT photo_key FROM analyses")] == ["small.png"]


def test_store_refuses_big_file_without_reading_it(photo_store: LocalPhotoStore) -> None:
    store = LocalPhotoStore(photo_store.root, max_bytes=100)
    store.put("big.png", b"x" * 101)
    with pytest.raises(PhotoTooLarge, match="101 bytes, above the limit of 100"):
        store.read("big.png")


def test_non_image_fails_clearly(
    db: LiveDB,
    queue: Queue,
    photo_store: LocalPhotoStore,
    fraudlens: FraudLensServer,
    simple_worker: SimpleWorkerRun,
) -> None:
    photo_store.put("fake.png", b"<?php system($_GET['c']); ?>")
    job = enqueue_analysis(queue, "fake.png", 11, 22, retry=None)
    simple_worker(queue)

    job.refresh()
    assert job.get_status() == JobStatus.FAILED
    assert "InvalidImage: photo is not a PNG, JPEG, GIF or WebP image" in (
        job.latest_result().exc_string or ""  # type: ignore[union-attr]
    )
    assert fraudlens.stats["requests"] == 0
    assert db.count("analyses") == 0
