"""Monthly activity forecast: stays and consultations per establishment and for the group,
12 months ahead with 80 % and 95 % intervals, and its backtest against seasonal-naive.

The model (``combination``) is the mean of three forecasts, each cheap and robust on monthly
hospital counts: seasonal naive (same month last year), a seasonal level (last 12 months'
mean x month-of-year indices from every year of history, half the recent growth carried
forward) and a regression on the last 60 months (linear trend + month effects). Its
intervals are normal, from the wider of the two models' residual variances, never narrower
than Poisson noise, widening with the horizon. docs/activity.md gives the measured
comparison that chose it over statsforecast's AutoETS/AutoARIMA and statsmodels' Holt-Winters.

Backtest: two folds of 12 months (origins 24 and 12 months before the last complete month);
MASE = mean absolute error / in-sample mean absolute error of the 12-month seasonal difference
(Hyndman & Koehler 2006); coverage = share of actual months inside each interval.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import date
from statistics import NormalDist

import duckdb
import numpy as np
import polars as pl

from chu_platform.layers.marts.secrecy import Secrecy

SEASON = 12
HORIZON = 12
BACKTEST_MONTHS = 24
LEVELS = (80, 95)
REGRESSION_WINDOW = 60
GROUP = "group"
MEASURES = ("stays", "consultations")

# Every model takes the histories of many series at once, one row per series (all of one
# length, the same months), and returns arrays of one row per series and one column per month
# ahead: the rows share one design matrix and one least-squares solve, so 4,000 establishments
# cost a few matrix operations, not 4,000 Python calls (docs/activity.md).
Forecast = dict[str, np.ndarray]
Model = Callable[[np.ndarray, int], Forecast]

# A forecast of 1 to 9 is computed from counts of people of that size: shown as "<10".
SECRECY = Secrecy(counts=("forecast",), derived={f"{side}{level}": ("forecast",)
                                                 for level in LEVELS for side in ("lo", "hi")})


def _z(level: int) -> float:
    return NormalDist().inv_cdf(0.5 + level / 200)


def _with_intervals(mean: np.ndarray, sd: np.ndarray) -> Forecast:
    out = {"mean": np.maximum(mean, 0.0)}
    for level in LEVELS:
        half = _z(level) * sd
        out[f"lo{level}"] = np.maximum(mean - half, 0.0)
        out[f"hi{level}"] = mean + half
    return out


def seasonal_naive(y: np.ndarray, h: int) -> np.ndarray:
    """Each month as the same month of the last year observed (``y``: one row per series)."""
    return np.tile(y[:, -SEASON:], (1, int(np.ceil(h / SEASON))))[:, :h]


def regression(y: np.ndarray, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Least squares on the last 60 months: intercept, linear trend, 11 month effects; the mean
    and the prediction variance (residual variance x (1 + leverage)), per row of ``y``."""
    n = min(y.shape[1], REGRESSION_WINDOW)
    t = np.arange(y.shape[1] - n, y.shape[1])
    future = np.arange(y.shape[1], y.shape[1] + h)
    centre = t.mean()

    def design(times: np.ndarray) -> np.ndarray:
        months = [(times % SEASON == k).astype(float) for k in range(1, SEASON)]
        return np.column_stack([np.ones(len(times)), (times - centre) / SEASON, *months])

    x, xf = design(t), design(future)
    recent = y[:, -n:]
    beta, *_ = np.linalg.lstsq(x, recent.T, rcond=None)
    resid = recent - (x @ beta).T
    variance = (resid**2).sum(axis=1) / max(n - x.shape[1], 1)
    leverage = np.einsum("ij,jk,ik->i", xf, np.linalg.pinv(x.T @ x), xf)
    return (xf @ beta).T, variance[:, None] * (1 + leverage)[None, :]


def seasonal_level(y: np.ndarray, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Last 12 months' mean x month indices (every whole year of history), half the year-on-year
    growth carried forward; the variance of the same model's errors one year back (per row)."""
    series, n = y.shape
    years = n // SEASON
    block = y[:, n - years * SEASON:].reshape(series, years, SEASON)
    annual = block.mean(axis=2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        # A month of a series that never had a positive year: no index from it (1 below).
        warnings.simplefilter("ignore", RuntimeWarning)
        ratios = np.where(annual > 0, block / np.where(annual > 0, annual, 1), np.nan)
        index = np.nanmean(ratios, axis=1)
    index = np.where(np.isfinite(index), index, 1.0)
    index = index / index.mean(axis=1, keepdims=True)
    first = n - years * SEASON  # the month-of-cycle of y[:, first] is index position 0
    level, previous = y[:, -SEASON:].mean(axis=1), y[:, -2 * SEASON:-SEASON].mean(axis=1)
    both = (level > 0) & (previous > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        growth = np.where(both, (level / np.where(both, previous, 1)) ** (1 / SEASON), 1.0)
    growth = 1 + 0.5 * (growth - 1)
    steps = np.arange(1, h + 1)
    mean = level[:, None] * growth[:, None] ** (SEASON / 2 + steps) * index[:, (n - first + steps - 1) % SEASON]
    trailing = np.lib.stride_tricks.sliding_window_view(y, SEASON, axis=1).mean(axis=2)[:, :-1]
    fitted = trailing * index[:, (np.arange(SEASON, n) - first) % SEASON]
    variance = np.var((y[:, SEASON:] - fitted)[:, -4 * SEASON:], axis=1) if n > SEASON else np.var(y, axis=1)
    return mean, np.repeat(variance[:, None], h, axis=1)


def combination(y: np.ndarray, h: int = HORIZON) -> Forecast:
    """The platform's model (module docstring), per row of ``y``."""
    y = np.asarray(y, dtype=np.float64)
    reg, reg_var = regression(y, h)
    lev, lev_var = seasonal_level(y, h)
    mean = np.maximum((reg + lev + seasonal_naive(y, h)) / 3, 0.0)
    steps = np.arange(1, h + 1)
    variance = np.maximum(np.maximum(reg_var, lev_var), mean) * (1 + steps / (2 * SEASON))
    return _with_intervals(mean, np.sqrt(variance))


def seasonal_naive_model(y: np.ndarray, h: int = HORIZON) -> Forecast:
    """Seasonal naive with intervals from its own in-sample errors (the baseline), per row of ``y``."""
    y = np.asarray(y, dtype=np.float64)
    errors = y[:, SEASON:] - y[:, :-SEASON]
    sd = np.sqrt(np.mean(errors**2, axis=1)) if errors.shape[1] else np.zeros(len(y))
    widening = np.sqrt(np.ceil(np.arange(1, h + 1) / SEASON))
    return _with_intervals(seasonal_naive(y, h), sd[:, None] * widening[None, :])


MODEL: Model = combination


def per_series(model: Callable[[np.ndarray, int], Forecast]) -> Model:
    """A model of one series (1-D history, 1-D forecasts), such as another library's, as a
    ``Model``: called once per row."""
    def many(y: np.ndarray, h: int) -> Forecast:
        outs = [model(row, h) for row in np.asarray(y, dtype=np.float64)]
        return {key: np.vstack([np.asarray(o[key], dtype=np.float64) for o in outs]) for key in outs[0]}
    return many


def mase_scale(y: np.ndarray) -> np.ndarray:
    """In-sample mean absolute seasonal difference per row (NaN when the series never changes)."""
    diffs = np.abs(y[:, SEASON:] - y[:, :-SEASON])
    scale = diffs.mean(axis=1) if diffs.shape[1] else np.full(len(y), np.nan)
    return np.where(scale > 0, scale, np.nan)


def backtest(y: np.ndarray, model: Model) -> dict[str, np.ndarray]:
    """Two 12-month folds over the last 24 months: MASE of ``model`` and of seasonal naive, and
    the coverage of the 80 % and 95 % intervals, per row of ``y``."""
    y = np.asarray(y, dtype=np.float64)
    errors, baseline, inside, scales = [], [], {level: [] for level in LEVELS}, []
    for origin in range(y.shape[1] - BACKTEST_MONTHS, y.shape[1], HORIZON):
        train, actual = y[:, :origin], y[:, origin:origin + HORIZON]
        predicted = model(train, actual.shape[1])
        errors.append(np.abs(actual - predicted["mean"]))
        baseline.append(np.abs(actual - seasonal_naive(train, actual.shape[1])))
        scales.append(np.repeat(mase_scale(train)[:, None], actual.shape[1], axis=1))
        for level in LEVELS:
            inside[level].append((actual >= predicted[f"lo{level}"]) & (actual <= predicted[f"hi{level}"]))
    scale = np.concatenate(scales, axis=1)
    return {
        "mase": np.mean(np.concatenate(errors, axis=1) / scale, axis=1),
        "mase_seasonal_naive": np.mean(np.concatenate(baseline, axis=1) / scale, axis=1),
        **{f"coverage_{level}": np.mean(np.concatenate(inside[level], axis=1), axis=1) for level in LEVELS},
        "months": np.full(len(y), scale.shape[1], dtype=np.int64),
    }


# --- series from gold ------------------------------------------------------------------------

SERIES_SQL = {
    "stays": """
        SELECT e.finess AS series, h.date_entree_key // 100 AS month_key, count(*) AS value
        FROM fact_hospitalisation h LEFT JOIN dim_etablissement e USING (etablissement_key)
        WHERE h.date_entree_key > 0 GROUP BY ALL""",
    "consultations": """
        SELECT e.finess AS series, c.date_key // 100 AS month_key, count(*) AS value
        FROM fact_consultation c LEFT JOIN dim_etablissement e USING (etablissement_key)
        WHERE c.date_key > 0 GROUP BY ALL""",
}
READS = ("fact_hospitalisation", "fact_consultation", "dim_etablissement")


def load_monthly(con: duckdb.DuckDBPyConnection, today: date | None = None) -> pl.DataFrame:
    """measure, series (FINESS, or "group"), month (first day), value: every month from the
    first with data to the last complete one (before the current month), zeros included."""
    frames = []
    for measure, sql in SERIES_SQL.items():
        df = pl.from_arrow(con.sql(sql).to_arrow_table()).with_columns(pl.lit(measure).alias("measure"))
        frames.append(df)
    counts = pl.concat(frames, how="vertical_relaxed").with_columns(
        pl.date(pl.col("month_key") // 100, pl.col("month_key") % 100, 1).alias("month"),
        pl.col("value").cast(pl.Float64),
    )
    return complete_months(counts, today)


def complete_months(counts: pl.DataFrame, today: date | None = None) -> pl.DataFrame:
    """The month grid per measure and series (the group added), with zeros, up to the month
    before ``today``'s; an establishment named by a null FINESS counts in the group only."""
    schema = {"measure": pl.String, "series": pl.String, "month": pl.Date, "value": pl.Float64}
    today = today or date.today()
    counts = counts.filter(pl.col("month") < date(today.year, today.month, 1))
    if counts.is_empty():
        return pl.DataFrame(schema=schema)
    group = counts.group_by("measure", "month").agg(pl.col("value").sum()).with_columns(pl.lit(GROUP).alias("series"))
    sites = counts.filter(pl.col("series").is_not_null()).group_by("measure", "series", "month").agg(pl.col("value").sum())
    columns = ["measure", "series", "month", "value"]
    both = pl.concat([sites.select(columns), group.select(columns)])
    grids = []
    for (measure,), part in both.group_by(["measure"], maintain_order=True):
        months = pl.DataFrame({"month": pl.date_range(part["month"].min(), part["month"].max(), "1mo", eager=True)})
        grid = part.select("series").unique().join(months, how="cross").with_columns(pl.lit(measure).alias("measure"))
        grids.append(grid.join(part, on=["measure", "series", "month"], how="left").with_columns(
            pl.col("value").fill_null(0.0)))
    return pl.concat(grids).select(columns).cast(schema).sort("measure", "series", "month")


def _forecast_months(last: date, h: int) -> list[date]:
    months = []
    year, month = last.year, last.month
    for _ in range(h):
        month += 1
        if month > 12:
            year, month = year + 1, 1
        months.append(date(year, month, 1))
    return months


# A forecast needs two full years (a seasonal level and last year's months); the backtest's
# first fold needs two years before its 24 months.
MIN_FORECAST_MONTHS = 2 * SEASON
MIN_BACKTEST_MONTHS = BACKTEST_MONTHS + 2 * SEASON


FORECAST_SCHEMA = {"measure": pl.String, "series": pl.String, "month": pl.Date, "forecast": pl.Float64,
                   "lo80": pl.Float64, "hi80": pl.Float64, "lo95": pl.Float64, "hi95": pl.Float64}
BACKTEST_SCHEMA = {"measure": pl.String, "series": pl.String, "mase": pl.Float64, "mase_seasonal_naive": pl.Float64,
                   "coverage_80": pl.Float64, "coverage_95": pl.Float64, "months": pl.Int64}


def forecast_all(monthly: pl.DataFrame, model: Model = combination) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(forecast, backtest): the forecast of every series with at least 24 months of history,
    the backtest of those with at least 48. Series of one length ending the same month (every
    series of a measure, on ``complete_months``' grid) are forecast together."""
    histories = (monthly.sort("measure", "series", "month")
                 .group_by(["measure", "series"], maintain_order=True)
                 .agg(pl.len().alias("n"), pl.col("month").max().alias("last"), pl.col("value").cast(pl.Float64)))
    forecasts, scores = [pl.DataFrame(schema=FORECAST_SCHEMA)], [pl.DataFrame(schema=BACKTEST_SCHEMA)]
    for (n, last), part in histories.group_by(["n", "last"], maintain_order=True):
        if n < MIN_FORECAST_MONTHS:
            continue
        y = part["value"].list.to_array(n).to_numpy()
        predicted = model(y, HORIZON)
        months = _forecast_months(last, HORIZON)
        forecasts.append(pl.DataFrame({
            "measure": np.repeat(part["measure"].to_numpy(), HORIZON),
            "series": np.repeat(part["series"].to_numpy(), HORIZON),
            "month": pl.Series(months * len(part), dtype=pl.Date),
            "forecast": predicted["mean"].ravel(),
            **{f"{side}{level}": predicted[f"{side}{level}"].ravel() for level in LEVELS for side in ("lo", "hi")},
        }, schema=FORECAST_SCHEMA))
        if n >= MIN_BACKTEST_MONTHS:
            scores.append(pl.DataFrame({"measure": part["measure"], "series": part["series"], **backtest(y, model)},
                                       schema=BACKTEST_SCHEMA))
    return (pl.concat(forecasts).sort("measure", "series", "month"),
            pl.concat(scores).sort("measure", "series"))


def worse_than_baseline(scores: pl.DataFrame, measures: tuple[str, ...] = MEASURES) -> pl.DataFrame:
    """The group series whose backtest MASE exceeds seasonal naive's (a group series with too
    short a history has no backtest row, and nothing to compare)."""
    group = scores.filter((pl.col("series") == GROUP) & pl.col("measure").is_in(measures))
    return group.filter(~(pl.col("mase") <= pl.col("mase_seasonal_naive")))
