"""``identifiers``: every identifier a file spells, from the ``ast``, equal to the values
of libcst's ``Name`` nodes (which is what the fixer used to collect, far more slowly)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import libcst as cst
import pytest

from flake8_asyncio_run.analysis import analyze_source
from flake8_asyncio_run.fix.walk import descendants
from flake8_asyncio_run.identifiers import identifiers

ROOT = Path(__file__).parent.parent
FILES = sorted(
    [
        *ROOT.glob("tests/fixtures/fix/*.before"),
        *ROOT.glob("tests/fixtures/*/*.py"),
        *ROOT.glob("flake8_asyncio_run/**/*.py"),
        *ROOT.glob("reference_worker/**/*.py"),
        *ROOT.glob("examples/**/*.py"),
    ]
)
#: Keywords libcst also spells as Name nodes; a new name can never be one.
KEYWORD_NAMES = {"True", "False", "None"}

EVERY_FORM = """\
import os.path as osp, json
from collections.abc import Mapping as Map
from . import sibling
from .pkg.mod import thing
from star_module import *


@decorator(option=1)
class Klass(Base, metaclass=Meta):
    attribute: Annotated[int, Field(alias="a")] = 0

    def method(self, pos, /, normal, *rest, key, **extra) -> Ret:
        global counter
        counter += obj.attr.deep
        lam = lambda la, lb=dflt: la
        try:
            pass
        except Error as caught:
            pass
        match value:
            case Point(x=px, y=py) | {"k": kv, **others} | [first, *tail] as whole:
                pass
        return [c for c in comp if c], {k: v for k, v in pairs}


def outer():
    cell = 1

    def inner():
        nonlocal cell
        cell = f"{cell!r:>{width}}"
"""
EVERY_NAME = set(
    [
        "os",
        "path",
        "osp",
        "json",
        "collections",
        "abc",
        "Mapping",
        "Map",
        "sibling",
        "pkg",
        "mod",
        "thing",
        "star_module",
        "decorator",
        "option",
        "Klass",
        "Base",
        "metaclass",
        "Meta",
        "attribute",
        "Annotated",
        "int",
        "Field",
        "alias",
        "method",
        "self",
        "pos",
        "normal",
        "rest",
        "key",
        "extra",
        "Ret",
        "counter",
        "obj",
        "attr",
        "deep",
        "lam",
        "la",
        "lb",
        "dflt",
        "Error",
        "caught",
        "value",
        "Point",
        "x",
        "px",
        "y",
        "py",
        "kv",
        "others",
        "first",
        "tail",
        "whole",
        "c",
        "comp",
        "k",
        "v",
        "pairs",
        "outer",
        "cell",
        "inner",
        "width",
    ]
)


def _libcst_names(text: str) -> set[str]:
    module = cst.parse_module(text)
    return {n.value for n in descendants(module) if isinstance(n, cst.Name)} - KEYWORD_NAMES


def test_every_form_of_identifier() -> None:
    assert identifiers(ast.parse(EVERY_FORM)) == EVERY_NAME
    assert _libcst_names(EVERY_FORM) == EVERY_NAME


def test_strings_and_comments_do_not_count() -> None:
    source = 'x = "runner _task_async"  # runner\n'
    assert identifiers(ast.parse(source)) == {"x"}


@pytest.mark.skipif(sys.version_info < (3, 12), reason="type statements are 3.12+")
def test_type_statements() -> None:
    source = "type Alias[T, *Ts, **P] = dict[T, P]\n"
    assert identifiers(ast.parse(source)) == {"Alias", "T", "Ts", "P", "dict"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_same_as_libcst_names(path: Path) -> None:
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    try:
        tree = ast.parse(text)
        expected = _libcst_names(text)
    except (SyntaxError, ValueError, cst.ParserSyntaxError):
        pytest.skip("not parseable by both parsers")
    assert identifiers(tree) == expected


def test_the_analysis_carries_them_only_for_files_with_findings() -> None:
    source = "import asyncio\nasyncio.run(main())\n"
    with_findings = analyze_source(source + "asyncio.run(again())\n")
    assert with_findings.identifiers == {"asyncio", "run", "main", "again"}
    assert with_findings.statement_lines == (1, 2, 3)
    # One loop is fine: nothing to fix or suppress, so nothing collected.
    without = analyze_source(source)
    assert without.runner_calls
    assert without.identifiers == frozenset()
    assert without.statement_lines == ()
