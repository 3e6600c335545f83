"""The activity forecast: deterministic, intervals that cover what they say (within a stated
tolerance), better than seasonal naive on a seasonal series, and a check that refuses a
model worse than seasonal naive."""

from datetime import date, timedelta

import dagster as dg
import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from chu_platform.defs.marts import forecast_assets
from chu_platform.defs.resources import ChuSettings
from chu_platform.lib import delta_store
from chu_platform.defs.io_manager import DeltaIOManager
from chu_platform.layers.marts import forecast

MONTHS = 120
SHAPE = np.array([1.10, 1.05, 1.04, 0.99, 0.98, 0.99, 0.93, 0.82, 0.99, 1.04, 1.04, 1.03])


def _series(rng: np.random.Generator, level: float, growth: float = 0.02) -> np.ndarray:
    t = np.arange(MONTHS)
    return rng.poisson(level * SHAPE[t % 12] * (1 + growth) ** (t / 12)).astype(float)


def _monthly(rng: np.random.Generator, levels: dict[str, float]) -> pl.DataFrame:
    months = pl.date_range(date(2015, 1, 1), date(2024, 12, 1), "1mo", eager=True)
    return pl.concat([pl.DataFrame({"measure": "stays", "series": name, "month": months, "value": _series(rng, level)})
                      for name, level in levels.items()])


def test_same_history_same_forecast():
    monthly = _monthly(np.random.default_rng(1), {"group": 500.0, "750000001": 40.0})
    first, scores = forecast.forecast_all(monthly)
    again, scores_again = forecast.forecast_all(monthly.sample(fraction=1.0, shuffle=True, seed=3))
    assert first.equals(again) and scores.equals(scores_again)
    assert first["month"].min() == date(2025, 1, 1) and first["month"].max() == date(2025, 12, 1)
    assert (first["lo95"] <= first["lo80"]).all() and (first["lo80"] <= first["forecast"]).all()
    assert (first["forecast"] <= first["hi80"]).all() and (first["hi80"] <= first["hi95"]).all()


def test_series_forecast_together_as_each_alone():
    """The model forecasts every series of one length in one matrix: a series' forecast and
    backtest are what it gets alone, and a one-series model applied row by row (another
    library's, ``per_series``) gives the same too."""
    rng = np.random.default_rng(3)
    monthly = _monthly(rng, {"group": 900.0, "750000001": 40.0, "750000002": 0.0, "750000003": 2.0})
    together, scores = forecast.forecast_all(monthly)
    for name in ("group", "750000001", "750000002", "750000003"):
        alone, alone_scores = forecast.forecast_all(monthly.filter(pl.col("series") == name))
        assert_frame_equal(together.filter(pl.col("series") == name), alone, abs_tol=1e-9)
        assert_frame_equal(scores.filter(pl.col("series") == name), alone_scores, abs_tol=1e-9)
    one_series = lambda y, h: {k: v[0] for k, v in forecast.combination(y[None, :], h).items()}
    rowwise, rowwise_scores = forecast.forecast_all(monthly, forecast.per_series(one_series))
    assert_frame_equal(rowwise, together, abs_tol=1e-9)
    assert_frame_equal(rowwise_scores, scores, abs_tol=1e-9)
    assert together.height == 4 * 12 and scores.height == 4


def test_intervals_cover_within_tolerance():
    """Over 300 seeded Poisson seasonal series (24 backtest months each, 7,200 points), the
    80 % interval holds 80 % +- 8 points of the actual months and the 95 % one 95 % +- 4."""
    rng = np.random.default_rng(7)
    monthly = _monthly(rng, {f"s{i:03d}": float(level) for i, level in enumerate(rng.uniform(3, 800, 300))})
    _, scores = forecast.forecast_all(monthly)
    assert scores["coverage_80"].mean() == pytest.approx(0.80, abs=0.08)
    assert scores["coverage_95"].mean() == pytest.approx(0.95, abs=0.04)


def test_model_beats_seasonal_naive_on_a_large_seasonal_series():
    monthly = _monthly(np.random.default_rng(11), {"group": 600.0})
    _, scores = forecast.forecast_all(monthly)
    assert forecast.worse_than_baseline(scores, ("stays",)).is_empty()
    broken = forecast.forecast_all(monthly, model=lambda y, h: {k: np.zeros((len(y), h)) for k in
                                                                 ("mean", "lo80", "hi80", "lo95", "hi95")})[1]
    assert forecast.worse_than_baseline(broken, ("stays",)).height == 1
    # Two years of history: a forecast, no backtest, and no failure to report.
    short, scores = forecast.forecast_all(monthly.filter(pl.col("month") >= date(2023, 1, 1)))
    assert short.height == 12 and scores.is_empty() and forecast.worse_than_baseline(scores).is_empty()


def test_complete_months_fill_gaps_and_stop_before_the_current_month():
    counts = pl.DataFrame({"measure": ["stays"] * 3, "series": ["a", None, "a"],
                           "month": [date(2024, 1, 1), date(2024, 3, 1), date(2024, 6, 1)], "value": [2.0, 5.0, 9.0]})
    grid = forecast.complete_months(counts, today=date(2024, 6, 15))
    a = grid.filter(pl.col("series") == "a")
    # June is the current month (incomplete): out; the grid ends with the last month left.
    assert a["value"].to_list() == [2.0, 0.0, 0.0]
    assert grid.filter(pl.col("series") == "group")["value"].to_list() == [2.0, 0.0, 5.0]


def _gold(lake: str, rng: np.random.Generator) -> None:
    """Minimal gold: ten years of stays and consultations at two establishments, seasonal."""
    days = np.array([date(2015, 1, 1) + timedelta(days=int(d)) for d in range(3653)])
    weight = SHAPE[[d.month - 1 for d in days]]
    def fact(n: int, key: str) -> pl.DataFrame:
        chosen = days[rng.choice(len(days), size=n, p=weight / weight.sum())]
        return pl.DataFrame({key: [int(d.strftime("%Y%m%d")) for d in chosen],
                             "etablissement_key": rng.choice([1, 2], size=n), "year": [d.year for d in chosen]})
    tables = {"fact_hospitalisation": fact(30_000, "date_entree_key"), "fact_consultation": fact(40_000, "date_key"),
              "dim_etablissement": pl.DataFrame({"etablissement_key": [1, 2], "finess": ["750000001", "750000002"]})}
    for name, df in tables.items():
        uri = delta_store.table_uri(lake, ["gold", name])
        if name.startswith("fact_"):
            delta_store.write_years(df.with_columns(pl.col("year").cast(pl.Int32)), uri, sorted(set(df["year"])))
        else:
            delta_store.write_table(df, uri)


@pytest.mark.parametrize("broken", [False, True])
def test_check_fails_on_a_broken_model(tmp_path, monkeypatch, broken):
    data = tmp_path / "data"
    _gold(delta_store.lake_root(str(data)), np.random.default_rng(5))
    if broken:
        # Last year's figure shifted by one month: plausible-looking, worse than seasonal naive.
        monkeypatch.setattr(forecast, "MODEL", lambda y, h: forecast.seasonal_naive_model(np.roll(y, 1, axis=1), h))
    result = dg.materialize(
        [forecast_assets.activity_forecast, forecast_assets.forecast_beats_seasonal_naive],
        resources={"settings": ChuSettings(data_dir=str(data), landing_dir=str(data / "landing")),
                   "io_manager": DeltaIOManager(data_dir=str(data))},
        raise_on_error=False,
    )
    evaluations = result.get_asset_check_evaluations()
    assert [e.passed for e in evaluations] == [not broken]
    shown = delta_store.read(delta_store.table_uri(delta_store.lake_root(str(data)), ["marts", "activity_forecast"]))
    assert set(shown["series"]) == {"750000001", "750000002", "group"}
