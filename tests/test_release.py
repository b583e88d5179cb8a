"""RELEASING.md: its build, check and install commands work as written, and the places
and formats it names (the version's file, changelog headings, tags) are the real ones."""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
RELEASING = (ROOT / "RELEASING.md").read_text(encoding="utf-8")
TESTED = re.compile(
    r"<!-- tested: tests/test_release\.py (?P<name>\w+) -->\n\s*```console\n(?P<body>.*?)```",
    re.S,
)
VERSION = re.compile(r'^__version__ = "(?P<version>\d+\.\d+\.\d+)"$', re.M)
RELEASE_HEADING = re.compile(r"(?P<version>\d+\.\d+\.\d+) - (?P<date>\d{4}-\d{2}-\d{2})")


def commands_of(name: str) -> list[str]:
    (body,) = [m.group("body") for m in TESTED.finditer(RELEASING) if m.group("name") == name]
    commands = [line.strip()[2:] for line in body.splitlines() if line.strip().startswith("$ ")]
    assert commands, f"no commands in the {name} block"
    return commands


def version_file() -> Path:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return ROOT / pyproject["tool"]["hatch"]["version"]["path"]


def current_version() -> str:
    found = VERSION.search(version_file().read_text(encoding="utf-8"))
    assert found, f'no __version__ = "X.Y.Z" line in {version_file()}'
    return found.group("version")


def test_the_version_lives_where_releasing_says() -> None:
    relative = version_file().relative_to(ROOT).as_posix()
    assert f"`{relative}`" in RELEASING
    import flake8_asyncio_run

    assert flake8_asyncio_run.__version__ == current_version()
    # The example of step 1 is the line the pattern reads.
    example = re.search(r'^\s*(__version__ = "[^"]*")$', RELEASING, re.M)
    assert example and VERSION.match(example.group(1))


def test_changelog_headings_are_the_form_releasing_shows() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.*)$", changelog, re.M)
    assert headings[0] == "Unreleased"
    for heading in headings[1:]:
        release = RELEASE_HEADING.fullmatch(heading)
        assert release, f"CHANGELOG.md: '## {heading}' is not '## X.Y.Z - YYYY-MM-DD'"
        datetime.date.fromisoformat(release.group("date"))
    shown = re.search(r"^\s*## (\d.*)$", RELEASING, re.M)
    example = RELEASE_HEADING.fullmatch(shown.group(1)) if shown else None
    assert example, "RELEASING.md shows no '## X.Y.Z - YYYY-MM-DD' heading"
    version = example.group("version")
    # The same release throughout the examples: version, tag, pins.
    assert f'__version__ = "{version}"' in RELEASING
    assert f"git tag -a v{version} " in RELEASING and f"git push origin v{version}" in RELEASING


def source_copy(target: Path) -> Path:
    """The working tree's files that git would ship (tracked or new, not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # not a file deleted but still tracked
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def run_block(name: str, cwd: Path) -> list[subprocess.CompletedProcess[str]]:
    # This interpreter's scripts (python, twine) first, as in the releaser's environment.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = []
    for command in commands_of(name):
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=cwd,
            env={**os.environ, "PATH": path},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, f"`{command}` failed:\n{result.stdout}\n{result.stderr}"
        done.append(result)
    return done


@pytest.mark.slow
def test_build_check_and_install_as_written(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git lists the files to build from")
    tree = source_copy(tmp_path / "checkout")
    (tree / "dist").mkdir()
    (tree / "dist" / "stale-0.0.1.tar.gz").write_text("an earlier build", encoding="utf-8")
    version = current_version()

    built = run_block("builds", tree)
    assert sorted(p.name for p in (tree / "dist").iterdir()) == [
        f"flake8_asyncio_run-{version}-py3-none-any.whl",
        f"flake8_asyncio_run-{version}.tar.gz",
    ]
    twine = built[-1].stdout
    assert twine.count("PASSED") == 2 and "FAILED" not in twine, twine

    installed = run_block("installs", tree)
    assert installed[2].stdout.strip() == f"flake8-asyncio-run {version}"
