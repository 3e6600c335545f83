"""Compute and store the pre-aggregates: the aggregates of one year (``build_year``, what the
``gold/agg_*`` assets run), or every (analysis, year) whose stored aggregate is missing or no
longer matches gold's files (``refresh_aggregates``, outside Dagster: benchmarks, tools).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import duckdb
import polars as pl
from deltalake.exceptions import SchemaMismatchError

from chu_platform.lib import delta_store
from chu_platform.marts import aggregates, analyses, snapshot
from chu_platform.marts.snapshot import Snapshot

Built = tuple[pl.DataFrame, delta_store.WriteResult]


def store(df: pl.DataFrame, uri: str, year: int, storage_options: dict[str, str] | None = None) -> delta_store.WriteResult:
    """Replace year ``year`` of an aggregate table with ``df``.

    When the aggregate's columns changed with the code, the table starts again from this
    year: its other years are stale anyway (the SQL is part of their fingerprint) and are
    recomputed by their own partitions; until then the facts answer for them.
    """
    try:
        written = delta_store.write_years(df, uri, [year], storage_options)
    except SchemaMismatchError:
        written = delta_store.write_table(df.with_columns(pl.col(delta_store.YEAR).cast(pl.Int32)), uri,
                                          storage_options, partition_by=[delta_store.YEAR])
    return written


def build_year(
    con: duckdb.DuckDBPyConnection,
    state: Snapshot,
    chosen: Sequence[aggregates.Aggregate],
    year: int,
    uri: Callable[[str], str],
    storage_options: dict[str, str] | None = None,
) -> Iterator[tuple[aggregates.Aggregate, Built | Exception]]:
    """Compute and store year ``year`` of each of ``chosen`` (``uri``: a table's URI), handing
    each back, with its rows and write, as soon as it is stored; one that fails comes back as
    its exception and the others are still built.

    One thread runs the queries on ``con``, one after another, and another writes the Delta
    tables: an aggregate's write, the next one's queries and what the caller does meanwhile
    (the Dagster asset records a materialisation, mostly I/O) overlap.
    """
    computing, storing = ThreadPoolExecutor(max_workers=1), ThreadPoolExecutor(max_workers=1)

    def stored(aggregate: aggregates.Aggregate, computed: Future[pl.DataFrame]) -> Built:
        df = computed.result()
        return df, store(df, uri(aggregate.table), year, storage_options)

    try:
        pending = []
        for aggregate in chosen:
            computed = computing.submit(aggregates.compute, con, state, aggregate.analysis, year)
            pending.append((aggregate, storing.submit(stored, aggregate, computed)))
        for aggregate, future in pending:
            try:
                yield aggregate, future.result()
            except Exception as exc:  # the caller reports it with the aggregate's name
                yield aggregate, exc
    finally:
        computing.shutdown(cancel_futures=True)
        storing.shutdown(cancel_futures=True)


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
        for aggregate, built in build_year(con, state, chosen, year, uri, storage_options):
            if isinstance(built, Exception):
                raise built
            written.append((aggregate.analysis, year))
    return written
