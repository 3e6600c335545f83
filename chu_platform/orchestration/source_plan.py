"""Which assets a run can build from the sources present, and what a missing source costs.

Sources are independent: an analysis answers as soon as the sources its facts come from are
there. Two kinds of dependency on a source are told apart from the asset graph alone:

* a **fact** dependency: the asset's rows come from the source (``gold/fact_deces`` from
  ``deaths``; ``marts/hospitalisation_rate`` from ``care`` and ``hospitalisations``). Without
  the source the asset has no answer and is not built;
* a **dimension** dependency: the source only gives members to a ``gold/dim_*`` table
  (``establishments`` to ``dim_etablissement``). Without it the asset is still built, its
  facts pointing at the unknown member (-1), and the run warns once.

An asset is *dimension-side* when it is a ``gold/dim_*`` table or when everything it feeds is
dimension-side (``silver/establishments``, ``bronze/finess_establishments``...). A missing
file source under a dimension is filled in: its unpartitioned dimension-side assets are
built from no file (bronze writes an empty table and says so), so the dimension exists. The
care database cannot be filled in that way (its bronze assets query the server), so an asset
that needs it through a dimension waits for it like a fact source.

Pure of Dagster's execution: the runner calls ``plan_sources`` with the definitions' asset
graph and bronze discovery's answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import dagster as dg

from chu_platform.defs.tags import SOURCE_TAG
from chu_platform.schemas.sources import SOURCES

# Sources whose bronze assets can be built with nothing delivered (an empty table, a warning).
FILLABLE = frozenset(s for s in SOURCES if s != "care")
WHAT_IS_MISSING = {
    "care": "no care database reachable (CHU_SOURCE_DSN)",
    "establishments": "neither etablissement_sante.csv nor a FINESS extract delivered",
    "professionals": "neither professionnel_sante.csv nor activite_professionnel_sante.csv delivered",
    "hospitalisations": "no Hospitalisations.csv delivered",
    "satisfaction": "no HAS e-Satis file delivered",
    "deaths": "no deaths register file delivered",
}


@dataclass
class SourcePlan:
    """``targets``: assets the requested sources feed that can be built; ``fill_ins``:
    dimension-side assets of missing sources built empty so the dimensions exist;
    ``not_built``: assets fed by the requested sources left out, with the sources they lack;
    ``warnings``: one line per missing source, naming what it costs."""

    targets: set[dg.AssetKey]
    fill_ins: set[dg.AssetKey]
    not_built: dict[dg.AssetKey, set[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    essential: dict[dg.AssetKey, set[str]] = field(default_factory=dict)


def _is_dimension(key: dg.AssetKey) -> bool:
    return key.path[0] == "gold" and key.path[-1].startswith("dim_")


def _topological(graph, keys: set[dg.AssetKey]) -> list[dg.AssetKey]:
    ordered: list[dg.AssetKey] = []
    seen: set[dg.AssetKey] = set()

    def visit(key: dg.AssetKey) -> None:
        if key in seen:
            return
        seen.add(key)
        for parent in sorted(graph.get(key).parent_keys & keys, key=lambda k: k.to_user_string()):
            visit(parent)
        ordered.append(key)

    for key in sorted(keys, key=lambda k: k.to_user_string()):
        visit(key)
    return ordered


def source_of(graph, key: dg.AssetKey) -> str | None:
    return graph.get(key).tags.get(SOURCE_TAG)


def analyse(graph, keys: set[dg.AssetKey]) -> tuple[dict, dict, set]:
    """(upstream sources, fact sources, dimension-side assets) of every key."""
    order = _topological(graph, keys)
    dimension_side: set[dg.AssetKey] = set()
    for key in reversed(order):
        children = graph.get(key).child_keys & keys
        if _is_dimension(key) or (children and children <= dimension_side):
            dimension_side.add(key)
    upstream: dict[dg.AssetKey, set[str]] = {}
    essential: dict[dg.AssetKey, set[str]] = {}
    for key in order:
        own = {source_of(graph, key)} - {None}
        parents = graph.get(key).parent_keys & keys
        upstream[key] = own.union(*(upstream[p] for p in parents))
        essential[key] = set() if key in dimension_side else own.union(*(essential[p] for p in parents))
    return upstream, essential, dimension_side


def required(upstream: set[str], essential: set[str]) -> set[str]:
    """The sources an asset cannot be built without: those its rows come from, and a source
    under one of its dimensions that cannot be filled in."""
    return essential | (upstream - FILLABLE)


def plan_sources(
    graph, keys: set[dg.AssetKey], requested: Sequence[str], available: Mapping[str, object],
    always: set[dg.AssetKey] = frozenset(),
) -> SourcePlan:
    """Split what ``requested`` sources feed (among ``keys``, the materialisable assets) into
    what can be built with the ``available`` sources, what must be filled in, and what not.
    ``always``: assets built whatever is missing (the warehouse shows what exists)."""
    upstream, essential, dimension_side = analyse(graph, keys)
    present = set(available)
    targets: set[dg.AssetKey] = set()
    not_built: dict[dg.AssetKey, set[str]] = {}
    for key in (k for k in keys if upstream[k] & set(requested)):
        lacking = required(upstream[key], essential[key]) - present
        if lacking:
            not_built[key] = lacking
        elif upstream[key] & present & set(requested):
            targets.add(key)
    fill_ins: set[dg.AssetKey] = set()
    for key in targets:
        for ancestor in graph.get_ancestor_asset_keys(key) & keys:
            if (ancestor not in targets and ancestor in dimension_side and not upstream[ancestor] & present
                    and upstream[ancestor] and graph.get(ancestor).partitions_def is None):
                fill_ins.add(ancestor)
    warnings = []
    filled = sorted({source_of(graph, k) for k in fill_ins} - {None})
    for source in filled:
        dims = sorted(k.path[-1] for k in targets | fill_ins if _is_dimension(k) and source in upstream[k])
        warnings.append(
            f"{source} missing ({WHAT_IS_MISSING[source]}): {', '.join(dims)} built without it, "
            "its members are unknown (-1) in the facts"
        )
    for source in sorted(set().union(*not_built.values()) if not_built else set()):
        analyses = sorted(k.path[-1] for k, lacking in not_built.items()
                          if source in lacking and k.path[0] == "marts" and k not in always)
        if analyses:
            warnings.append(
                f"{source} missing ({WHAT_IS_MISSING[source]}): analyses not built: "
                f"{', '.join(analyses)}"
            )
    return SourcePlan(targets, fill_ins, not_built, warnings, essential)


def is_blocked(graph, key: dg.AssetKey, failed: set[dg.AssetKey]) -> bool:
    """Whether an asset that failed (or was skipped) in this run keeps ``key`` from running.

    A failure travels down to the facts, marts and checks that read it, but it stops at a
    gold dimension: the dimension still runs on what its inputs hold (their previous version,
    or none: unknown members), so a bad establishments or e-Satis file costs its own source's
    assets, not every fact that names an establishment.
    """
    if _is_dimension(key) or not failed:
        return False
    seen: set[dg.AssetKey] = set()
    frontier = list(graph.get(key).parent_keys)
    while frontier:
        parent = frontier.pop()
        if parent in seen:
            continue
        seen.add(parent)
        if parent in failed:
            return True
        if not _is_dimension(parent):
            frontier.extend(graph.get(parent).parent_keys)
    return False
