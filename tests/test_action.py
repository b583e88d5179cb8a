"""The GitHub Action (``action.yml``): its shape, and its steps' scripts run offline.

The scripts run as GitHub runs them (tests/action_runner.py).  The install step's pip
is a recording stand-in (``python`` on ``PATH`` that records ``-m pip install`` and runs
everything else with this interpreter, where the package is installed), except in
``test_installs_the_checkout_into_a_fresh_venv``, which installs for real.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from action_runner import ACTION_FILE, EXPRESSION, ROOT, ActionRun, load_action, run_action
from test_precommit_variants import COMBINABLE  # one safe fix (combine), nothing left

EXAMPLES = ROOT / "examples"
ANNOTATION = re.compile(r"^::error file=(?P<file>[^,]+),line=\d+,.*title=(?P<code>ARO\d+)::", re.M)


SHIM = """\
#!/bin/sh
# pip is recorded, not run; everything else runs with the test's interpreter.
if [ "$1" = -m ] && [ "$2" = pip ]; then
  printf '%s\\n' "$@" > "$PIP_RECORD"
  exit "${{PIP_EXIT:-0}}"
fi
exec "{python}" "$@"
"""


class Job:
    """A workspace, a runner temp directory and a ``python`` on PATH, as in a job."""

    def __init__(self, tmp_path: Path) -> None:
        self.workspace = tmp_path / "workspace"
        self.workspace.mkdir()
        self.temp = tmp_path / "runner-temp"
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        shim = self.bin / "python"
        shim.write_text(SHIM.format(python=sys.executable), encoding="utf-8")
        shim.chmod(0o755)
        self.pip_record = tmp_path / "pip-args"
        self.path = f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}"

    def write(self, name: str, text: str) -> None:
        target = self.workspace / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def copy_example(self, name: str, into: str = "") -> None:
        self.write(f"{into}{name}", (EXAMPLES / name).read_text(encoding="utf-8"))

    def run(self, pip_exit: int = 0, **inputs: str) -> ActionRun:
        env = {"PIP_RECORD": str(self.pip_record), "PIP_EXIT": str(pip_exit)}
        return run_action(inputs, self.workspace, self.temp, self.path, env)

    def pip_args(self) -> list[str]:
        return self.pip_record.read_text(encoding="utf-8").splitlines()


@pytest.fixture
def job(tmp_path: Path) -> Job:
    return Job(tmp_path)


def annotations(run: ActionRun) -> list[tuple[str, str]]:
    return [(m.group("file"), m.group("code")) for m in ANNOTATION.finditer(run.stdout)]


# The file itself


def test_action_shape() -> None:
    action = load_action()
    assert action["name"] == "flake8-asyncio-run"
    assert action["description"]
    assert set(action["branding"]) == {"icon", "color"}
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    assert [step["id"] for step in steps] == ["install", "run"]
    for step in steps:
        assert step["shell"] == "bash", step["name"]
        assert step["run"].strip(), step["name"]


def test_inputs_and_outputs() -> None:
    action = load_action()
    inputs = action["inputs"]
    assert {name: spec["default"] for name, spec in inputs.items()} == {
        "args": "check",
        "src": ".",
        "version": "",
        "output-format": "github",
    }
    assert all(spec["description"] and spec["required"] is False for spec in inputs.values())
    assert set(action["outputs"]) == {"sarif-file", "exit-code"}
    text = ACTION_FILE.read_text(encoding="utf-8")
    used = {m.group(1) for m in re.finditer(r"\$\{\{\s*inputs\.([\w-]+)", text)}
    assert used == set(inputs), "every input declared is used, and only those"
    step_ids = {step["id"] for step in action["runs"]["steps"]}
    for name, spec in action["outputs"].items():
        referenced = re.fullmatch(r"\$\{\{ steps\.(\w+)\.outputs\.([\w-]+) \}\}", spec["value"])
        assert referenced and referenced.group(1) in step_ids, name
        assert f"{referenced.group(2)}=" in text, f"no step writes the output {name}"


def test_no_expression_inside_a_script() -> None:
    # ${{ }} in `run:` is pasted into the script before bash reads it: script injection.
    for step in load_action()["runs"]["steps"]:
        assert not EXPRESSION.search(step["run"]), step["name"]
        for name, value in step.get("env", {}).items():
            assert EXPRESSION.fullmatch(value), f"{step['name']}: env {name} is one expression"


# The check, as most workflows run it


def test_defaults_annotate_findings_and_fail(job: Job) -> None:
    job.copy_example("tasks.py")
    job.copy_example("clean.py")
    run = job.run()
    assert run.returncode == 1, run.stderr
    assert job.pip_args() == [
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--quiet",
        str(ROOT),
    ]
    found = annotations(run)
    assert found and {file for file, _ in found} == {"tasks.py"}
    assert {code for _, code in found} == {"ARO101"}
    assert run.outputs == {"sarif-file": "", "exit-code": "1"}
    assert "Traceback" not in run.stderr


def test_clean_tree_passes(job: Job) -> None:
    job.copy_example("clean.py")
    run = job.run()
    assert run.returncode == 0, run.stderr
    assert annotations(run) == [] and "::error" not in run.stdout
    assert run.outputs["exit-code"] == "0"


def test_exit_zero_keeps_the_annotations(job: Job) -> None:
    job.copy_example("tasks.py")
    run = job.run(args="check --exit-zero")
    assert run.returncode == 0, run.stderr
    assert {code for _, code in annotations(run)} == {"ARO101"}


def test_args_options_and_src_paths(job: Job) -> None:
    job.copy_example("tasks.py", into="app/")
    job.copy_example("cached_pool.py", into="app/")
    job.copy_example("loops.py", into="scripts/")
    run = job.run(args="check --select ARO1", src="app")
    assert run.returncode == 1, run.stderr
    assert {file for file, _ in annotations(run)} == {"app/tasks.py"}  # not scripts/, not ARO201


def test_src_is_split_like_a_command_line(job: Job) -> None:
    job.copy_example("tasks.py", into="my app/")
    job.copy_example("loops.py", into="tools/")
    job.copy_example("tasks.py", into="other/")
    run = job.run(src="'my app' tools\n  # not a comment: a path")
    # shlex keeps '#' literal: the missing paths are an error, nothing is run half.
    assert run.returncode == 2
    assert "no such file or directory: #, not, a, comment:, a, path" in run.stderr
    run = job.run(src="'my app'\ntools")
    assert run.returncode == 1, run.stderr
    assert {file for file, _ in annotations(run)} == {"my app/tasks.py", "tools/loops.py"}


def test_inputs_cannot_run_shell_code(job: Job) -> None:
    job.copy_example("tasks.py")
    run = job.run(
        args="check $(touch by-args) `touch by-backticks`; touch by-semicolon",
        src="*.py | touch by-pipe",
    )
    assert run.returncode == 2
    assert not list(job.workspace.glob("by-*")), "an input ran a command"
    # Each word reached the command unchanged, the glob unexpanded.
    assert "$(touch" in run.stderr and "`touch" in run.stderr and "*.py" in run.stderr
    assert run.outputs["exit-code"] == "2"


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ("check 'unclosed", "args: cannot split it into words: ValueError: No closing quotation"),
        ("", "args: empty; give the command"),
        ("   ", "args: empty; give the command"),
    ],
)
def test_bad_args_are_reported(job: Job, args: str, problem: str) -> None:
    job.copy_example("tasks.py")
    run = job.run(args=args)
    assert run.returncode == 2
    assert f"::error title=flake8-asyncio-run::{problem}" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr


def test_empty_src_checks_the_working_directory(job: Job) -> None:
    job.copy_example("tasks.py", into="pkg/")
    run = job.run(src="")
    assert run.returncode == 1, run.stderr
    assert {file for file, _ in annotations(run)} == {"pkg/tasks.py"}


# output-format and the commands


def test_sarif_goes_to_a_file_named_by_the_output(job: Job) -> None:
    job.copy_example("tasks.py")
    run = job.run(**{"output-format": "sarif"})
    assert run.returncode == 1, run.stderr
    sarif_file = Path(run.outputs["sarif-file"])
    assert sarif_file.parent == job.temp and sarif_file.suffix == ".sarif"
    report = json.loads(sarif_file.read_text(encoding="utf-8"))
    assert report["version"] == "2.1.0"
    assert {r["ruleId"] for r in report["runs"][0]["results"]} == {"ARO101"}
    assert "::error" not in run.stdout and '"$schema"' not in run.stdout
    assert run.outputs["exit-code"] == "1"


def test_sarif_files_of_two_runs_differ(job: Job) -> None:
    job.copy_example("tasks.py")
    first = job.run(args="check --exit-zero", **{"output-format": "sarif"})
    second = job.run(args="check --exit-zero", **{"output-format": "sarif"})
    assert first.returncode == second.returncode == 0
    assert first.outputs["sarif-file"] != second.outputs["sarif-file"]
    assert Path(first.outputs["sarif-file"]).is_file()


def test_no_sarif_file_when_the_run_fails(job: Job) -> None:
    job.copy_example("tasks.py")
    run = job.run(src="missing.py", **{"output-format": "sarif"})
    assert run.returncode == 2
    assert run.outputs == {"sarif-file": "", "exit-code": "2"}
    assert "no such file or directory: missing.py" in run.stderr


def test_args_choosing_a_format_win(job: Job) -> None:
    job.copy_example("tasks.py")
    run = job.run(args="check --output-format=json", **{"output-format": "sarif"})
    assert run.returncode == 1, run.stderr
    assert json.loads(run.stdout.split("\n", 1)[1] if run.stdout.startswith("::") else run.stdout)
    assert run.outputs["sarif-file"] == ""
    assert "::warning title=flake8-asyncio-run::output-format is not added" in run.stdout


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ("check --statistics", 1),
        ("fix --diff --statistics", 1),
        ("check --output-file report.txt", 1),
        ("check --output-file=report.txt", 1),
        ("check --add-noqa", 0),
    ],
)
def test_args_whose_output_takes_no_format(job: Job, args: str, code: int) -> None:
    """--statistics prints text or json, --add-noqa no report at all, and --output-file
    sends the report to the user's file: the action adds no format to them (the command
    would refuse github with exit 2, or put annotations in the file)."""
    job.write("jobs.py", COMBINABLE)
    run = job.run(args=args)
    assert run.returncode == code, run.stderr
    assert "--output-format" not in run.stderr and "::error" not in run.stdout
    assert annotations(run) == []
    if "--statistics" in args:
        assert "1\tARO101\t" in run.stdout
    if "--output-file" in args:
        report = (job.workspace / "report.txt").read_text(encoding="utf-8")
        assert report.startswith("./jobs.py:14:13: ARO101")
    if "--add-noqa" in args:
        assert "# noqa: ARO101" in (job.workspace / "jobs.py").read_text(encoding="utf-8")
    assert run.outputs == {"sarif-file": "", "exit-code": str(code)}


def test_fix_diff_takes_the_format(job: Job) -> None:
    job.write("jobs.py", COMBINABLE)
    run = job.run(args="fix --diff")
    assert run.returncode == 1, run.stderr
    assert annotations(run) == [("jobs.py", "ARO101")]
    assert (job.workspace / "jobs.py").read_text(encoding="utf-8") == COMBINABLE


def test_fix_writes_and_ignores_the_default_format(job: Job) -> None:
    job.write("jobs.py", COMBINABLE)
    run = job.run(args="fix")
    assert run.returncode == 0, run.stderr
    fixed = (job.workspace / "jobs.py").read_text(encoding="utf-8")
    assert fixed.count("asyncio.run(") == 1 and "async def _analyze" in fixed
    assert "::warning" not in run.stdout and "::error" not in run.stdout
    assert run.outputs == {"sarif-file": "", "exit-code": "0"}


def test_fix_with_sarif_warns_and_writes_no_report(job: Job) -> None:
    job.write("jobs.py", COMBINABLE)
    run = job.run(args="fix", **{"output-format": "sarif"})
    assert run.returncode == 0, run.stderr
    assert "::warning title=flake8-asyncio-run::output-format is not added" in run.stdout
    assert run.outputs["sarif-file"] == "" and not list(job.temp.glob("*.sarif"))


def test_empty_output_format_adds_nothing(job: Job) -> None:
    job.copy_example("tasks.py")
    run = job.run(**{"output-format": ""})
    assert run.returncode == 1, run.stderr
    assert annotations(run) == [] and "tasks.py:20:14: ARO101" in run.stdout


# The install step


@pytest.mark.parametrize(
    ("version", "requirement"),
    [
        ("", str(ROOT)),
        ("0.2.0", "flake8-asyncio-run==0.2.0"),
        ("v0.2.0", "flake8-asyncio-run==0.2.0"),
        (">=0.1,<0.3", "flake8-asyncio-run>=0.1,<0.3"),
        ("==0.2.*", "flake8-asyncio-run==0.2.*"),
        ("~=0.2", "flake8-asyncio-run~=0.2"),
        ("latest", "flake8-asyncio-run"),
    ],
)
def test_version_selects_what_pip_installs(job: Job, version: str, requirement: str) -> None:
    job.copy_example("clean.py")
    run = job.run(version=version)
    assert run.returncode == 0, run.stdout + run.stderr
    assert job.pip_args()[-1] == requirement


@pytest.mark.parametrize(
    ("version", "problem"),
    [
        ("main", "expected a version (0.1.0), a specifier (>=0.1,<0.2), latest or nothing"),
        ("flake8-asyncio-run==1", "expected a version"),
        ("1.0\n::add-mask::x", "only letters, digits and . , < > = ! ~ * + - may appear"),
        ("1.0 ; rm -rf .", "only letters, digits"),
        ("$(id)", "only letters, digits"),
    ],
)
def test_bad_version_stops_before_the_run(job: Job, version: str, problem: str) -> None:
    run = job.run(version=version)
    assert run.returncode == 2
    assert [step.id for step in run.steps] == ["install"] and not job.pip_record.exists()
    assert f"::error title=flake8-asyncio-run::version: {problem}" in run.stdout
    # A line break in the value never reaches the log: it could start a workflow command.
    assert not any(line.startswith("::add-mask") for line in run.stdout.splitlines())


def test_pip_failure_is_explained(job: Job) -> None:
    run = job.run(pip_exit=1, version="9.9.9")
    assert run.returncode == 2
    assert [step.id for step in run.steps] == ["install"]
    assert "pip could not install flake8-asyncio-run" in run.stdout
    assert "actions/setup-python" in run.stdout


def test_no_python_on_path(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    run = run_action({}, workspace, tmp_path / "temp", str(tmp_path / "empty-bin"))
    assert run.returncode == 2
    assert "no python on PATH: set up Python (actions/setup-python)" in run.stdout


@pytest.mark.slow
def test_installs_the_checkout_into_a_fresh_venv(tmp_path: Path) -> None:
    # The real pip, from action.yml's own directory, as `version: ""` does on GitHub.
    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    scripts = environment / ("Scripts" if os.name == "nt" else "bin")
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "tasks.py").write_text(
        (EXAMPLES / "tasks.py").read_text(encoding="utf-8"), encoding="utf-8"
    )
    path = f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}"
    run = run_action({}, workspace, tmp_path / "temp", path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert run.step("install").outputs["python"] == str(scripts / "python")
    assert {code for _, code in annotations(run)} == {"ARO101"}
    installed = subprocess.run(
        [str(scripts / "python"), "-m", "pip", "show", "flake8-asyncio-run"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Name: flake8-asyncio-run" in installed.stdout


def test_paths_in_args_and_src_together(job: Job) -> None:
    job.copy_example("tasks.py", into="app/")
    job.copy_example("loops.py", into="tools/")
    # Paths in args come after its options: argparse takes no path after an option that
    # follows paths (`check app --exit-zero tools` fails on the command line too).
    run = job.run(args="check --exit-zero app", src="tools")
    assert run.returncode == 0, run.stderr
    assert {file for file, _ in annotations(run)} == {"app/tasks.py", "tools/loops.py"}
