"""Download the pinned benchmark corpus and unpack its Python files into bench/corpus/.

    python bench/corpus.py            # download (if needed) and unpack
    python bench/corpus.py --force    # unpack again from the downloaded wheels

Uses ``pip download --no-deps --only-binary=:all:`` for the pins in ``common.PINNED``, so
everyone measures the same files.  Only ``.py`` files are unpacked; the wheels stay in
bench/wheels/ (git-ignored, like bench/corpus/).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from common import CORPUS_DIR, PINNED, WHEELS_DIR, corpus_files, count_lines, log


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
    args = parser.parse_args()
    wheels = download(PINNED)
    for pin, wheel in zip(PINNED, wheels, strict=True):
        if args.force or not (CORPUS_DIR / pin.replace("==", "-")).exists():
            log(f"unpacking {wheel.name}")
            unpack(pin, wheel)
    files = corpus_files()
    print(f"corpus: {len(files)} files, {count_lines(files):,} lines in {CORPUS_DIR}")
    for pin in PINNED:
        part = corpus_files(CORPUS_DIR / pin.replace("==", "-"))
        print(f"  {pin}: {len(part)} files, {count_lines(part):,} lines")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
