"""Bring every pre-aggregate up to date with gold outside Dagster (benchmarks, tools).

The ``gold/agg_*`` assets do the same one year at a time; this computes, in one pass, each
(analysis, year) whose stored aggregate is missing or no longer matches gold's files.
"""

from __future__ import annotations

import polars as pl
from deltalake import write_deltalake
from deltalake.exceptions import SchemaMismatchError

from chu_platform.lib import delta_store
from chu_platform.marts import aggregates, analyses, snapshot


def store(df: pl.DataFrame, uri: str, year: int, storage_options: dict[str, str] | None = None) -> delta_store.WriteResult:
    """Replace year ``year`` of an aggregate table with ``df``.

    When the aggregate's columns changed with the code, the table starts again from this
    year: its other years are stale anyway (the SQL is part of their fingerprint) and are
    recomputed by their own partitions; until then the facts answer for them.
    """
    try:
        written = delta_store.write_years(df, uri, [year], storage_options)
    except SchemaMismatchError:
        data = df.with_columns(pl.col(delta_store.YEAR).cast(pl.Int32)).to_arrow()
        write_deltalake(uri, data, mode="overwrite", schema_mode="overwrite", partition_by=[delta_store.YEAR],
                        storage_options=storage_options)
        written = delta_store.WriteResult(uri, df.height, delta_store.version(uri, storage_options))
    return written


def refresh_aggregates(lake: str, storage_options: dict[str, str] | None = None) -> list[tuple[str, int]]:
    """Recompute the stale or missing aggregate years; returns the (analysis, year) written."""
    con = analyses.connect_gold(lake, storage_options)
    state = snapshot.of(con)
    written = []
    for name, aggregate in aggregates.AGGREGATES.items():
        if aggregates.not_built(state, aggregate):
            continue
        years = sorted(set().union(*(state.years(t) for t in aggregate.per_year)))
        current = {y for y in years if aggregates.staleness(con, state, aggregate, [y]) is None}
        uri = delta_store.table_uri(lake, ["gold", aggregate.table])
        for year in years:
            if year not in current:
                store(aggregates.compute(con, state, name, year), uri, year, storage_options)
                written.append((name, year))
    return written
