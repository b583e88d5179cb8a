"""``flake8-asyncio-run rule CODE`` and ``rule --all``: a rule explained, from its one
declaration (the ``Rule`` row) and its docs page (``rules/pages.py``), as text (the
page) or JSON (the row's fields and the page)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from flake8_asyncio_run.cli.common import EXIT_CLEAN, UsageError, write_stdout
from flake8_asyncio_run.config import did_you_mean
from flake8_asyncio_run.rules import RULES, Rule
from flake8_asyncio_run.rules.pages import PageMissing, absolute_links, read_page, split_page
from flake8_asyncio_run.selection import code_suggestions

#: Who reports the rules: the name flake8 lists the plugin under, and our command's.
PLUGIN = "flake8-asyncio-run"
RULE_FORMATS = ("text", "json")


def add_rule_arguments(rule: argparse.ArgumentParser) -> None:
    which = rule.add_mutually_exclusive_group(required=True)
    which.add_argument("code", nargs="?", metavar="CODE", help="a rule code, e.g. ARO101")
    which.add_argument("--all", action="store_true", help="every rule, in code order")
    rule.add_argument(
        "--output-format",
        choices=RULE_FORMATS,
        default="text",
        help="text: the page; json: the rule's fields and its page",
    )


def run_rule(args: argparse.Namespace) -> int:
    rules = list(RULES.values()) if args.all else [find_rule(args.code)]
    explained = [(rule, page_of(rule)) for rule in rules]
    if args.output_format == "json":
        objects = [rule_object(rule, page) for rule, page in explained]
        payload = objects if args.all else objects[0]
        write_stdout(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", json_document=True)
    else:
        # The pages are not ASCII (``→``, ``…``): write_stdout escapes them for a stdout
        # that cannot hold them (an ASCII locale, a redirect on Windows).
        write_stdout("\n".join(rule_text(rule, page) for rule, page in explained))
    return EXIT_CLEAN


def page_of(rule: Rule) -> str:
    """The rule's page, its relative links made absolute (``rules/pages.py``)."""
    try:
        return absolute_links(read_page(rule.code), rule.docs_url)
    except PageMissing as error:
        raise UsageError(str(error)) from error


def find_rule(value: str) -> Rule:
    """The rule a code names, in any case (``aro101``: codes have no lower-case letters,
    so nothing is ambiguous); else a usage error offering the codes it may mean."""
    rule = RULES.get(value.upper())
    if rule is not None:
        return rule
    problem = f"unknown rule code {value!r}"
    starting = [code for code in RULES if value and code.startswith(value.upper())]
    if len(starting) > 1:
        raise UsageError(f"{problem}; codes that start with it: {', '.join(starting)}")
    close = starting or [code for code in code_suggestions(value) if code in RULES]
    if close:
        raise UsageError(f"{problem}{did_you_mean(close)}")
    raise UsageError(
        f"{problem}; the rules are {', '.join(RULES)} "
        "(`flake8-asyncio-run rule --all` explains them all)"
    )


def rule_text(rule: Rule, page: str) -> str:
    """The page as written, with what the row says about fixing after its lead."""
    parts = split_page(page)
    head = "\n\n".join(part for part in (parts.title, parts.lead, _fix_line(rule)) if part)
    return f"{head}\n\n{parts.body}"


def _fix_line(rule: Rule) -> str:
    if rule.status == "removed":
        return "This rule is removed: nothing reports it."
    if rule.fix == "never":
        return f"Fix is never available; by hand: {rule.manual_fix}."
    return f"Fix is {rule.fix} available (`flake8-asyncio-run fix`; see Fix safety)."


def rule_object(rule: Rule, page: str) -> dict[str, Any]:
    """The row's fields, and the page's sections (without its title and lead, which
    are the code, name and summary) as ``explanation``."""
    return {
        "code": rule.code,
        "name": rule.name,
        "plugin": PLUGIN,
        "summary": rule.summary,
        "description": rule.description,
        # ruff's terms: "sometimes", "always" or "never".
        "fix": rule.fix,
        "manual_fix": rule.manual_fix,
        "status": rule.status,
        "url": rule.docs_url,
        "explanation": split_page(page).body,
    }
