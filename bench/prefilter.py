"""Not a timing of tools: how many files the text prefilter lets through, how many of
them the analysis finds something in, and whether it hides any (it must not).

    python bench/prefilter.py                 # bench/corpus/
    python bench/prefilter.py --async         # bench/corpus-async/
    python bench/prefilter.py --no-sweep      # pass counts and prefilter time only

``--no-sweep`` skips analysing every file without the prefilter (the slow part).  The
package is imported from ``sys.path``: ``PYTHONPATH=<other checkout>`` counts for an
older prefilter (the "before" figures of docs/performance.md).
"""

from __future__ import annotations

import argparse
import ast
import time
from pathlib import Path

from common import ASYNC_CORPUS_DIR, CORPUS_DIR, corpus_files

from flake8_asyncio_run.analysis import analyze_tree
from flake8_asyncio_run.lines import split_lines
from flake8_asyncio_run.options import AnalysisOptions
from flake8_asyncio_run.prefilter import might_run_event_loops_bytes
from flake8_asyncio_run.sourcefile import decode_source


def _has_findings(data: bytes, options: AnalysisOptions) -> bool:
    try:
        text = decode_source(data).text
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return bool(analyze_tree(tree, split_lines(text), options).findings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--async", dest="async_corpus", action="store_true")
    parser.add_argument("--no-sweep", action="store_true")
    args = parser.parse_args()
    root = ASYNC_CORPUS_DIR if args.async_corpus else CORPUS_DIR
    files = corpus_files(root)
    if not files:
        raise SystemExit(f"no corpus in {root}: run bench/corpus.py first")
    options = AnalysisOptions()
    blobs = [path.read_bytes() for path in files]
    start = time.perf_counter()
    passed = [might_run_event_loops_bytes(data, options) for data in blobs]
    elapsed = time.perf_counter() - start
    print(f"{root}: {len(files)} files, {sum(passed)} pass the prefilter ({elapsed:.3f} s)")
    if args.no_sweep:
        return 0
    found = [_has_findings(data, options) for data in blobs]
    hidden = [path for path, ok, has in zip(files, passed, found, strict=True) if has and not ok]
    print(f"  {sum(found)} have findings without the prefilter; hidden by it: {len(hidden)}")
    for path in hidden:
        print(f"    HIDDEN {Path(path).relative_to(root)}")
    return 1 if hidden else 0


if __name__ == "__main__":
    raise SystemExit(main())
