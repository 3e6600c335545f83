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


def partition_year(context) -> int | None:
    """The run's year when it targets one year partition."""
    return int(context.partition_key) if context.has_partition_key else None
