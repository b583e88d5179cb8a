"""Download the pinned benchmark corpus and unpack its Python files into bench/corpus/.

    python bench/corpus.py            # download (if needed) and unpack
    python bench/corpus.py --force    # unpack again from the downloaded wheels
    python bench/corpus.py --async    # the async corpus (common.ASYNC_CORPUS) instead

Uses ``pip download --no-deps --only-binary=:all:`` for the pins in ``common.PINNED``, so
everyone measures the same files.  Only ``.py`` files are unpacked; the wheels stay in
bench/wheels/ (git-ignored, like bench/corpus/).  ``--async`` does the same for the
async-heavy pins of ``common.ASYNC_CORPUS`` into bench/corpus-async/, and also counts the
files that import asyncio.  Each corpus gets an empty ``pyproject.toml``: it is one
project, rooted there, as a user's tree would be.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from common import (
    ASYNC_CORPUS,
    ASYNC_CORPUS_DIR,
    CORPUS_DIR,
    PINNED,
    WHEELS_DIR,
    corpus_files,
    count_lines,
    log,
)

#: ``import asyncio``/``from asyncio… import`` at a line's start (a rough count).
_IMPORTS_ASYNCIO = re.compile(rb"^[ \t]*(?:import|from)[ \t]+asyncio\b", re.M)


def _wheel_for(pin: str) -> Path | None:
    name, _, version = pin.partition("==")
    # Wheel file names normalise the project name to lowercase with underscores.
    pattern = re.compile(rf"^{re.escape(name.replace('-', '_'))}-{re.escape(version)}-", re.I)
    found = sorted(p for p in WHEELS_DIR.glob("*.whl") if pattern.match(p.name))
    return found[0] if found else None


def download(pins: tuple[str, ...]) -> list[Path]:
    WHEELS_DIR.mkdir(parents=True, exist_ok=True)
    missing = [pin for pin in pins if _wheel_for(pin) is None]
    if missing:
        log(f"downloading {', '.join(missing)} ...")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary=:all:",
                "--dest",
                str(WHEELS_DIR),
                *missing,
            ],
            check=True,
        )
    wheels = []
    for pin in pins:
        wheel = _wheel_for(pin)
        if wheel is None:
            sys.exit(f"pip did not produce a wheel for {pin}")
        wheels.append(wheel)
    return wheels


def unpack(pin: str, wheel: Path, into: Path = CORPUS_DIR) -> None:
    target = into / pin.replace("==", "-")
    if target.exists():
        shutil.rmtree(target)
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.infolist():
            if member.filename.endswith(".py") and not member.is_dir():
                archive.extract(member, target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="unpack again even if present")
    parser.add_argument(
        "--async",
        dest="async_corpus",
        action="store_true",
        help="the async corpus (bench/corpus-async/) instead of bench/corpus/",
    )
    args = parser.parse_args()
    pins, into = (ASYNC_CORPUS, ASYNC_CORPUS_DIR) if args.async_corpus else (PINNED, CORPUS_DIR)
    wheels = download(pins)
    for pin, wheel in zip(pins, wheels, strict=True):
        if args.force or not (into / pin.replace("==", "-")).exists():
            log(f"unpacking {wheel.name}")
            unpack(pin, wheel, into)
    # The corpus is a project of its own, as a user's tree is: without a root marker
    # the project index would take this repository (its .git) as the root and index
    # the repository's own files with the corpus.
    (into / "pyproject.toml").touch()
    parts = [corpus_files(into / pin.replace("==", "-")) for pin in pins]
    files = [path for part in parts for path in part]
    print(
        f"corpus: {len(files)} files, {count_lines(files):,} lines, "
        f"{_importing_asyncio(files)} import asyncio, in {into}"
    )
    for pin, part in zip(pins, parts, strict=True):
        print(
            f"  {pin}: {len(part)} files, {count_lines(part):,} lines, "
            f"{_importing_asyncio(part)} import asyncio"
        )
    return 0


def _importing_asyncio(files: list[Path]) -> int:
    return sum(1 for path in files if _IMPORTS_ASYNCIO.search(path.read_bytes()))


if __name__ == "__main__":
    raise SystemExit(main())
