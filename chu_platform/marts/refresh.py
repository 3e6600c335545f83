"""Bring every pre-aggregate up to date with gold outside Dagster (benchmarks, tools).

The ``gold/agg_*`` assets do the same one year at a time; this computes, in one pass, each
(analysis, year) whose stored aggregate is missing or no longer matches gold's files.
"""

from __future__ import annotations

from chu_platform.lib import delta_store
from chu_platform.marts import aggregates, analyses, snapshot


def refresh_aggregates(lake: str, storage_options: dict[str, str] | None = None) -> list[tuple[str, int]]:
    """Recompute the stale or missing aggregate years; returns the (analysis, year) written."""
    con = analyses.connect_gold(lake, storage_options)
    state = snapshot.of(con)
    written = []
    for name, aggregate in aggregates.AGGREGATES.items():
        if any(t not in state.tables for t in (*aggregate.per_year, *aggregate.whole)):
            continue
        years = sorted(set().union(*(state.years(t) for t in aggregate.per_year)))
        current = {y for y in years if aggregates.staleness(con, state, aggregate, [y]) is None}
        uri = delta_store.table_uri(lake, ["gold", aggregate.table])
        for year in years:
            if year not in current:
                delta_store.write_years(aggregates.compute(con, state, name, year), uri, [year], storage_options)
                written.append((name, year))
    return written
