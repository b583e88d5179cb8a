"""Which statements a fix rewrites.

ARO101/ARO105 findings of one scope are grouped by their path's first call; the region
is the smallest run of sibling statements in one block that holds the group's calls.
ARO102's region is the whole loop statement (a comprehension's: its statement).  Groups
of one scope whose regions overlap are merged, so one fix covers them all.

``prepare`` then checks what both styles need (which runner calls the region holds,
whether each can become an ``await``, the region's name and safety facts); each style
answers with an ``Assessment``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from flake8_asyncio_run.findings import Applicability, Family, Finding, ScopeRef, Span, TextEdit
from flake8_asyncio_run.fix.calls import CannotUnpack, Unpacked, unpack
from flake8_asyncio_run.fix.context import FileContext
from flake8_asyncio_run.fix.facts import Facts, region_facts
from flake8_asyncio_run.fix.locate import CallSite, Link, Located, ScopeNode, common_region
from flake8_asyncio_run.fix.safety import no_fix_reason
from flake8_asyncio_run.rules import REGION_CODES


@dataclass
class Group:
    scope: ScopeRef
    findings: list[Finding] = field(default_factory=list)
    sites: list[CallSite] = field(default_factory=list)
    loops: list[Span] = field(default_factory=list)


@dataclass
class Region:
    group: Group
    links: tuple[Link, ...]
    #: The scope whose statements the region holds, or None when that is not a plain
    #: function or module body (``problem`` says why).
    scope: ScopeNode | None
    problem: str | None = None

    @property
    def statements(self) -> tuple[cst.BaseStatement, ...]:
        return tuple(link.statement for link in self.links)


def group_findings(findings: Sequence[Finding], located: Located) -> list[Group]:
    groups: dict[tuple[ScopeRef, Span], Group] = {}
    # Each group's calls as a set too: a list scan per call was quadratic in a function
    # of N runner calls, whose N findings share one group (issue 15).
    seen: dict[tuple[ScopeRef, Span], set[Span]] = {}
    for finding in findings:
        if finding.code not in REGION_CODES or not finding.calls:
            continue
        key = (finding.scope, finding.calls[0].span)
        group = groups.setdefault(key, Group(finding.scope))
        spans = seen.setdefault(key, set())
        group.findings.append(finding)
        for call in finding.calls:
            site = located.sites.get(call.span)
            if site is not None and call.span not in spans:
                spans.add(call.span)
                group.sites.append(site)
        if finding.loop is not None:
            group.loops.append(finding.loop)
    return [g for g in groups.values() if g.sites]


def build_regions(groups: list[Group], located: Located) -> list[Region]:
    """Regions for the groups, merging groups of one scope whose regions overlap.

    A merged region holds the lines of the regions it came from, so merging overlapping
    regions until none overlap ends in the same parts whatever the order.  Each scope's
    regions are swept in line order and every run of overlapping ones is merged at once;
    sweeps repeat only while a merge grew a region into another (issue 15: merging one
    pair at a time and starting over was cubic in the number of loops of a function)."""
    regions = [_region(g, located) for g in groups]
    by_scope: dict[ScopeRef, list[_Part]] = {}
    for index, region in enumerate(regions):
        by_scope.setdefault(region.group.scope, []).append(_Part([index], region))
    parts = [
        part for scope_parts in by_scope.values() for part in _merged(scope_parts, groups, located)
    ]
    # Each part stands where its earliest group stood, as the pairwise merge left them.
    parts.sort(key=lambda part: part.members[0])
    return [part.region for part in parts]


@dataclass
class _Part:
    #: Indices of the groups merged into this region, ascending.
    members: list[int]
    region: Region


def _merged(parts: list[_Part], groups: list[Group], located: Located) -> list[_Part]:
    while True:
        spans = sorted(((_lines(p.region, located), p) for p in parts), key=lambda t: t[0][0])
        runs: list[list[_Part]] = []
        end = -1
        for (start, stop), part in spans:
            if runs and start <= end:
                runs[-1].append(part)
                end = max(end, stop)
            else:
                runs.append([part])
                end = stop
        if len(runs) == len(parts):
            return parts
        parts = [run[0] if len(run) == 1 else _merge_run(run, groups, located) for run in runs]


def _merge_run(run: list[_Part], groups: list[Group], located: Located) -> _Part:
    members = sorted(index for part in run for index in part.members)
    first = groups[members[0]]
    merged = Group(first.scope)
    seen: set[int] = set()
    for index in members:
        group = groups[index]
        merged.findings.extend(group.findings)
        merged.loops.extend(group.loops)
        for site in group.sites:
            if id(site) not in seen:
                seen.add(id(site))
                merged.sites.append(site)
    return _Part(members, _region(merged, located))


def _lines(region: Region, located: Located) -> tuple[int, int]:
    return (
        located.position(region.links[0].statement).start.line,
        located.position(region.links[-1].statement).end.line,
    )


def _region(group: Group, located: Located) -> Region:
    chains: list[tuple[Link, ...]] = []
    # A set of the loops' positions: comparing every loop with every link of every site
    # was quadratic in a function of many loops (issue 15).
    loops = {(loop.line, loop.col) for loop in group.loops}
    for site in group.sites:
        chains.append(site.chain)
        if not loops:
            continue
        for depth, link in enumerate(site.chain):
            if isinstance(link.statement, (cst.For, cst.While)):
                start = located.position(link.statement).start
                if (start.line, start.column) in loops:
                    chains.append(site.chain[: depth + 1])
    links = common_region(chains)
    scopes = {id(site.scope): site.scope for site in group.sites}
    if len(scopes) != 1:
        return Region(group, links, None, "runner calls inside a lambda or nested function")
    scope = next(iter(scopes.values()))
    if isinstance(scope, cst.Lambda):
        return Region(group, links, None, "runner calls inside a lambda")
    if isinstance(scope, cst.ClassDef):
        return Region(group, links, None, "runner calls in a class body")
    if isinstance(scope, cst.FunctionDef):
        first = group.sites[0]
        if not any(link.statement is scope for link in first.chain[: _block_depth(first, links)]):
            return Region(group, links, None, "the calls share a line with the 'def'")
    return Region(group, links, scope)


def _block_depth(site: CallSite, links: tuple[Link, ...]) -> int:
    for depth, link in enumerate(site.chain):
        if link.block is links[0].block:
            return depth
    return len(site.chain)


def sites_in(region: Region, located: Located) -> list[CallSite]:
    """Every runner call inside the region's statements, in source order."""
    return located.sites_under(region.links)


# Preparing a region for the styles -------------------------------------------------------
@dataclass
class Prepared:
    region: Region
    scope: cst.Module | cst.FunctionDef
    links: tuple[Link, ...]
    #: The region's runner calls in its own scope: the ones the fix rewrites.
    runner_calls: list[CallSite]
    #: Runner calls in the region that belong to nested functions (left alone).
    nested_runner_calls: list[CallSite]
    unpacked: dict[int, Unpacked]
    family: Family
    facts: Facts

    @property
    def statements(self) -> tuple[cst.BaseStatement, ...]:
        return tuple(link.statement for link in self.links)

    @property
    def awaited_calls(self) -> set[int]:
        """Ids of the runner calls and of the calls that only build what they await."""
        awaited: set[int] = set()
        for site in self.runner_calls:
            node = site.node
            awaited.add(id(node))
            if isinstance(node.func, cst.Call):
                awaited.add(id(node.func))
            for arg in node.args[:1]:
                if isinstance(arg.value, cst.Call):
                    awaited.add(id(arg.value))
        return awaited

    @property
    def first(self) -> Unpacked:
        return self.unpacked[id(self.runner_calls[0].node)]


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
    runner_calls = [s for s in sites if s.scope is scope]
    nested_runner_calls = [s for s in sites if s.scope is not scope]
    if not runner_calls:
        return "no runner call found in the region"
    unpacked: dict[int, Unpacked] = {}
    for site in runner_calls:
        try:
            unpacked[id(site.node)] = unpack(ctx.module, site.node, site.call)
        except CannotUnpack as error:
            return str(error)
    families = sorted({site.call.family for site in runner_calls})
    if len(families) > 1:
        return f"mixes runner families ({', '.join(families)})"
    if len({u.keywords for u in unpacked.values()}) > 1:
        return "runner calls with different keyword arguments"
    facts = region_facts([link.statement for link in links])
    reason = no_fix_reason(facts)
    if reason is not None:
        return reason
    family = runner_calls[0].call.family
    return Prepared(
        holder, scope, links, runner_calls, nested_runner_calls, unpacked, family, facts
    )


@dataclass(frozen=True)
class Assessment:
    """What one style can do for a region: its applicability, why, and its edits."""

    applicability: Applicability
    reason: str | None
    edits: tuple[TextEdit, ...] = ()
