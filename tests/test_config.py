"""Where options come from, through BOTH front ends: ``[tool.flake8-asyncio-run]`` in
the nearest pyproject.toml (TOML arrays) < the ``[flake8]`` section of setup.cfg, tox.ini
or .flake8 (comma-separated) < command-line flags, key by key."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SOURCE = textwrap.dedent(
    """\
    import asyncio
    import myproj.utils as u
    from myproj.db import make_other, make_pool

    pool = make_pool()
    other = make_other()


    def starter():
        asyncio.run(use())


    def with_run_sync():
        u.run_sync(a())
        u.run_sync(b())


    def with_block_on():
        u.block_on(a())
        u.block_on(b())


    async def use():
        return pool, other
    """
)
#: Which configured name each reported line proves.
EVIDENCE = {
    (5, "ARO201"): "make_pool",
    (6, "ARO201"): "make_other",
    (15, "ARO101"): "run_sync",
    (20, "ARO101"): "block_on",
}
RUN_SYNC, BLOCK_ON = "myproj.utils.run_sync", "myproj.utils.block_on"
MAKE_POOL, MAKE_OTHER = "myproj.db.make_pool", "myproj.db.make_other"

FRONT_ENDS = ("flake8", "check")


def run_front_end(front_end: str, cwd: Path, *flags: str, target: str = "tasks.py") -> set[str]:
    """The configured names the front end's findings prove, run from ``cwd``."""
    if front_end == "flake8":
        command = [sys.executable, "-m", "flake8", "--select", "ARO", *flags, target]
    else:
        command = [sys.executable, "-m", "flake8_asyncio_run", "check", *flags, target]
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, encoding="utf-8", check=False
    )
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    proved = set()
    for line in result.stdout.splitlines():
        _, number, _, rest = line.split(":", 3)
        code = rest.split()[0]
        key = (int(number), code)
        assert key in EVIDENCE, f"unexpected finding: {line}"
        proved.add(EVIDENCE[key])
    return proved


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "tasks.py").write_text(SOURCE, "utf-8")
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), "utf-8")
    return tmp_path


def pyproject(runners: list[str] | None = None, factories: list[str] | None = None) -> str:
    lines = ['[project]\nname = "demo"\n\n[tool.flake8-asyncio-run]']
    if runners is not None:
        lines.append(f"asyncio-runners = {runners!r}".replace("'", '"'))
    if factories is not None:
        lines.append(f"loop-bound-factories = {factories!r}".replace("'", '"'))
    return "\n".join(lines) + "\n"


def flake8_section(runners: str | None = None, factories: str | None = None) -> str:
    lines = ["[flake8]", "max-line-length = 100"]
    if runners is not None:
        lines.append(f"asyncio-runners = {runners}")
    if factories is not None:
        lines.append(f"loop-bound-factories = {factories}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_no_configuration(tmp_path: Path, front_end: str) -> None:
    assert run_front_end(front_end, project(tmp_path, {})) == set()


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_pyproject_table_with_arrays(tmp_path: Path, front_end: str) -> None:
    root = project(tmp_path, {"pyproject.toml": pyproject([RUN_SYNC], [MAKE_POOL])})
    assert run_front_end(front_end, root) == {"run_sync", "make_pool"}


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_pyproject_underscored_keys(tmp_path: Path, front_end: str) -> None:
    text = '[tool.flake8-asyncio-run]\nasyncio_runners = ["myproj.utils.block_on"]\n'
    root = project(tmp_path, {"pyproject.toml": text})
    assert run_front_end(front_end, root) == {"block_on"}


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_pyproject_found_walking_up(tmp_path: Path, front_end: str) -> None:
    root = project(tmp_path, {"pyproject.toml": pyproject([RUN_SYNC], [MAKE_POOL])})
    (root / "pkg" / "deep").mkdir(parents=True)
    (root / "pkg" / "deep" / "tasks.py").write_text(SOURCE, "utf-8")
    proved = run_front_end(front_end, root / "pkg", target="deep/tasks.py")
    assert proved == {"run_sync", "make_pool"}


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_pyproject_without_our_table(tmp_path: Path, front_end: str) -> None:
    text = '[project]\nname = "demo"\n\n[tool.ruff]\nline-length = 100\n'
    assert run_front_end(front_end, project(tmp_path, {"pyproject.toml": text})) == set()


@pytest.mark.parametrize("front_end", FRONT_ENDS)
@pytest.mark.parametrize("config_file", ["setup.cfg", "tox.ini", ".flake8"])
def test_flake8_config_files(tmp_path: Path, front_end: str, config_file: str) -> None:
    root = project(tmp_path, {config_file: flake8_section(BLOCK_ON, MAKE_OTHER)})
    assert run_front_end(front_end, root) == {"block_on", "make_other"}


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_flake8_config_multi_line_and_underscores(tmp_path: Path, front_end: str) -> None:
    text = """\
        [flake8]
        asyncio_runners =
            myproj.utils.run_sync,
            myproj.utils.block_on
        loop_bound_factories = myproj.db.make_pool, myproj.db.make_other
        """
    root = project(tmp_path, {"setup.cfg": text})
    assert run_front_end(front_end, root) == {"run_sync", "block_on", "make_pool", "make_other"}


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_setup_cfg_without_flake8_section_is_skipped(tmp_path: Path, front_end: str) -> None:
    root = project(
        tmp_path,
        {
            "setup.cfg": "[metadata]\nname = demo\n",
            "tox.ini": flake8_section(BLOCK_ON),
        },
    )
    assert run_front_end(front_end, root) == {"block_on"}


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_flake8_config_overrides_pyproject_key_by_key(tmp_path: Path, front_end: str) -> None:
    root = project(
        tmp_path,
        {
            "pyproject.toml": pyproject([RUN_SYNC], [MAKE_POOL]),
            "setup.cfg": flake8_section(runners=BLOCK_ON),
        },
    )
    # runners come from setup.cfg (replacing pyproject's), factories still from pyproject.
    assert run_front_end(front_end, root) == {"block_on", "make_pool"}


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_flake8_config_factories_override(tmp_path: Path, front_end: str) -> None:
    root = project(
        tmp_path,
        {
            "pyproject.toml": pyproject([RUN_SYNC], [MAKE_POOL]),
            ".flake8": flake8_section(factories=MAKE_OTHER),
        },
    )
    assert run_front_end(front_end, root) == {"run_sync", "make_other"}


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_command_line_overrides_both(tmp_path: Path, front_end: str) -> None:
    root = project(
        tmp_path,
        {
            "pyproject.toml": pyproject([RUN_SYNC], [MAKE_POOL]),
            "setup.cfg": flake8_section(BLOCK_ON, MAKE_OTHER),
        },
    )
    assert run_front_end(front_end, root) == {"block_on", "make_other"}
    flags = (f"--asyncio-runners={RUN_SYNC}",)
    assert run_front_end(front_end, root, *flags) == {"run_sync", "make_other"}
    flags = (f"--loop-bound-factories={MAKE_POOL},{MAKE_OTHER}",)
    assert run_front_end(front_end, root, *flags) == {"block_on", "make_pool", "make_other"}


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_command_line_overrides_pyproject_alone(tmp_path: Path, front_end: str) -> None:
    root = project(tmp_path, {"pyproject.toml": pyproject([RUN_SYNC], [MAKE_POOL])})
    flags = (f"--asyncio-runners={BLOCK_ON}", f"--loop-bound-factories={MAKE_OTHER}")
    assert run_front_end(front_end, root, *flags) == {"block_on", "make_other"}


def test_check_isolated_ignores_every_file(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "pyproject.toml": pyproject([RUN_SYNC], [MAKE_POOL]),
            "setup.cfg": flake8_section(BLOCK_ON, MAKE_OTHER),
        },
    )
    assert run_front_end("check", root, "--isolated") == set()
    flags = ("--isolated", f"--asyncio-runners={BLOCK_ON}")
    assert run_front_end("check", root, *flags) == {"block_on"}


def test_flake8_isolated_ignores_flake8_files_but_not_our_table(tmp_path: Path) -> None:
    """flake8 consumes --isolated before plugins see their options (the value they get is
    always False), so the plugin cannot tell, and keeps reading its pyproject table.
    The flake8 config file is ignored as usual."""
    root = project(
        tmp_path,
        {
            "pyproject.toml": pyproject([RUN_SYNC], [MAKE_POOL]),
            "setup.cfg": flake8_section(BLOCK_ON, MAKE_OTHER),
        },
    )
    assert run_front_end("flake8", root, "--isolated") == {"run_sync", "make_pool"}
    flags = ("--isolated", f"--asyncio-runners={BLOCK_ON}")
    assert run_front_end("flake8", root, *flags) == {"block_on", "make_pool"}


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_invalid_pyproject_value_is_an_error_without_traceback(
    tmp_path: Path, front_end: str
) -> None:
    root = project(tmp_path, {"pyproject.toml": "[tool.flake8-asyncio-run]\nasyncio-runners = 3\n"})
    if front_end == "flake8":
        command = [sys.executable, "-m", "flake8", "--select", "ARO", "tasks.py"]
    else:
        command = [sys.executable, "-m", "flake8_asyncio_run", "check", "tasks.py"]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "asyncio-runners" in result.stderr
    assert "Traceback" not in result.stderr
    if front_end == "check":
        assert result.returncode == 2


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_broken_toml_is_an_error_without_traceback(tmp_path: Path, front_end: str) -> None:
    root = project(tmp_path, {"pyproject.toml": "[tool.flake8-asyncio-run\n"})
    if front_end == "flake8":
        command = [sys.executable, "-m", "flake8", "--select", "ARO", "tasks.py"]
    else:
        command = [sys.executable, "-m", "flake8_asyncio_run", "check", "tasks.py"]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "pyproject.toml" in result.stderr
    assert "Traceback" not in result.stderr


# --- Options only the check command reads ------------------------------------------------


def check_codes(root: Path, *flags: str) -> set[tuple[int, str]]:
    result = subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", "check", *flags, "tasks.py"],
        cwd=root,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    return {
        (int(line.split(":")[1]), line.split(": ")[1].split()[0])
        for line in result.stdout.splitlines()
    }


def test_pyproject_selection_keys_for_check(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {"pyproject.toml": pyproject([RUN_SYNC], [MAKE_POOL]) + 'ignore = ["ARO2"]\n'},
    )
    assert check_codes(root) == {(15, "ARO101")}
    # The command line replaces the file's ignore list.
    assert check_codes(root, "--ignore", "ARO101") == {(5, "ARO201")}


def test_pyproject_per_file_ignores_table(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "pyproject.toml": pyproject([RUN_SYNC], [MAKE_POOL])
            + '\n[tool.flake8-asyncio-run.per-file-ignores]\n"tasks.py" = ["ARO101"]\n'
        },
    )
    assert check_codes(root) == {(5, "ARO201")}


def test_flake8_config_per_file_ignores_and_excludes_for_check(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "setup.cfg": (
                "[flake8]\nasyncio-runners = myproj.utils.run_sync\n"
                "per-file-ignores =\n    tasks.py:ARO101\n"
            )
        },
    )
    assert check_codes(root) == set()
    excluded = project(
        tmp_path / "other",
        {
            "setup.cfg": (
                "[flake8]\nasyncio-runners = myproj.utils.run_sync\nextend-exclude = tasks.py\n"
            )
        },
    )
    result = subprocess.run(
        [sys.executable, "-m", "flake8_asyncio_run", "check", "."],
        cwd=excluded,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, "")


def test_flake8_select_does_not_switch_our_codes_off(tmp_path: Path) -> None:
    # flake8's own select governs every flake8 plugin; check keeps its own selection.
    root = project(
        tmp_path, {"setup.cfg": "[flake8]\nselect = E,F\nasyncio-runners = myproj.utils.run_sync\n"}
    )
    assert check_codes(root) == {(15, "ARO101")}


# --- flake8's config discovery rules ----------------------------------------------------


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_unparseable_config_is_skipped_like_flake8(tmp_path: Path, front_end: str) -> None:
    # flake8 warns about a setup.cfg it cannot parse and keeps looking (tox.ini here).
    root = project(
        tmp_path,
        {
            "setup.cfg": "no section header\nasyncio-runners = myproj.utils.run_sync\n",
            "tox.ini": flake8_section(BLOCK_ON),
        },
    )
    assert run_front_end(front_end, root) == {"block_on"}


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_local_plugins_section_stops_the_search(tmp_path: Path, front_end: str) -> None:
    (tmp_path / "setup.cfg").write_text(flake8_section(BLOCK_ON), "utf-8")
    root = project(tmp_path / "sub", {".flake8": "[flake8:local-plugins]\npaths = .\n"})
    assert run_front_end(front_end, root) == set()


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_flake8_config_found_walking_up(tmp_path: Path, front_end: str) -> None:
    (tmp_path / "tox.ini").write_text(flake8_section(BLOCK_ON, MAKE_OTHER), "utf-8")
    root = project(tmp_path / "pkg" / "deep", {})
    assert run_front_end(front_end, root) == {"block_on", "make_other"}
