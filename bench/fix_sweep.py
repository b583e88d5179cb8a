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
import sys
import sysconfig
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import CORPUS_DIR, corpus_files  # noqa: E402
from fix import inject  # noqa: E402

from flake8_asyncio_run.checker import check_source  # noqa: E402
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
            found += sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)
    return found


def sweep(paths: list[Path]) -> int:
    settings = Settings()
    plans: Counter[tuple[str, str]] = Counter()
    reasons: Counter[tuple[str, str]] = Counter()
    problems: list[str] = []
    fixed_files = 0
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
        result = check_source(injected, name, settings)
        if result.analysis is None or not result.findings:
            continue
        for style in STYLES:
            for plan in plan_fixes(injected, result.analysis, result.findings, style, TARGET, name):
                plans[(style, plan.applicability)] += 1
                if plan.applicability != "safe":
                    reasons[(plan.applicability, plan.reason or "")] += 1
            for unsafe in (False, True):
                outcome = fix_text(injected, name, settings, style, unsafe, TARGET)
                if outcome.internal_error:
                    problems.append(f"{name} {style} unsafe={unsafe}: {outcome.internal_error}")
                    continue
                if not outcome.changed:
                    continue
                fixed_files += 1
                try:
                    compile(outcome.text, name, "exec")
                except SyntaxError as error:
                    problems.append(f"{name} {style}: does not compile: {error}")
                    continue
                again = fix_text(outcome.text, name, settings, style, unsafe, TARGET)
                if again.changed:
                    problems.append(f"{name} {style} unsafe={unsafe}: not idempotent")
    elapsed = time.perf_counter() - started
    print(f"{len(paths)} files, {fixed_files} fixed texts, {elapsed:.0f} s")
    print("\nplans by style and applicability:")
    for style in STYLES:
        row = ", ".join(f"{kind} {plans[(style, kind)]}" for kind in ("safe", "unsafe", "none"))
        print(f"  {style:8} {row}")
    print("\nunsafe and absent plans by reason (all styles):")
    for (kind, reason), count in reasons.most_common():
        print(f"  {count:6}  {kind:6}  {reason}")
    print(f"\nproblems: {len(problems)}")
    for problem in problems[:50]:
        print(f"  {problem}")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--roots", nargs="*", type=Path)
    parser.add_argument("--step", type=int, default=1)
    args = parser.parse_args()
    roots = args.roots or [Path(sysconfig.get_paths()["stdlib"]), CORPUS_DIR]
    return sweep(files(roots)[:: args.step])


if __name__ == "__main__":
    sys.exit(main())
