"""Writes that lose nothing: an edit saved meanwhile, hard links, owner and group,
read-only files, non-regular files, symlink loops, bytes that a codec does not round
trip, and configuration files that are not UTF-8.  Each runs through the real command
line (a subprocess), except where an edit must be made in the middle of a run."""

from __future__ import annotations

import codecs
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from flake8_asyncio_run import sourcefile
from flake8_asyncio_run.cli import main

TWO_CALLS = (
    "import asyncio\n\n\nasync def f(x):\n    return x\n\n\n"
    "def task(a):\n    x = asyncio.run(f(a))\n    y = asyncio.run(f(x))\n    print(x, y)\n"
)


def cli(cwd: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_an_edit_saved_while_fixing_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.py"
    path.write_text(TWO_CALLS)
    edited = TWO_CALLS + "# the user's edit\n"
    import flake8_asyncio_run.cli.fix as command

    real = command.fix_text

    def fix_and_meanwhile_edit(*args: object, **kwargs: object) -> object:
        outcome = real(*args, **kwargs)  # type: ignore[arg-type]
        path.write_text(edited)  # saved by an editor while fix was planning
        return outcome

    monkeypatch.setattr(command, "fix_text", fix_and_meanwhile_edit)
    code = main(["fix", "--isolated", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert path.read_text() == edited
    assert "changed while it was being fixed" in err
    assert "1 fixed" not in err


def test_a_hard_linked_file_is_fixed_under_every_name(tmp_path: Path) -> None:
    path = tmp_path / "t.py"
    path.write_text(TWO_CALLS)
    other = tmp_path / "other_name.py"
    os.link(path, other)
    result = cli(tmp_path, "fix", "--isolated", "t.py")
    assert result.returncode == 0, result.stderr
    assert other.read_text() == path.read_text() != TWO_CALLS
    assert os.stat(path).st_ino == os.stat(other).st_ino
    assert os.stat(path).st_nlink == 2


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_owner_and_group_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "t.py"
    path.write_text(TWO_CALLS)
    os.chown(path, 4321, 4322)
    result = cli(tmp_path, "fix", "--isolated", "t.py")
    assert result.returncode == 0, result.stderr
    status = os.stat(path)
    assert (status.st_uid, status.st_gid) == (4321, 4322)
    assert path.read_text() != TWO_CALLS


def test_a_read_only_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.py"
    path.write_text(TWO_CALLS)
    path.chmod(0o444)
    result = cli(tmp_path, "fix", "--isolated", "t.py")
    assert result.returncode == 2
    assert "t.py: not written: the file is read-only" in result.stderr
    assert "fixed" not in result.stderr
    assert path.read_text() == TWO_CALLS
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("command", [["check"], ["fix"], ["fix", "--diff"]])
def test_a_fifo_is_skipped_in_a_walk_and_refused_by_name(
    tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / "t.py").write_text(TWO_CALLS)
    os.mkfifo(tmp_path / "pipe.py")
    walked = cli(tmp_path, *command, "--isolated", ".", timeout=30)
    assert "pipe.py" not in walked.stdout + walked.stderr
    assert walked.returncode in (0, 1)
    named = cli(tmp_path, *command, "--isolated", "pipe.py", timeout=30)
    assert named.returncode == 2
    assert "pipe.py: not a regular file" in named.stderr


@pytest.mark.parametrize("command", [["check"], ["fix"]])
def test_a_symlink_loop_is_named_as_one(tmp_path: Path, command: list[str]) -> None:
    os.symlink("loop.py", tmp_path / "loop.py")
    named = cli(tmp_path, *command, "--isolated", "loop.py")
    assert named.returncode == 2
    assert "loop.py: symbolic link loop" in named.stderr
    assert "no such file" not in named.stderr
    walked = cli(tmp_path, *command, "--isolated", ".")
    assert walked.returncode == 2
    assert "loop.py: symbolic link loop" in walked.stderr


def _codecs_that_do_not_round_trip() -> list[tuple[str, bytes]]:
    """(codec, a two-byte character that decodes but encodes back differently), for
    every ASCII-compatible multi-byte codec Python accepts in a coding cookie."""
    names = [
        "cp932", "shift_jis", "shift_jis_2004", "shift_jisx0213", "euc_jp", "euc_jis_2004",
        "euc_jisx0213", "big5", "big5hkscs", "cp950", "gb2312", "gbk", "gb18030", "cp949",
        "euc_kr", "johab", "hz",
    ]  # fmt: skip
    found = []
    for name in names:
        for lead in range(0x81, 0xFF):
            sample = next(
                (
                    bytes([lead, trail])
                    for trail in range(0x40, 0xFF)
                    if _round_trips_poorly(bytes([lead, trail]), name)
                ),
                None,
            )
            if sample is not None:
                found.append((name, sample))
                break
    return found


def _round_trips_poorly(data: bytes, codec: str) -> bool:
    try:
        text = data.decode(codec)
        return len(text) == 1 and text.encode(codec) != data
    except (UnicodeDecodeError, UnicodeEncodeError):
        return False


LOSSY = _codecs_that_do_not_round_trip()


def test_the_lossy_codecs_are_found() -> None:
    names = {name for name, _ in LOSSY}
    assert {"cp932", "big5", "cp950"} <= names, names


@pytest.mark.parametrize(("codec", "char"), LOSSY, ids=[name for name, _ in LOSSY])
def test_untouched_lines_keep_their_bytes_in_lossy_codecs(
    tmp_path: Path, codec: str, char: bytes
) -> None:
    codecs.lookup(codec)
    head = f"# -*- coding: {codec} -*-\n".encode()
    comment = b"# untouched: " + char + b"\n"
    body = TWO_CALLS.replace("print(x, y)", "print(x, y)  # after: \x00").encode()
    body = body.replace(b"\x00", char)
    path = tmp_path / "t.py"
    path.write_bytes(head + comment + body)
    diff = subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", "fix", "--isolated", "--diff", "t.py"],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
    )
    assert diff.returncode == 1, diff.stderr
    result = cli(tmp_path, "fix", "--isolated", "t.py")
    assert result.returncode == 0, result.stderr
    after = path.read_bytes()
    assert after.startswith(head + comment)
    assert b"    print(x, y)  # after: " + char + b"\n" in after
    assert b"await f(a)" in after


def test_splice_keeps_a_bom_once_and_changed_lines_in_the_codec() -> None:
    data = codecs.BOM_UTF8 + b"a = 1\r\nb = 2\r\n"
    source = sourcefile.decode_source(data)
    assert source.encoding == "utf-8-sig"
    spliced = sourcefile.splice(data, source, "a = 1\r\nb = 3\r\nc = 'é'\r\n")
    assert spliced == codecs.BOM_UTF8 + "a = 1\r\nb = 3\r\nc = 'é'\r\n".encode()


@pytest.mark.parametrize("front_end", ["check", "fix", "flake8"])
def test_a_pyproject_that_is_not_utf8_is_a_configuration_error(
    tmp_path: Path, front_end: str
) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b"[tool.flake8-asyncio-run]\n# caf\xe9\n")
    (tmp_path / "t.py").write_text(TWO_CALLS)
    if front_end == "flake8":
        result = subprocess.run(
            [sys.executable, "-m", "flake8", "t.py"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
    else:
        result = cli(tmp_path, front_end, "t.py")
    assert result.returncode == 2, result.stderr
    assert "pyproject.toml: not valid UTF-8" in result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "t.py").read_text() == TWO_CALLS
