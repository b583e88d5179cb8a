"""Checks common to both styles: which runner calls a region holds, whether each can
become an ``await``, and the region's name and safety facts."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from flake8_asyncio_run.findings import Family
from flake8_asyncio_run.fix.await_style import CannotUnpack, Unpacked, unpack
from flake8_asyncio_run.fix.context import FileContext
from flake8_asyncio_run.fix.locate import CallSite, Link
from flake8_asyncio_run.fix.names import Facts, region_facts
from flake8_asyncio_run.fix.regions import Region, sites_in
from flake8_asyncio_run.fix.safety import no_fix_reason


@dataclass
class Prepared:
    region: Region
    scope: cst.Module | cst.FunctionDef
    links: tuple[Link, ...]
    own: list[CallSite]
    #: Runner calls in the region that belong to nested functions (left alone).
    nested: list[CallSite]
    unpacked: dict[int, Unpacked]
    family: Family
    facts: Facts

    @property
    def statements(self) -> tuple[cst.BaseStatement, ...]:
        return tuple(link.statement for link in self.links)

    @property
    def first(self) -> Unpacked:
        return self.unpacked[id(self.own[0].node)]


def prepare(
    ctx: FileContext, region: Region, links: tuple[Link, ...] | None = None
) -> Prepared | str:
    """The region's facts, or why no style can fix it."""
    if region.problem is not None or region.scope is None:
        return region.problem or "no scope"
    scope = region.scope
    assert isinstance(scope, (cst.Module, cst.FunctionDef))
    links = links or region.links
    holder = Region(region.group, links, scope)
    sites = sites_in(holder, ctx.located)
    own = [s for s in sites if s.scope is scope]
    nested = [s for s in sites if s.scope is not scope]
    if not own:
        return "no runner call found in the region"
    unpacked: dict[int, Unpacked] = {}
    for site in own:
        try:
            unpacked[id(site.node)] = unpack(ctx.module, site.node, site.call)
        except CannotUnpack as error:
            return str(error)
    families = sorted({site.call.family for site in own})
    if len(families) > 1:
        return f"mixes runner families ({', '.join(families)})"
    if len({u.keywords for u in unpacked.values()}) > 1:
        return "runner calls with different keyword arguments"
    facts = region_facts([link.statement for link in links])
    reason = no_fix_reason(facts)
    if reason is not None:
        return reason
    return Prepared(holder, scope, links, own, nested, unpacked, own[0].call.family, facts)
