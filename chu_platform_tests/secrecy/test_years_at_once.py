"""Secrecy applied to several years at once withholds exactly what it withholds year by year.

A mart (``build_mart``) and the previews of a range run's aggregates publish all their years
in one pass of the secrecy rules (``analyses.published_years``, ``published_aggregate`` on the
run's years); a group of cells or a tie never crosses a period (``secrecy.PERIOD_KEYS``), so
the cells must be those of ``chu query NAME --year Y`` for each year.
"""

from __future__ import annotations

import polars as pl
from polars.testing import assert_frame_equal

from chu_platform.layers.marts import aggregates, analyses
from chu_platform.layers.marts.build import build_mart
from chu_platform.layers.marts.periods import Period
from chu_platform.layers.marts.publication import published_aggregate
from chu_platform.layers.marts.refresh import refresh_aggregates
from chu_platform.layers.marts.secrecy import COMPLEMENTARY, PRIMARY, secret_column
from chu_platform.lib import delta_store
from chu_platform_tests.marts.conftest import FACT_YEARS


def _labels(frames: list[pl.DataFrame]) -> set[str]:
    seen: set[str] = set()
    for frame in frames:
        for column in frame.columns:
            if column.startswith(secret_column("")):
                seen |= set(frame[column].drop_nulls().to_list())
    return seen


def test_a_mart_of_every_year_withholds_the_cells_of_each_year_asked_alone(gold):
    con = analyses.connect_gold(gold.lake)
    marts = []
    for name in analyses.ANALYSES:
        years = analyses.years_present(con, name)
        assert len(years) >= 2, name
        one_by_one = pl.concat([
            analyses.published(con, name, Period.year(y)).select(pl.lit(y, dtype=pl.Int32).alias("year"), pl.all())
            for y in years
        ])
        mart = build_mart(con, name)
        assert_frame_equal(mart, one_by_one)
        marts.append(mart)
    # Not vacuous: the seeded gold makes both kinds of withheld cell.
    assert {PRIMARY, COMPLEMENTARY} <= _labels(marts)


def test_an_aggregate_published_for_a_range_of_years_equals_each_year_published_alone(gold):
    refresh_aggregates(gold.lake)
    published = []
    for aggregate in aggregates.AGGREGATES.values():
        whole = delta_store.read(delta_store.table_uri(gold.lake, ["gold", aggregate.table]))
        years = sorted(whole["year"].unique().to_list())
        assert set(years) <= set(FACT_YEARS) and len(years) >= 2, aggregate.table
        at_once = published_aggregate(whole, aggregate.analysis)
        for year in years:
            alone = published_aggregate(whole.filter(pl.col("year") == year), aggregate.analysis)
            assert_frame_equal(at_once.filter(pl.col("year") == year), alone)
        published.append(at_once)
    assert {PRIMARY, COMPLEMENTARY} <= _labels(published)
