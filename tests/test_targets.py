"""The target Python comes from what the project declares, wherever it declares it, and
never from the running interpreter: MetaGPT (setup.py) and deepeval (Poetry) declared
3.9 and got ``asyncio.Runner`` code, which needs 3.11."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flake8_asyncio_run.targets import DEFAULT_TARGET, lowest_version, project_target

# Combining these calls is unsafe (a return between them); the runner style is safe,
# but only on 3.11+, so whether fix rewrites it shows which target it assumed.
MID_RETURN = (
    "import asyncio\n\n\nasync def f(x):\n    return x\n\n\n"
    "def task(a):\n    x = asyncio.run(f(a))\n    if x:\n        return x\n"
    "    y = asyncio.run(f(x))\n    return y\n"
)

DECLARATIONS = {
    "setup.py (MetaGPT)": (
        "setup.py",
        'from setuptools import setup\nsetup(name="x", python_requires=">=3.9")\n',
        (3, 9),
    ),
    "setup.cfg": (
        "setup.cfg",
        "[metadata]\nname = x\n[options]\npython_requires = >=3.9\n",
        (3, 9),
    ),
    "poetry (deepeval)": (
        "pyproject.toml",
        '[tool.poetry]\nname = "x"\n[tool.poetry.dependencies]\npython = ">=3.9,<4.0"\n',
        (3, 9),
    ),
    "poetry caret": ("pyproject.toml", '[tool.poetry.dependencies]\npython = "^3.12"\n', (3, 12)),
    "requires-python": ("pyproject.toml", '[project]\nrequires-python = ">=3.11"\n', (3, 11)),
    "ruff": ("pyproject.toml", '[tool.ruff]\ntarget-version = "py39"\n', (3, 9)),
    "ruff.toml": ("ruff.toml", 'target-version = "py312"\n', (3, 12)),
    "black": (
        "pyproject.toml",
        '[tool.black]\ntarget-version = ["py312", "py39", "py310"]\n',
        (3, 9),
    ),
}


@pytest.mark.parametrize("case", DECLARATIONS, ids=list(DECLARATIONS))
def test_each_declaration_is_read(tmp_path: Path, case: str) -> None:
    name, text, expected = DECLARATIONS[case]
    (tmp_path / name).write_text(text)
    (tmp_path / "pkg").mkdir()
    assert project_target(tmp_path / "pkg") == expected


def test_setup_py_is_parsed_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    (tmp_path / "setup.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n"
        "from setuptools import setup\nsetup(python_requires='>=3.8')\n"
    )
    assert project_target(tmp_path) == (3, 8)
    assert not marker.exists()


def test_requires_python_wins_over_tool_targets(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nrequires-python = ">=3.12"\n[tool.ruff]\ntarget-version = "py39"\n'
    )
    assert project_target(tmp_path) == (3, 12)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (">=3.9", (3, 9)),
        (">=3.9,<4.0", (3, 9)),
        ("<3.13,>=3.10", (3, 10)),
        ("^3.8", (3, 8)),
        ("~3.9", (3, 9)),
        ("3.9.*", (3, 9)),
        ("==3.11.*", (3, 11)),
        (">3.9", (3, 9)),
        ("!=3.9.1,>=3.8", (3, 8)),
        (">=3.8.1,<3.13", (3, 8)),
        ("<3.12", None),
        ("", None),
    ],
)
def test_lowest_version(spec: str, expected: tuple[int, int] | None) -> None:
    assert lowest_version(spec) == expected


def fix(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", "fix", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("case", ["setup.py (MetaGPT)", "poetry (deepeval)", "setup.cfg"])
def test_a_39_project_gets_no_runner_code(tmp_path: Path, case: str) -> None:
    name, text, _ = DECLARATIONS[case]
    (tmp_path / name).write_text(text)
    path = tmp_path / "b.py"
    path.write_text(MID_RETURN)
    result = fix(tmp_path, "b.py")
    assert result.returncode == 1, result.stderr
    assert path.read_text() == MID_RETURN
    assert "asyncio.Runner" not in path.read_text()
    assert "--target-version py311" in result.stderr


def test_nothing_declared_assumes_the_oldest_supported_python(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    path = tmp_path / "b.py"
    path.write_text(MID_RETURN)
    result = fix(tmp_path, "b.py")
    assert DEFAULT_TARGET == (3, 10)
    assert path.read_text() == MID_RETURN, "no Runner code without a declared 3.11+"
    assert result.returncode == 1
    declared = fix(tmp_path, "--target-version", "py311", "b.py")
    assert declared.returncode == 0, declared.stderr
    assert "asyncio.Runner()" in path.read_text()
