"""The one place that reads and writes Delta tables.

A table lives at ``<base_uri>/<layer>/<table>``. Year-partitioned tables carry an integer
``year`` column and are written one year (or one range of years) at a time with a predicate
overwrite, so a run replaces only what it computed. Concurrent writers of disjoint years are
retried on commit conflicts.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from deltalake import DeltaTable, Schema, write_deltalake
from deltalake.exceptions import CommitFailedError, TableNotFoundError
from deltalake.transaction import AddAction, create_table_with_add_actions

YEAR = "year"
_COMMIT_RETRIES = 8
# A checkpoint every this many commits: readers then replay at most this many JSON commits
# (a table written one year at a time otherwise grows a log that every open re-reads).
CHECKPOINT_INTERVAL = 10
# Delta statistics keep string bounds up to this length; longer ones are left out (a missing
# bound only means no file skipping on that column, a truncated max would skip wrongly).
_STATS_STRING_LENGTH = 32


@dataclass(frozen=True)
class WriteResult:
    uri: str
    rows: int
    version: int


def lake_root(data_dir: str, lake_uri: str = "") -> str:
    """The lake's base URI: ``lake_uri`` when set (possibly object storage), else ``<data_dir>/lake``."""
    return lake_uri or str(Path(data_dir).resolve() / "lake")


def table_uri(base_uri: str, key: Sequence[str]) -> str:
    """Location of the table for an asset key such as ``["gold", "fact_deces"]``."""
    base = base_uri.rstrip("/")
    if "://" not in base:
        base = str(Path(base).resolve())
    return "/".join([base, *key])


def exists(uri: str, storage_options: dict[str, str] | None = None) -> bool:
    return DeltaTable.is_deltatable(uri, storage_options=storage_options)


def _commit(write, attempts: int = _COMMIT_RETRIES) -> None:
    for attempt in range(attempts):
        try:
            write()
            return
        except CommitFailedError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def _year_predicate(years: Sequence[int]) -> str:
    years = sorted({int(y) for y in years})
    if years == list(range(years[0], years[-1] + 1)):
        if len(years) == 1:
            return f"{YEAR} = {years[0]}"
        return f"{YEAR} >= {years[0]} AND {YEAR} <= {years[-1]}"
    return f"{YEAR} IN ({', '.join(str(y) for y in years)})"


def _local(uri: str) -> bool:
    return "://" not in uri or uri.startswith("file://")


def _path(uri: str) -> Path:
    return Path(uri.removeprefix("file://"))


def _stats(df: pl.DataFrame) -> str:
    """The Delta ``stats`` of a data file: row count, null counts, min/max where safe."""
    bounded = [
        name for name, dtype in df.schema.items()
        if dtype.is_integer() or dtype == pl.Date or dtype == pl.String
    ]
    aggregates = [pl.col(c).null_count().alias(f"n:{c}") for c in df.columns]
    for c in bounded:
        if df.schema[c] == pl.String:
            aggregates += [pl.col(c).min().alias(f"min:{c}"), pl.col(c).max().alias(f"max:{c}")]
        else:
            aggregates += [pl.col(c).min().cast(pl.String).alias(f"min:{c}"), pl.col(c).max().cast(pl.String).alias(f"max:{c}")]
    row = df.select(aggregates).row(0, named=True) if df.width else {}
    minimum, maximum = {}, {}
    for c in bounded:
        low, high = row[f"min:{c}"], row[f"max:{c}"]
        if low is None or high is None:
            continue
        if df.schema[c] == pl.String:
            if len(low) > _STATS_STRING_LENGTH or len(high) > _STATS_STRING_LENGTH:
                continue
        elif df.schema[c].is_integer():
            low, high = int(low), int(high)
        minimum[c], maximum[c] = low, high
    return json.dumps({
        "numRecords": df.height, "minValues": minimum, "maxValues": maximum,
        "nullCount": {c: row[f"n:{c}"] for c in df.columns},
    })


def _result(uri: str, rows: int, storage_options: dict[str, str] | None) -> WriteResult:
    table = DeltaTable(uri, storage_options=storage_options)
    _checkpoint(table, table.version())
    return WriteResult(uri, rows, table.version())


def _checkpoint(table: DeltaTable, version: int) -> None:
    if version > 0 and version % CHECKPOINT_INTERVAL == 0:
        table.create_checkpoint()


def _write_file(df: pl.DataFrame, root: Path, folder: str, partition: dict[str, str]) -> AddAction:
    """One Parquet data file written by Polars (multi-threaded), as a Delta add action."""
    relative = f"{folder}part-00000-{uuid.uuid4()}-c000.snappy.parquet"
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    df.write_parquet(target, compression="snappy", statistics=True)
    info = os.stat(target)
    return AddAction(relative, info.st_size, partition, int(info.st_mtime * 1000), True, _stats(df))


def _fast_overwrite(df: pl.DataFrame, uri: str, years: Sequence[int] | None,
                    storage_options: dict[str, str] | None) -> int | None:
    """Write the data files with Polars and commit them to an existing local table.

    The Parquet files are written by Polars on every core, and the commit replaces the given
    years (or, with ``years=None``, the whole table) in one transaction. Returns the new
    version, or None when this path does not apply (remote storage, no table yet, another
    schema or partitioning): the caller then goes through ``write_deltalake``.
    """
    if storage_options or not _local(uri):
        return None
    arrow_schema = df.to_arrow().schema
    try:
        table = DeltaTable(uri)
    except TableNotFoundError:
        try:
            # An empty table of the frame's schema; a concurrent first writer may win.
            create_table_with_add_actions(
                uri, Schema.from_arrow(arrow_schema), [], mode="ignore",
                partition_by=[YEAR] if years is not None else None,
            )
        except Exception:
            if not exists(uri):
                raise
        table = DeltaTable(uri)
    partitioned = list(table.metadata().partition_columns)
    if partitioned != ([YEAR] if years is not None else []):
        return None
    if Schema.from_arrow(arrow_schema) != table.schema():
        return None
    root = _path(uri)
    if years is None:
        actions = [_write_file(df, root, "", {})] if df.height else []
        filters = None
    else:
        actions = [
            _write_file(part.drop(YEAR), root, f"{YEAR}={year}/", {YEAR: str(year)})
            for (year,), part in df.partition_by(YEAR, as_dict=True, maintain_order=True).items()
        ]
        filters = [(YEAR, "in", [str(int(y)) for y in sorted(set(years))])]
    for attempt in range(_COMMIT_RETRIES):
        try:
            table = DeltaTable(uri) if attempt else table
            table.create_write_transaction(
                actions, mode="overwrite", schema=arrow_schema,
                partition_by=partitioned or None, partition_filters=filters,
            )
            table.update_incremental()
            version = table.version()
            _checkpoint(table, version)
            return version
        except CommitFailedError:
            if attempt == _COMMIT_RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    return None


def write_years(
    df: pl.DataFrame,
    uri: str,
    years: Sequence[int],
    storage_options: dict[str, str] | None = None,
) -> WriteResult:
    """Replace exactly the given years of a year-partitioned table with ``df``.

    Every row of ``df`` must belong to one of ``years``; the other years are untouched.
    """
    if YEAR not in df.columns:
        raise ValueError(f"{uri}: a year-partitioned table needs an integer '{YEAR}' column")
    df = df.with_columns(pl.col(YEAR).cast(pl.Int32))
    stray = set(df.get_column(YEAR).unique().to_list()) - {int(y) for y in years}
    if stray:
        raise ValueError(
            f"{uri}: rows for years {sorted(stray)} in a write of {sorted(years)}; "
            "a partition write may only hold its own years"
        )
    fast = _fast_overwrite(df, uri, years, storage_options)
    if fast is not None:
        return WriteResult(uri, df.height, fast)
    data = df.to_arrow()
    predicate = _year_predicate(years)

    def write() -> None:
        if exists(uri, storage_options):
            write_deltalake(
                uri,
                data,
                mode="overwrite",
                predicate=predicate,
                storage_options=storage_options,
            )
        else:
            try:
                write_deltalake(
                    uri,
                    data,
                    mode="append",
                    partition_by=[YEAR],
                    storage_options=storage_options,
                )
            except Exception:
                # A concurrent first writer may have created the table meanwhile.
                if not exists(uri, storage_options):
                    raise
                write_deltalake(
                    uri,
                    data,
                    mode="overwrite",
                    predicate=predicate,
                    storage_options=storage_options,
                )

    _commit(write)
    return _result(uri, df.height, storage_options)


def replace_where(
    df: pl.DataFrame,
    uri: str,
    predicate: str,
    partition_by: Sequence[str] = (),
    storage_options: dict[str, str] | None = None,
) -> WriteResult:
    """Replace the rows matching ``predicate`` (SQL over the table's columns) with ``df``.

    For side tables written by several assets, such as ``bronze/rejects`` where each
    (source, file, partition) replaces only its own rows.
    """
    data = df.to_arrow()

    def write() -> None:
        if exists(uri, storage_options):
            write_deltalake(uri, data, mode="overwrite", predicate=predicate, storage_options=storage_options)
        else:
            write_deltalake(
                uri, data, mode="append", partition_by=list(partition_by) or None, storage_options=storage_options
            )

    _commit(write)
    return _result(uri, df.height, storage_options)


def write_table(
    df: pl.DataFrame, uri: str, storage_options: dict[str, str] | None = None
) -> WriteResult:
    """Replace a whole unpartitioned table (schema included)."""
    fast = _fast_overwrite(df, uri, None, storage_options)
    if fast is not None:
        return WriteResult(uri, df.height, fast)
    data = df.to_arrow()
    _commit(
        lambda: write_deltalake(
            uri,
            data,
            mode="overwrite",
            schema_mode="overwrite",
            storage_options=storage_options,
        )
    )
    return _result(uri, df.height, storage_options)


def append(df: pl.DataFrame, uri: str, storage_options: dict[str, str] | None = None) -> WriteResult:
    """Add rows to a history table (logs, benchmarks); never rewrites earlier rows."""
    data = df.to_arrow()
    _commit(
        lambda: write_deltalake(
            uri, data, mode="append", schema_mode="merge", storage_options=storage_options
        )
    )
    return _result(uri, df.height, storage_options)


def read(
    uri: str,
    years: Sequence[int] | None = None,
    storage_options: dict[str, str] | None = None,
) -> pl.DataFrame:
    """The current snapshot of a table, optionally only some years."""
    return scan(uri, years, storage_options).collect()


def scan(
    uri: str,
    years: Sequence[int] | None = None,
    storage_options: dict[str, str] | None = None,
) -> pl.LazyFrame:
    """``read`` left lazy: a reader selecting columns or filtering rows reads only those."""
    try:
        dt = DeltaTable(uri, storage_options=storage_options)
    except TableNotFoundError as exc:
        raise FileNotFoundError(
            f"No Delta table at {uri}: materialise the asset that writes it first"
        ) from exc
    lf = pl.scan_delta(dt)
    if years is not None:
        lf = lf.filter(pl.col(YEAR).is_in([int(y) for y in years]))
    return lf


def version(uri: str, storage_options: dict[str, str] | None = None) -> int:
    """The table's current version: what a cache of something derived from it is keyed on."""
    try:
        return DeltaTable(uri, storage_options=storage_options).version()
    except TableNotFoundError as exc:
        raise FileNotFoundError(
            f"No Delta table at {uri}: materialise the asset that writes it first"
        ) from exc


def current_files(
    uri: str, storage_options: dict[str, str] | None = None, years: Sequence[int] | None = None
) -> list[str]:
    """The data files of the current version (never a folder glob: replaced files linger);
    with ``years``, only those year partitions' files (from the log's partition values)."""
    filters = None if years is None else [(YEAR, "in", [str(int(y)) for y in years])]
    return DeltaTable(uri, storage_options=storage_options).file_uris(partition_filters=filters)


def compact(
    uri: str,
    z_order: Sequence[str] = (),
    years: Sequence[int] | None = None,
    storage_options: dict[str, str] | None = None,
) -> dict:
    """Compact small files, Z-ordered on ``z_order`` when given; returns deltalake's metrics.

    With ``years``, only those year partitions are rewritten, so compacting after a
    partition write costs that partition, not the whole table.
    """
    dt = DeltaTable(uri, storage_options=storage_options)
    filters = None
    if years is not None:
        filters = [(YEAR, "in", [str(int(y)) for y in years])]
    if z_order:
        return dt.optimize.z_order(list(z_order), partition_filters=filters)
    return dt.optimize.compact(partition_filters=filters)
