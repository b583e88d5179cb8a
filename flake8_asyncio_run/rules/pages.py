"""Each rule's docs page, as ``flake8-asyncio-run rule`` shows it.

A page is written once, in the repository's ``docs/rules/``, where the README, the docs
and every finding's URL point. A wheel carries the pages inside the package, in
``flake8_asyncio_run/rules/docs/``: hatch's ``force-include`` (pyproject.toml) copies
``docs/rules/`` there whenever a wheel is built, so no copy is kept in step by hand. A
source checkout (an editable install) has no such copy and reads ``docs/rules/``
itself.

Not imported by the registry: the flake8 plugin and ``check`` never read a page.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable

#: Where a wheel's pages are, in this package (pyproject.toml's force-include).
PACKAGED_PAGES = "docs"
#: Where a source checkout's pages are, from the repository root.
CHECKOUT_PAGES = ("docs", "rules")

#: A Markdown link's target: ``](ARO103.md)``, ``](../fixing.md#fix-safety)``.
_LINK = re.compile(r"\]\((?P<target>[^()\s]+)\)")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


class PageMissing(Exception):
    """The page of a registered rule is not where this installation keeps its pages."""


@dataclass(frozen=True)
class RulePage:
    """A page split as every rule page is written: ``# CODE name``, a one-paragraph
    lead that is the rule's summary, then the sections (``## What it does`` ...)."""

    title: str
    lead: str
    body: str

    @property
    def code(self) -> str:
        return self.title.removeprefix("# ").partition(" ")[0]

    @property
    def name(self) -> str:
        return self.title.removeprefix("# ").partition(" ")[2]

    @property
    def summary(self) -> str:
        """The lead as plain text: one line, without Markdown's code marks."""
        return " ".join(self.lead.split()).replace("`", "")


def page_source(code: str) -> Traversable:
    """The file of ``code``'s page: the wheel's copy, else the checkout's original.
    ``code`` must be a registered rule's."""
    name = f"{code}.md"
    packaged = resources.files("flake8_asyncio_run.rules") / PACKAGED_PAGES / name
    if packaged.is_file():
        return packaged
    checkout = Path(__file__).resolve().parents[2].joinpath(*CHECKOUT_PAGES, name)
    if checkout.is_file():
        return checkout
    raise PageMissing(
        f"the docs page of {code} is not installed: neither {packaged} nor {checkout} exists"
    )


def read_page(code: str) -> str:
    """The Markdown text of ``code``'s page, as written."""
    return page_source(code).read_text(encoding="utf-8")


def split_page(text: str) -> RulePage:
    """The page's title (its first line), its lead (the paragraph after the title, if
    it is no heading) and the rest."""
    title, _, rest = text.partition("\n")
    rest = rest.lstrip("\n")
    lead = ""
    if not rest.startswith("#"):
        lead, _, rest = rest.partition("\n\n")
    return RulePage(title.rstrip(), lead.strip("\n"), rest.lstrip("\n"))


def absolute_links(markdown: str, page_url: str) -> str:
    """The page with its relative links (``ARO103.md``, ``../fixing.md#fix-safety``,
    ``#options``) resolved against the page's own URL, so that they lead somewhere from
    a terminal or another program too. Code (fenced blocks, spans) is left alone."""
    lines: list[str] = []
    fence: str | None = None
    for line in markdown.splitlines(keepends=True):
        opening = _FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)
        elif fence is not None and line.strip().startswith(fence):
            fence = None
        elif fence is None:
            line = _resolve_outside_code(line, page_url)
        lines.append(line)
    return "".join(lines)


def _resolve_outside_code(line: str, page_url: str) -> str:
    # Between backticks is code: every odd part of the split.
    parts = line.split("`")
    for index in range(0, len(parts), 2):
        parts[index] = _LINK.sub(
            lambda match: f"]({urljoin(page_url, match['target'])})", parts[index]
        )
    return "`".join(parts)
