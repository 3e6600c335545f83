"""A mart table: one analysis for every year present in gold, as published (secrecy applied)."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from chu_platform.lib.markdown import markdown_table
from chu_platform.layers.marts import analyses
from chu_platform.layers.marts.secrecy import display_cells


def build_mart(con: duckdb.DuckDBPyConnection, name: str, today: date | None = None) -> pl.DataFrame:
    """One block of rows per calendar year with data, each block exactly ``chu query NAME --year Y``.

    A leading ``year`` column lets BI users filter. With no data yet the table is empty but
    keeps its columns.
    """
    years = analyses.years_present(con, name) or [(today or date.today()).year]
    return analyses.published_years(con, name, years)


def preview_markdown(df: pl.DataFrame, name: str, rows: int = 10) -> str:
    """The first rows of the latest year as a Markdown table, withheld cells as "<10" or "s"."""
    if df.is_empty():
        return "(no rows)"
    latest = df.filter(pl.col("year") == df["year"].max()).head(rows)
    return markdown_table(display_cells(latest), rows=None, width=None)
