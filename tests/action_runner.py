"""Running ``action.yml``'s steps the way GitHub's runner does, offline.

Each step's ``run:`` text, exactly as action.yml holds it, is written to a file and run
with GitHub's ``shell: bash`` command line (``bash --noprofile --norc -eo pipefail``).
The ``${{ }}`` expressions of ``env:`` and ``outputs:`` are evaluated from the inputs
(their declared defaults, overridden), ``github.action_path`` (this checkout) and the
earlier steps' ``$GITHUB_OUTPUT``.  A step that fails ends the run, as on GitHub.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
ACTION_FILE = ROOT / "action.yml"
EXPRESSION = re.compile(r"\$\{\{\s*(?P<expr>.*?)\s*\}\}")
#: By its full path: a test may give the steps a PATH without it.
BASH = [shutil.which("bash") or "bash", "--noprofile", "--norc", "-eo", "pipefail"]


def load_action() -> dict[str, Any]:
    loaded = yaml.safe_load(ACTION_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), "action.yml is not a mapping"
    return loaded


@dataclass
class StepRun:
    id: str
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]


@dataclass
class ActionRun:
    steps: list[StepRun] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def returncode(self) -> int:
        """The code of the last step run: the action's result."""
        return self.steps[-1].returncode

    @property
    def stdout(self) -> str:
        return "".join(step.stdout for step in self.steps)

    @property
    def stderr(self) -> str:
        return "".join(step.stderr for step in self.steps)

    def step(self, step_id: str) -> StepRun:
        return next(step for step in self.steps if step.id == step_id)


class Context:
    """What ``${{ }}`` may name in action.yml; anything else fails the test."""

    def __init__(self, inputs: Mapping[str, str]) -> None:
        self.inputs = dict(inputs)
        self.step_outputs: dict[str, dict[str, str]] = {}

    def value(self, expression: str) -> str:
        parts = expression.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            return self.inputs[parts[1]]
        if expression == "github.action_path":
            return str(ROOT)
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return self.step_outputs.get(parts[1], {}).get(parts[3], "")
        raise AssertionError(f"action.yml: the simulation does not know ${{{{ {expression} }}}}")

    def evaluate(self, text: str) -> str:
        return EXPRESSION.sub(lambda match: self.value(match.group("expr")), text)


def read_outputs(path: Path) -> dict[str, str]:
    """``name=value`` lines of a ``$GITHUB_OUTPUT`` file (the form action.yml writes)."""
    if not path.exists():
        return {}
    outputs: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, separator, value = line.partition("=")
        assert separator, f"not a name=value output line: {line!r}"
        outputs[name] = value
    return outputs


def run_action(
    inputs: Mapping[str, str],
    workspace: Path,
    runner_temp: Path,
    path: str,
    extra_env: Mapping[str, str] | None = None,
) -> ActionRun:
    """Run the action's steps in ``workspace`` with ``PATH`` set to ``path``."""
    action = load_action()
    declared = action["inputs"]
    unknown = set(inputs) - set(declared)
    assert not unknown, f"inputs the action does not declare: {sorted(unknown)}"
    values = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    context = Context({**values, **inputs})
    runner_temp.mkdir(parents=True, exist_ok=True)
    result = ActionRun()
    for number, step in enumerate(action["runs"]["steps"]):
        step_id = step.get("id", f"step{number}")
        script = runner_temp / f"{step_id}.sh"
        script.write_text(step["run"], encoding="utf-8")
        output_file = runner_temp / f"{step_id}.output"
        env = {
            **os.environ,
            **(extra_env or {}),
            "PATH": path,
            "RUNNER_TEMP": str(runner_temp),
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_ACTION_PATH": str(ROOT),
            **{name: context.evaluate(str(text)) for name, text in step.get("env", {}).items()},
        }
        done = subprocess.run(
            [*BASH, str(script)],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=300,
        )
        outputs = read_outputs(output_file)
        context.step_outputs[step_id] = outputs
        result.steps.append(StepRun(step_id, done.returncode, done.stdout, done.stderr, outputs))
        if done.returncode != 0:
            break
    result.outputs = {
        name: context.evaluate(str(spec["value"])) for name, spec in action["outputs"].items()
    }
    return result
