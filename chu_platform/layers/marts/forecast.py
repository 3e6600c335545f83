"""Monthly activity forecast: stays and consultations per establishment and for the group,
12 months ahead with 80 % and 95 % intervals, and its backtest against seasonal-naive.

The model (``combination``) is the mean of three forecasts, each cheap and robust on monthly
hospital counts: seasonal naive (same month last year), a seasonal level (last 12 months'
mean x month-of-year indices from every year of history, half the recent growth carried
forward) and a regression on the last 60 months (linear trend + month effects). Its
intervals are normal, from the wider of the two models' residual variances, never narrower
than Poisson noise, widening with the horizon. docs/forecast.md gives the measured
comparison that chose it over statsforecast's AutoETS/AutoARIMA and statsmodels' Holt-Winters.

Backtest: two folds of 12 months (origins 24 and 12 months before the last complete month);
MASE = mean absolute error / in-sample mean absolute error of the 12-month seasonal difference
(Hyndman & Koehler 2006); coverage = share of actual months inside each interval.
"""

from __future__ import annotations

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
    """Each month as the same month of the last year observed."""
    return np.tile(y[-SEASON:], int(np.ceil(h / SEASON)))[:h]


def regression(y: np.ndarray, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Least squares on the last 60 months: intercept, linear trend, 11 month effects; the mean
    and the prediction variance (residual variance x (1 + leverage))."""
    n = min(len(y), REGRESSION_WINDOW)
    t = np.arange(len(y) - n, len(y))
    future = np.arange(len(y), len(y) + h)
    centre = t.mean()

    def design(times: np.ndarray) -> np.ndarray:
        months = [(times % SEASON == k).astype(float) for k in range(1, SEASON)]
        return np.column_stack([np.ones(len(times)), (times - centre) / SEASON, *months])

    x, xf = design(t), design(future)
    beta, *_ = np.linalg.lstsq(x, y[-n:], rcond=None)
    resid = y[-n:] - x @ beta
    variance = float((resid**2).sum() / max(n - x.shape[1], 1))
    leverage = np.einsum("ij,jk,ik->i", xf, np.linalg.pinv(x.T @ x), xf)
    return xf @ beta, variance * (1 + leverage)


def seasonal_level(y: np.ndarray, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Last 12 months' mean x month indices (every whole year of history), half the year-on-year
    growth carried forward; the variance of the same model's errors one year back."""
    n = len(y)
    years = n // SEASON
    block = y[n - years * SEASON:].reshape(years, SEASON)
    annual = block.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios = np.where(annual > 0, block / np.where(annual > 0, annual, 1), np.nan)
    index = np.nanmean(ratios, axis=0) if np.isfinite(ratios).any() else np.ones(SEASON)
    index = np.where(np.isfinite(index), index, 1.0)
    index = index / index.mean()
    first = n - years * SEASON  # the month-of-cycle of y[first] is index position 0
    level, previous = y[-SEASON:].mean(), y[-2 * SEASON:-SEASON].mean()
    growth = (level / previous) ** (1 / SEASON) if level > 0 and previous > 0 else 1.0
    growth = 1 + 0.5 * (growth - 1)
    steps = np.arange(1, h + 1)
    mean = level * growth ** (SEASON / 2 + steps) * index[(n - first + steps - 1) % SEASON]
    trailing = np.convolve(y, np.ones(SEASON) / SEASON, "valid")[:-1]
    fitted = trailing * index[(np.arange(SEASON, n) - first) % SEASON]
    variance = float(np.var((y[SEASON:] - fitted)[-4 * SEASON:])) if n > SEASON else float(np.var(y))
    return mean, np.full(h, variance)


def combination(y: np.ndarray, h: int = HORIZON) -> Forecast:
    """The platform's model (module docstring)."""
    y = np.asarray(y, dtype=np.float64)
    reg, reg_var = regression(y, h)
    lev, lev_var = seasonal_level(y, h)
    mean = np.maximum((reg + lev + seasonal_naive(y, h)) / 3, 0.0)
    steps = np.arange(1, h + 1)
    variance = np.maximum(np.maximum(reg_var, lev_var), mean) * (1 + steps / (2 * SEASON))
    return _with_intervals(mean, np.sqrt(variance))


def seasonal_naive_model(y: np.ndarray, h: int = HORIZON) -> Forecast:
    """Seasonal naive with intervals from its own in-sample errors (the baseline)."""
    y = np.asarray(y, dtype=np.float64)
    errors = y[SEASON:] - y[:-SEASON]
    sd = float(np.sqrt(np.mean(errors**2))) if len(errors) else 0.0
    return _with_intervals(seasonal_naive(y, h), np.full(h, sd) * np.sqrt(np.ceil(np.arange(1, h + 1) / SEASON)))


MODEL: Model = combination


def mase_scale(y: np.ndarray) -> float:
    """In-sample mean absolute seasonal difference (NaN when the series never changes)."""
    diffs = np.abs(y[SEASON:] - y[:-SEASON])
    scale = float(diffs.mean()) if len(diffs) else float("nan")
    return scale if scale > 0 else float("nan")


def backtest(y: np.ndarray, model: Model) -> dict[str, float]:
    """Two 12-month folds over the last 24 months: MASE of ``model`` and of seasonal naive, and
    the coverage of the 80 % and 95 % intervals."""
    y = np.asarray(y, dtype=np.float64)
    errors, baseline, inside, scales = [], [], {level: [] for level in LEVELS}, []
    for origin in range(len(y) - BACKTEST_MONTHS, len(y), HORIZON):
        train, actual = y[:origin], y[origin:origin + HORIZON]
        predicted = model(train, len(actual))
        errors.append(np.abs(actual - predicted["mean"]))
        baseline.append(np.abs(actual - seasonal_naive(train, len(actual))))
        scales.append(np.full(len(actual), mase_scale(train)))
        for level in LEVELS:
            inside[level].append((actual >= predicted[f"lo{level}"]) & (actual <= predicted[f"hi{level}"]))
    scale = np.concatenate(scales)
    return {
        "mase": float(np.mean(np.concatenate(errors) / scale)),
        "mase_seasonal_naive": float(np.mean(np.concatenate(baseline) / scale)),
        **{f"coverage_{level}": float(np.mean(np.concatenate(inside[level]))) for level in LEVELS},
        "months": int(len(scale)),
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


def forecast_all(monthly: pl.DataFrame, model: Model = combination) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(forecast, backtest): the forecast of every series with at least 24 months of history,
    the backtest of those with at least 48."""
    rows, scores = [], []
    for (measure, series), part in monthly.sort("month").group_by(["measure", "series"], maintain_order=True):
        y = part["value"].to_numpy()
        if len(y) < MIN_FORECAST_MONTHS:
            continue
        predicted = model(y, HORIZON)
        for i, month in enumerate(_forecast_months(part["month"].max(), HORIZON)):
            rows.append({"measure": measure, "series": series, "month": month, "forecast": float(predicted["mean"][i]),
                         **{f"{side}{level}": float(predicted[f"{side}{level}"][i])
                            for level in LEVELS for side in ("lo", "hi")}})
        if len(y) >= MIN_BACKTEST_MONTHS:
            scores.append({"measure": measure, "series": series, **backtest(y, model)})
    forecast = pl.DataFrame(rows, schema={"measure": pl.String, "series": pl.String, "month": pl.Date,
                                          "forecast": pl.Float64, "lo80": pl.Float64, "hi80": pl.Float64,
                                          "lo95": pl.Float64, "hi95": pl.Float64})
    scored = pl.DataFrame(scores, schema={"measure": pl.String, "series": pl.String, "mase": pl.Float64,
                                          "mase_seasonal_naive": pl.Float64, "coverage_80": pl.Float64,
                                          "coverage_95": pl.Float64, "months": pl.Int64})
    return forecast.sort("measure", "series", "month"), scored.sort("measure", "series")


def worse_than_baseline(scores: pl.DataFrame, measures: tuple[str, ...] = MEASURES) -> pl.DataFrame:
    """The group series whose backtest MASE exceeds seasonal naive's (a group series with too
    short a history has no backtest row, and nothing to compare)."""
    group = scores.filter((pl.col("series") == GROUP) & pl.col("measure").is_in(measures))
    return group.filter(~(pl.col("mase") <= pl.col("mase_seasonal_naive")))
