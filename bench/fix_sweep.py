"""The fix sweep: every file of the stdlib and the corpus, with runner calls injected (as
bench/fix.py injects them), planned and fixed in every style; prints how many fixes were
safe, unsafe and absent, and checks that every fixed file compiles and that fixing it
again changes nothing.

    python bench/fix_sweep.py                 # the stdlib and bench/corpus, every file
    python bench/fix_sweep.py --step 5        # every 5th file
    python bench/fix_sweep.py --roots DIR...  # other trees

Counts are of plans (one plan per fix region or ARO103 call), by applicability and, for
the unsafe and absent ones, by reason.  Exit status 1 if any fixed file did not compile,
was not idempotent, or hit an internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
import sysconfig
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import CORPUS_DIR, corpus_files  # noqa: E402
from fix import inject  # noqa: E402

from flake8_asyncio_run.checker import FileResult, check_source  # noqa: E402
from flake8_asyncio_run.config import Settings  # noqa: E402
from flake8_asyncio_run.fix import fix_text, plan_fixes  # noqa: E402
from flake8_asyncio_run.sourcefile import decode_source  # noqa: E402

STYLES = ("auto", "combine", "runner")
TARGET = (3, 11)


def files(roots: list[Path]) -> list[Path]:
    found: list[Path] = []
    for root in roots:
        if root == CORPUS_DIR:
            found += corpus_files()
        else:
            found += _python_files(root)
    return found


class Tally:
    def __init__(self) -> None:
        self.plans: Counter[tuple[str, str]] = Counter()
        self.reasons: Counter[tuple[str, str]] = Counter()
        self.problems: list[str] = []
        self.fixed_texts = 0

    def plan(self, text: str, name: str, result: FileResult) -> None:
        assert result.analysis is not None
        for style in STYLES:
            for plan in plan_fixes(text, result.analysis, result.findings, style, TARGET, name):
                self.plans[(style, plan.applicability)] += 1
                if plan.applicability != "safe":
                    self.reasons[(plan.applicability, plan.reason or "")] += 1

    def fix(self, text: str, name: str, style: str, unsafe: bool) -> None:
        settings = Settings()
        outcome = fix_text(text, name, settings, style, unsafe, TARGET)
        where = f"{name} {style} unsafe={unsafe}"
        if outcome.internal_error:
            self.problems.append(f"{where}: {outcome.internal_error}")
            return
        if not outcome.changed:
            return
        self.fixed_texts += 1
        try:
            compile(outcome.text, name, "exec")
        except SyntaxError as error:
            self.problems.append(f"{where}: does not compile: {error}")
            return
        if fix_text(outcome.text, name, settings, style, unsafe, TARGET).changed:
            self.problems.append(f"{where}: not idempotent")

    def report(self, files: int, elapsed: float) -> None:
        print(f"{files} files, {self.fixed_texts} fixed texts, {elapsed:.0f} s")
        print("\nplans by style and applicability:")
        for style in STYLES:
            counts = ", ".join(f"{k} {self.plans[(style, k)]}" for k in ("safe", "unsafe", "none"))
            print(f"  {style:8} {counts}")
        print("\nunsafe and absent plans by reason (all styles):")
        for (kind, reason), count in self.reasons.most_common():
            print(f"  {count:6}  {kind:6}  {reason}")
        print(f"\nproblems: {len(self.problems)}")
        for problem in self.problems[:50]:
            print(f"  {problem}")


def _python_files(root: Path) -> list[Path]:
    """``.py`` files under ``root``, never entering installed packages (a stdlib tree
    holds site-packages, which pip may be changing meanwhile)."""
    found: list[Path] = []
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = [d for d in subdirectories if d not in SKIPPED]
        found += [Path(directory, n) for n in names if n.endswith(".py")]
    return sorted(found)


SKIPPED = {"site-packages", "dist-packages", "__pycache__"}


def sweep(paths: list[Path]) -> int:
    tally = Tally()
    started = time.perf_counter()
    for index, path in enumerate(paths):
        try:
            text = decode_source(path.read_bytes()).text
        except (OSError, SyntaxError):
            continue
        injected = inject(text, index)
        if injected is None:
            continue
        name = str(path)
        result = check_source(injected, name, Settings())
        if result.analysis is None or not result.findings:
            continue
        tally.plan(injected, name, result)
        for style in STYLES:
            for unsafe in (False, True):
                tally.fix(injected, name, style, unsafe)
    tally.report(len(paths), time.perf_counter() - started)
    return 1 if tally.problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--roots", nargs="*", type=Path)
    parser.add_argument("--step", type=int, default=1)
    args = parser.parse_args()
    roots = args.roots or [Path(sysconfig.get_paths()["stdlib"]), CORPUS_DIR]
    return sweep(files(roots)[:: args.step])


if __name__ == "__main__":
    sys.exit(main())
