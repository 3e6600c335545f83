"""Dimensions built from calendars and shipped reference data, not from any source."""

from __future__ import annotations

from datetime import date

import polars as pl

from chu_platform import reference


UNKNOWN_DATE_KEY = -1


def build_dim_date(first_year: int, last_year: int) -> pl.DataFrame:
    """One row per calendar day from 1 January ``first_year`` to 31 December ``last_year``,
    plus the unknown member ``-1`` (all attributes null) that facts with an incomplete date
    (INSEE ``00`` parts, impossible dates) point to."""
    days = pl.date_range(date(first_year, 1, 1), date(last_year, 12, 31), "1d", eager=True)
    calendar = (
        pl.DataFrame({"date": days})
        .with_columns(
            date_key=(pl.col("date").dt.strftime("%Y%m%d")).cast(pl.Int32),
            year=pl.col("date").dt.year().cast(pl.Int32),
            quarter=pl.col("date").dt.quarter().cast(pl.Int8),
            month=pl.col("date").dt.month().cast(pl.Int8),
            day=pl.col("date").dt.day().cast(pl.Int8),
            weekday=pl.col("date").dt.weekday().cast(pl.Int8),
        )
        .select("date_key", "date", "year", "quarter", "month", "day", "weekday")
    )
    unknown = pl.DataFrame({"date_key": [UNKNOWN_DATE_KEY]}, schema={"date_key": pl.Int32})
    return pl.concat([unknown, calendar], how="diagonal_relaxed")


def build_dim_geography() -> pl.DataFrame:
    """One row per département of the 2016 map, overseas included, plus abroad and unknown."""
    return reference.departements().select(
        "departement_code", "departement_nom", "region_code", "region_nom"
    )
