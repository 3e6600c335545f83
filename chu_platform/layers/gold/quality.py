"""Data-quality measures over gold tables, pure functions returning failing rows.

Each measure returns the rows that break one property; the asset checks turn them into
pass/fail with counts and a sample.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from chu_platform.layers.gold.keys import UNKNOWN_KEY


def orphans(facts: pl.DataFrame, column: str, dimension: pl.DataFrame, dim_column: str) -> pl.DataFrame:
    """Fact rows whose non-null ``column`` is not a member of the dimension."""
    members = dimension.select(pl.col(dim_column).alias(column)).unique()
    return facts.filter(pl.col(column).is_not_null()).join(members, on=column, how="anti")


def orphan_counts(facts: pl.DataFrame, references: Mapping[str, tuple[pl.DataFrame, str]]) -> dict[str, int]:
    return {column: orphans(facts, column, dim, dim_col).height for column, (dim, dim_col) in references.items()}


def unknown_share(facts: pl.DataFrame, column: str) -> tuple[int, float]:
    """How many facts point to the unknown member (or to nothing) and their share."""
    unknown = int((pl.Series(facts[column]).is_null() | (facts[column] == UNKNOWN_KEY)).sum()) if facts.height else 0
    return unknown, (unknown / facts.height if facts.height else 0.0)


def outside(facts: pl.DataFrame, column: str, low: float, high: float) -> pl.DataFrame:
    """Rows whose non-null ``column`` lies outside [low, high]."""
    value = pl.col(column)
    return facts.filter(value.is_not_null() & ((value < low) | (value > high)))


def per_year_counts(df: pl.DataFrame) -> dict[int, int]:
    return dict(df.group_by("year").len().sort("year").iter_rows())


def published_below_threshold(satisfaction: pl.DataFrame, minimum_answers: int) -> pl.DataFrame:
    """Scores published for fewer answers than HAS's publication threshold allows."""
    return satisfaction.filter(pl.col("score_global").is_not_null() & (pl.col("nb_reponses") < minimum_answers))


def null_share(df: pl.DataFrame, column: str, missing: tuple[str, ...] = ()) -> tuple[int, float]:
    """Rows whose ``column`` is null (or one of the ``missing`` placeholder values) and their share."""
    value = pl.col(column)
    count = df.filter(value.is_null() | value.cast(pl.String).is_in(list(missing))).height
    return count, (count / df.height if df.height else 0.0)
