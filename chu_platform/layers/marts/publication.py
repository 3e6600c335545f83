"""What the BI warehouse may show: the published tables, and nothing row-level about people.

``data/warehouse.duckdb`` is the surface BI users open. It holds copies (not views over the
lake, which BI users cannot read) of:

* the marts, as ``chu query`` serves them (masked), the activity indicators among them, and
  the activity forecast (model output and backtest errors, no count of people);
* the aggregates ``agg_<analysis>``, with the same secrecy (``publish``) applied year by year,
  and the dimension keys that join them to the dimensions;
* the dimensions that describe no patient: dates, geography, establishments, professionals
  (the public RPPS/FINESS directories), diagnoses, medicines (the public BDPM).

Never the facts (one row per consultation, stay or death) nor ``dim_patient`` (one row per
patient version, with the pseudonym): those stay in the analysts' warehouse, owner-only.
"""

from __future__ import annotations

import polars as pl

from chu_platform.layers.marts import activity, aggregates, analyses
from chu_platform.layers.marts.secrecy import PERSONAL_COLUMNS, publish

PUBLIC_DIMENSIONS = ("dim_date", "dim_geography", "dim_etablissement", "dim_professionnel", "dim_diagnostic",
                     "dim_medicament")
def published_aggregate(df: pl.DataFrame, analysis: str) -> pl.DataFrame:
    """An aggregate table as it may be published: each year's cells masked as that year's mart."""
    frame = df.drop(aggregates.INPUTS, strict=False)
    spec = analyses.get(analysis)
    return publish(frame, spec.secrecy, order=spec.key)


def aggregate_analysis(table: str) -> str | None:
    """``agg_deaths_by_region`` -> ``deaths_by_region``; ``None`` for any other table."""
    name = table.removeprefix("agg_")
    return name if table.startswith("agg_") and name in aggregates.AGGREGATES else None


def is_public(layer: str, table: str) -> bool:
    """Whether the table (published as computed below) may go to the BI warehouse."""
    if layer == "marts":
        return table in analyses.ANALYSES or table in activity.INDICATORS or table in activity.FORECAST_TABLES
    return layer == "gold" and (table in PUBLIC_DIMENSIONS or aggregate_analysis(table) is not None)


def published_table(layer: str, table: str, df: pl.DataFrame) -> pl.DataFrame:
    """The table as the BI warehouse shows it."""
    if not is_public(layer, table):
        raise ValueError(f"{layer}/{table} is not published to the BI warehouse")
    analysis = aggregate_analysis(table) if layer == "gold" else None
    if analysis is not None:
        df = published_aggregate(df, analysis)
    personal = sorted(PERSONAL_COLUMNS & set(df.columns))
    if personal:
        raise ValueError(f"{layer}/{table} has columns about a person ({', '.join(personal)}): not publishable")
    return df
