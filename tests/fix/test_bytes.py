"""Never lose a user's bytes: newline style, indentation, BOM, encoding cookie, a
missing final newline, mode bits, symlinks, and atomic writes."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from flake8_asyncio_run import sourcefile
from flake8_asyncio_run.cli import main

BYTES = Path(__file__).parent.parent / "fixtures" / "bytes"
FIXED_BODY = [
    "import asyncio",
    "",
    "",
    "def task(key):",
    "    async def _task_async():",
    "        # load it",
    "        raw = await fetch(key)",
    "        data = await parse(raw)",
    "        return data",
    "    data = asyncio.run(_task_async())",
    "    return data",
]


def fix_copy(tmp_path: Path, name: str, *extra: str) -> tuple[bytes, bytes]:
    path = tmp_path / name
    shutil.copyfile(BYTES / name, path)
    before = path.read_bytes()
    code = main(["fix", "--isolated", *extra, str(path)])
    assert code == 0
    return before, path.read_bytes()


def expected(newline: str = "\n", indent: str = "    ", final: bool = True) -> str:
    lines = [line.replace("    ", indent) for line in FIXED_BODY]
    return newline.join(lines) + (newline if final else "")


def test_crlf_is_kept(tmp_path: Path) -> None:
    _, after = fix_copy(tmp_path, "crlf.py")
    assert after == expected("\r\n").encode()


def test_tabs_are_followed(tmp_path: Path) -> None:
    _, after = fix_copy(tmp_path, "tabs.py")
    assert after == expected(indent="\t").encode()


def test_two_space_indentation_is_followed(tmp_path: Path) -> None:
    _, after = fix_copy(tmp_path, "two_spaces.py")
    assert after == expected(indent="  ").encode()


def test_bom_is_kept(tmp_path: Path) -> None:
    _, after = fix_copy(tmp_path, "bom.py")
    assert after == b"\xef\xbb\xbf" + expected().encode()


def test_encoding_cookie_is_kept(tmp_path: Path) -> None:
    before, after = fix_copy(tmp_path, "cookie_latin1.py")
    head = before.split(b"\n")[:2]
    assert after.split(b"\n")[:2] == head
    assert b"caf\xe9" in after
    assert after.split(b"\n", 2)[2] == expected().encode("latin-1")


@pytest.mark.parametrize(
    ("name", "newline"), [("no_final_newline.py", "\n"), ("crlf_no_final_newline.py", "\r\n")]
)
def test_missing_final_newline_is_kept(tmp_path: Path, name: str, newline: str) -> None:
    _, after = fix_copy(tmp_path, name)
    assert after == expected(newline, final=False).encode()


def test_non_ascii_columns(tmp_path: Path) -> None:
    """Spans are code points: text before a call on its line may be non-ASCII."""
    _, after = fix_copy(tmp_path, "non_ascii.py")
    text = after.decode()
    assert '        raw = await fetch("ключ" + key)  # é\n' in text
    assert "        données = await parse(raw); data = données\n" in text
    compile(text, "non_ascii.py", "exec", dont_inherit=True)


def test_untouched_lines_are_byte_identical(tmp_path: Path) -> None:
    before, after = fix_copy(tmp_path, "crlf.py")
    old, new = before.split(b"\r\n"), after.split(b"\r\n")
    assert old[:4] == new[:4]  # everything above the region
    assert old[-2:] == new[-2:]  # and below it


def test_mode_bits_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "crlf.py"
    shutil.copyfile(BYTES / "crlf.py", path)
    os.chmod(path, 0o754)
    assert main(["fix", "--isolated", str(path)]) == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o754
    assert path.read_bytes() == expected("\r\n").encode()


def test_symlink_writes_its_target_and_stays_a_link(tmp_path: Path) -> None:
    target = tmp_path / "real" / "tasks.py"
    target.parent.mkdir()
    shutil.copyfile(BYTES / "crlf.py", target)
    link = tmp_path / "link.py"
    link.symlink_to(target)
    assert main(["fix", "--isolated", str(link)]) == 0
    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    assert target.read_bytes() == expected("\r\n").encode()


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_interrupted_write_leaves_the_original(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "crlf.py"
    shutil.copyfile(BYTES / "crlf.py", path)
    original = path.read_bytes()

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt  # the user pressed Ctrl-C half way through the write

    monkeypatch.setattr(sourcefile.os, "fsync", interrupted)
    assert main(["fix", "--isolated", str(path)]) == 130
    assert path.read_bytes() == original
    assert _leftovers(tmp_path) == []


def test_failed_replace_leaves_the_original(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "crlf.py"
    shutil.copyfile(BYTES / "crlf.py", path)
    original = path.read_bytes()

    def failing(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sourcefile.os, "replace", failing)
    assert main(["fix", "--isolated", str(path)]) == 2
    assert path.read_bytes() == original
    assert _leftovers(tmp_path) == []
