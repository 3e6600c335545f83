"""Metadata every silver and gold materialisation reports."""

import dagster as dg
import polars as pl

from chu_platform.marts.secrecy import preview_table


def null_counts(df: pl.DataFrame) -> dict[str, int]:
    """Null count of every column that has any."""
    counts = df.null_count().row(0, named=True)
    return {column: int(n) for column, n in counts.items() if n}


def table_metadata(df: pl.DataFrame, **extra) -> dict:
    meta = {
        "rows": dg.MetadataValue.int(df.height),
        "null_counts": dg.MetadataValue.json(null_counts(df)),
        "preview": dg.MetadataValue.md(preview_table(df)),
    }
    meta.update(extra)
    return meta


def partition_years(context) -> list[int] | None:
    """The run's years: one, or a range (a backfill run of a single-run asset); None unpartitioned."""
    if context.has_partition_key:
        return [int(context.partition_key)]
    if context.has_partition_key_range:
        window = context.partition_time_window
        return list(range(window.start.year, window.end.year))
    return None


def partition_label(years: list[int]) -> str:
    """``2019``, or ``2018-2020`` for a run over a range of years."""
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
