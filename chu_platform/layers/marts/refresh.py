"""Compute the pre-aggregates of one year (``build_year``: the ``gold/agg_*`` assets hand them
to the IO manager), or compute and store every (analysis, year) whose stored aggregate is
missing or no longer matches gold's files (``refresh_aggregates``, outside Dagster: benchmarks,
tools).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import duckdb
import polars as pl

from chu_platform.lib import delta_store
from chu_platform.layers.marts import aggregates, analyses, snapshot
from chu_platform.layers.marts.snapshot import Snapshot


def build_year(
    con: duckdb.DuckDBPyConnection,
    state: Snapshot,
    chosen: Sequence[aggregates.Aggregate],
    year: int,
) -> Iterator[tuple[aggregates.Aggregate, pl.DataFrame | Exception]]:
    """Compute year ``year`` of each of ``chosen``, handing each back as soon as it is
    computed; one that fails comes back as its exception and the others are still built.

    One thread runs the queries on ``con``, one after another, ahead of the caller: the next
    aggregate's queries overlap what the caller does with this one (the Dagster asset hands it
    to the IO manager, which writes it).
    """
    computing = ThreadPoolExecutor(max_workers=1)
    try:
        pending = [(a, computing.submit(aggregates.compute, con, state, a.analysis, year)) for a in chosen]
        for aggregate, future in pending:
            try:
                yield aggregate, future.result()
            except Exception as exc:  # the caller reports it with the aggregate's name
                yield aggregate, exc
    finally:
        computing.shutdown(cancel_futures=True)


def refresh_aggregates(lake: str, storage_options: dict[str, str] | None = None) -> list[tuple[str, int]]:
    """Recompute the stale or missing aggregate years; returns the (analysis, year) written."""
    con = analyses.connect_gold(lake, storage_options)
    state = snapshot.of(con)
    stale: dict[int, list[aggregates.Aggregate]] = {}
    for aggregate in aggregates.AGGREGATES.values():
        if aggregates.not_built(state, aggregate):
            continue
        for year in sorted(set().union(*(state.years(t) for t in aggregate.per_year))):
            if aggregates.staleness(con, state, aggregate, [year]) is not None:
                stale.setdefault(year, []).append(aggregate)

    def uri(table: str) -> str:
        return delta_store.table_uri(lake, ["gold", table])

    written = []
    for year, chosen in sorted(stale.items()):
        for aggregate, built in build_year(con, state, chosen, year):
            if isinstance(built, Exception):
                raise built
            delta_store.write_years_or_restart(built, uri(aggregate.table), [year], storage_options)
            written.append((aggregate.analysis, year))
    return written
