"""Side tables of the bronze layer and the reconciliation they allow.

``bronze/rejects`` holds every line that could not be read; ``bronze/_loads`` one row per
(entity, year, file) load with the lines read. Both are replaced per (entity, year) — a
re-run of a partition replaces its own rows only — so ``lines_read = rows + rejects``
can be checked at any time from the tables themselves.
"""

from __future__ import annotations

import re

import polars as pl

from chu_platform.layers.bronze.ingest import LOADS_SCHEMA, REJECTS_SCHEMA, Ingested
from chu_platform.lib import delta_store

_NAME = re.compile(r"^[a-z_]+$")


def scope(entity: str, year: int | None) -> str:
    """The Delta predicate selecting one asset run's rows of a side table."""
    if not _NAME.match(entity):
        raise ValueError(f"invalid entity name {entity!r}")
    return f"entity = '{entity}' AND " + (f"year = {int(year)}" if year is not None else "year IS NULL")


def record(ingested: Ingested, entity: str, year: int | None, rejects_uri: str, loads_uri: str) -> None:
    predicate = scope(entity, year)
    delta_store.replace_where(ingested.rejects, rejects_uri, predicate)
    delta_store.replace_where(ingested.loads, loads_uri, predicate)


def _read(uri: str, schema: dict, entity: str, years: list[int] | None, columns: list[str]) -> pl.DataFrame:
    """``columns`` of ``entity``'s rows (of ``years``) in a side table: the other entities' and
    years' files are not read."""
    if not delta_store.exists(uri):
        return pl.DataFrame(schema=schema).select(columns)
    where = pl.col("entity") == entity
    if years is not None:
        where = where & pl.col("year").is_in(years)
    return delta_store.read(uri, where=where, columns=columns)


def reconcile(entity: str, bronze: pl.DataFrame, rejects_uri: str, loads_uri: str,
              years: list[int] | None = None) -> pl.DataFrame:
    """One row per (year, file) of ``entity`` with lines_read, rows, rejects and ``ok``.

    ``bronze`` needs ``_source_file`` (and ``year`` when partitioned); rows in bronze for
    a file no load recorded show up with lines_read 0, so nothing can hide. With ``years``,
    only those years are reconciled (``bronze`` then holds those years' rows).
    """
    keys = ["year", "file"]
    loads = _read(loads_uri, LOADS_SCHEMA, entity, years, [*keys, "lines_read"])
    rejects = _read(rejects_uri, REJECTS_SCHEMA, entity, years, keys)
    if "year" not in bronze.columns:
        bronze = bronze.with_columns(pl.lit(None, dtype=pl.Int32).alias("year"))
    counted = bronze.group_by(pl.col("year").cast(pl.Int32), pl.col("_source_file").alias("file")).agg(
        pl.len().cast(pl.Int64).alias("bronze_rows")
    )
    rejected = rejects.group_by(keys).agg(pl.len().cast(pl.Int64).alias("reject_rows"))
    read = loads.group_by(keys).agg(pl.col("lines_read").sum())
    table = (
        read.join(counted, on=keys, how="full", coalesce=True, nulls_equal=True)
        .join(rejected, on=keys, how="full", coalesce=True, nulls_equal=True)
        .with_columns(pl.col("lines_read", "bronze_rows", "reject_rows").fill_null(0))
    )
    return table.with_columns(
        (pl.col("lines_read") == pl.col("bronze_rows") + pl.col("reject_rows")).alias("ok")
    ).sort(keys)


def rejected_shares(entity: str, rejects_uri: str, loads_uri: str, years: list[int] | None = None,
                    sample: int = 5) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(one row per (year, file) of ``entity``: lines_read, rejects, share; the first
    ``sample`` rejected lines of each file: line_number, reason, raw_text)."""
    loads = _read(loads_uri, LOADS_SCHEMA, entity, years, ["year", "file", "lines_read", "rejects"])
    rejects = _read(rejects_uri, REJECTS_SCHEMA, entity, years, ["year", "file", "line_number", "reason", "raw_text"])
    shares = loads.group_by("year", "file").agg(pl.col("lines_read").sum(), pl.col("rejects").sum()).with_columns(
        pl.when(pl.col("lines_read") > 0).then(pl.col("rejects") / pl.col("lines_read")).otherwise(0.0).alias("share")
    ).sort("year", "file")
    first = rejects.sort("line_number").group_by("year", "file", maintain_order=True).head(sample)
    return shares, first.select("year", "file", "line_number", "reason", "raw_text")
