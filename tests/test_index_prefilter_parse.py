"""The project index parses only the modules that pass its text prefilter: the summary
of a module that does not costs no ``ast.parse`` at all (the speed budget's promise;
``bench/project_index.py`` counts the same on the corpus)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from flake8_asyncio_run.config import DEFAULT_EXCLUDE
from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.project import build
from flake8_asyncio_run.project.build import build_project, worth_summarising

PLAIN = "def add{n}(x, y):\n    return x + y + {n}\n\n\nVALUE = add{n}(1, 2)\n"
RUNNER = (
    "import asyncio\n\n\n"
    "async def fetch():\n    return 1\n\n\n"
    "def run_sync():\n    return asyncio.run(fetch())\n"
)
#: Spells no prefilter word, but calls the wrapper another module defines: found by the
#: index's later word search, and parsed then (once).
CALLER = "from pkg.runner import run_sync\n\n\ndef twice():\n    run_sync()\n    run_sync()\n"
#: Does not parse, and is never parsed: the prefilter skips it.
BROKEN = "def broken(:\n    return\n"
PLAIN_COUNT = 12


def make_project(root: Path, caller: bool) -> None:
    (root / "pyproject.toml").write_text("")
    package = root / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for n in range(PLAIN_COUNT):
        (package / f"plain{n}.py").write_text(PLAIN.format(n=n))
    (package / "broken.py").write_text(BROKEN)
    (package / "runner.py").write_text(RUNNER)
    if caller:
        (package / "caller.py").write_text(CALLER)


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The text of every parse the build makes (``parsing.parse_source``)."""
    texts: list[str] = []
    real = build.parse_source

    def counting(source: str, *args: Any, **kwargs: Any) -> ast.Module:
        texts.append(source)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(build, "parse_source", counting)
    return texts


@pytest.mark.parametrize("caller", [False, True], ids=["runner only", "runner and caller"])
def test_only_modules_passing_the_prefilter_are_parsed(
    tmp_path: Path, parsed: list[str], caller: bool
) -> None:
    make_project(tmp_path, caller)
    options = AnalysisOptions()
    for name in ("broken.py", *(f"plain{n}.py" for n in range(PLAIN_COUNT))):
        assert not worth_summarising((tmp_path / "pkg" / name).read_bytes(), options)
    assert worth_summarising(RUNNER.encode(), options)

    project = build_project(tmp_path, options, DEFAULT_EXCLUDE, use_cache=False)

    expected = [RUNNER, CALLER] if caller else [RUNNER]
    assert sorted(parsed) == sorted(expected)
    assert len(project.names) == PLAIN_COUNT + 3 + caller
    summarised = {"pkg.runner", "pkg.caller"} if caller else {"pkg.runner"}
    assert set(project.index.modules) == summarised


def test_a_warm_cache_parses_nothing(tmp_path: Path, parsed: list[str]) -> None:
    make_project(tmp_path, caller=True)
    options = AnalysisOptions()
    cold = build_project(tmp_path, options, DEFAULT_EXCLUDE, use_cache=True)
    assert len(parsed) == 2
    # Entries younger than the racy window are checked by digest, never re-parsed.
    parsed.clear()
    warm = build_project(tmp_path, options, DEFAULT_EXCLUDE, use_cache=True)
    assert parsed == []
    assert set(warm.index.modules) == set(cold.index.modules)
