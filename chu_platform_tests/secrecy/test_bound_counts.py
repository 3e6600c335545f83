"""The secrecy scan's list of counts about people (``BOUND_COUNTS``) covers the activity marts:
the warehouse scan and every preview see their stays, readmissions, patients present,
prescriptions, consultations and forecasts, and find none from 1 to 9 once published."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from benchmarks.secrecy_scan import _small_cells
from chu_platform.layers.marts import activity, analyses, forecast
from chu_platform.layers.marts.secrecy import BOUND_COUNTS, BOUND_DERIVED, preview_frame, publish, secret_column
from chu_platform_tests.dashboard.conftest import with_prescriptions
from chu_platform_tests.marts.conftest import synthetic_gold, write_gold

SECRECIES = {**{name: i.secrecy for name, i in activity.INDICATORS.items()}, "activity_forecast": forecast.SECRECY}


def test_every_count_of_the_activity_marts_is_a_bound_count():
    missing = {name: [c for c in s.counts if c not in BOUND_COUNTS] for name, s in SECRECIES.items()}
    assert {n: m for n, m in missing.items() if m} == {}


def test_a_derived_figure_the_scan_checks_depends_on_every_count_of_its_mart():
    """The generic scan expects a BOUND_DERIVED cell withheld whenever any count of its row
    is: true only where the mart derives it from all of them."""
    for name, s in SECRECIES.items():
        for column, deps in s.derived.items():
            if column in BOUND_DERIVED:
                assert set(deps) == set(s.counts), (name, column, deps)


@pytest.fixture(scope="module")
def marts(tmp_path_factory) -> dict[str, tuple[pl.DataFrame, pl.DataFrame]]:
    """Each activity mart of the synthetic gold: (computed, published)."""
    lake = str(tmp_path_factory.mktemp("bound") / "lake")
    write_gold(lake, with_prescriptions(synthetic_gold()))
    out = {}
    for name, indicator in activity.INDICATORS.items():
        raw = indicator.build(analyses.connect_gold(lake, tables=indicator.reads))
        out[name] = (raw, publish(raw, indicator.secrecy))
    predicted, _ = forecast.forecast_all(forecast.load_monthly(analyses.connect_gold(lake, tables=forecast.READS)))
    out["activity_forecast"] = (predicted, publish(predicted, forecast.SECRECY))
    return out


def test_the_warehouse_scan_finds_small_counts_before_publication_and_none_after(marts):
    con = duckdb.connect()
    for name, (raw, published) in marts.items():
        con.register(f"{name}_raw", raw.to_arrow())
        con.register(name, published.to_arrow())
    before = 0
    for name in marts:
        before += _small_cells(con, f"{name}_raw")
        assert _small_cells(con, name) == 0, name
    assert before > 0, "the synthetic marts hold counts from 1 to 9, or the scan would prove nothing"


def test_a_preview_of_an_unpublished_activity_frame_withholds_its_small_counts(marts):
    raw = marts["readmissions_30d"][0]
    small = raw.filter(pl.col("readmitted").is_between(1, 9))
    assert small.height
    shown = preview_frame(small)
    assert shown["readmitted"].null_count() == small.height
    assert set(shown[secret_column("readmitted")].to_list()) == {"<10"}
    assert shown["rate"].null_count() == small.height
