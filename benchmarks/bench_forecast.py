"""Forecast fit + backtest for every establishment and the group (stays and consultations).

    .venv/bin/python -m benchmarks forecast [--scale=1] [--seed=42] [--measure=stays] [--compare=sf_ets,sf_arima,sm_hw]

Builds the monthly series straight from the generator (patients, establishments,
professionals and their activities, consultations, stays of 2015-2024: no database, no
pipeline), then times ``marts.forecast.forecast_all`` — the 12-month forecast and the
two-fold backtest of every series — and prints the group series' backtest table, the median
MASE over establishments against seasonal naive, the mean interval coverage, the machine's
load and the process's CPU time. Target (issue 23): under 30 s at scale 1 on the 2-core machine.

``--compare`` also backtests the candidate libraries on the same series (they are not
dependencies of the platform: run it from an environment that has them, e.g. a scratch venv
with ``uv pip install statsforecast statsmodels`` and this repository on ``PYTHONPATH``):
``sf_ets`` statsforecast AutoETS, ``sf_arima`` statsforecast AutoARIMA, ``sm_hw`` statsmodels
Holt-Winters (additive damped trend, additive season, normal intervals from its residuals).
"""

from __future__ import annotations

import os
import resource
import time

import polars as pl

from chu_platform.generate import (DEFAULT_YEARS, _day, catalogues, consultations, establishments, hospitalisations,
                                   patients, professionals, sizes)
from chu_platform.lib.markdown import markdown_table
from chu_platform.layers.marts import forecast


def series(scale: float, seed: int) -> pl.DataFrame:
    """measure, series, month, value as ``forecast.load_monthly`` reads them from gold."""
    years = list(DEFAULT_YEARS)
    n = sizes(scale)
    est = establishments.build(seed, n["establishments"])
    people = patients.build(seed, n["patients"], _day(max(years) + 1))
    diagnoses = catalogues.diagnoses(seed, n["diagnoses"])
    stays, _ = hospitalisations.build(seed, years, people, est.hospitals, diagnoses, 0.0)
    pros = professionals.build(seed, n["professionals"], est.frame)
    activity, _ = professionals.activities(seed, pros, est.frame, 0.05)
    adher = patients.adherents(seed, people, n["mutuelles"])
    visits = consultations.build(seed, n["consultations"], years, people, adher, pros, diagnoses)
    place = activity.group_by("identifiant").agg(pl.col("identifiant_organisation").min())
    counts = pl.concat([
        stays.select(pl.lit("stays").alias("measure"), pl.col("identifiant_organisation").alias("series"),
                     pl.col("day").cast(pl.Date).dt.truncate("1mo").alias("month")),
        visits.join(place, left_on="Id_prof_sante", right_on="identifiant", how="left").select(
            pl.lit("consultations").alias("measure"), pl.col("identifiant_organisation").alias("series"),
            pl.col("Date").dt.truncate("1mo").alias("month")),
    ]).group_by("measure", "series", "month").len("value").with_columns(pl.col("value").cast(pl.Float64))
    return forecast.complete_months(counts)


def _statsforecast(kind: str):
    from statsforecast.models import AutoARIMA, AutoETS

    def model(y, h):
        fitted = (AutoETS if kind == "sf_ets" else AutoARIMA)(season_length=forecast.SEASON)
        out = fitted.forecast(y=y, h=h, level=list(forecast.LEVELS))
        return {"mean": out["mean"], **{f"{side}{level}": out[f"{side}-{level}"]
                                        for level in forecast.LEVELS for side in ("lo", "hi")}}

    return model


def _holt_winters(y, h):
    import numpy as np
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    fit = ExponentialSmoothing(y, trend="add", damped_trend=True, seasonal="add", seasonal_periods=forecast.SEASON).fit()
    return forecast._with_intervals(fit.forecast(h), np.full(h, float(np.std(fit.resid))) * np.sqrt(np.arange(1, h + 1)) ** 0.5)


def compare(monthly: pl.DataFrame, names: list[str]) -> None:
    import warnings

    # The libraries' models forecast one series at a time: each row on its own.
    candidates = {"sf_ets": lambda: forecast.per_series(_statsforecast("sf_ets")),
                  "sf_arima": lambda: forecast.per_series(_statsforecast("sf_arima")),
                  "sm_hw": lambda: forecast.per_series(_holt_winters)}
    for name in names:
        model = candidates[name]()
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, scores = forecast.forecast_all(monthly, model)
        wall = time.perf_counter() - started
        group = scores.filter(pl.col("series") == forecast.GROUP).row(0, named=True)
        sites = scores.filter(pl.col("series") != forecast.GROUP)
        print(f"{name}: {wall:.1f} s; group MASE {group['mase']:.3f} (seasonal naive {group['mase_seasonal_naive']:.3f}), "
              f"coverage 80/95 {group['coverage_80']:.2f}/{group['coverage_95']:.2f}; establishments median MASE "
              f"{sites['mase'].median():.3f} (seasonal naive {sites['mase_seasonal_naive'].median():.3f}), "
              f"coverage {sites['coverage_80'].mean():.2f}/{sites['coverage_95'].mean():.2f}", flush=True)


def main(options: list[str]) -> None:
    scale, seed, measure, candidates = 1.0, 42, None, []
    for option in options:
        name, _, value = option.partition("=")
        if name == "--scale":
            scale = float(value)
        elif name == "--seed":
            seed = int(value)
        elif name == "--measure":
            measure = value
        elif name == "--compare":
            candidates = [c for c in value.split(",") if c]
    started = time.perf_counter()
    monthly = series(scale, seed)
    if measure:
        monthly = monthly.filter(pl.col("measure") == measure)
    built = time.perf_counter() - started
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    before = cpu.ru_utime + cpu.ru_stime
    started = time.perf_counter()
    predicted, scores = forecast.forecast_all(monthly)
    wall = time.perf_counter() - started
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    used = cpu.ru_utime + cpu.ru_stime - before
    print(f"scale {scale}, seed {seed}: {monthly.select('measure', 'series').unique().height} series "
          f"({scores.height} with 48+ months), {monthly.height} months of history, built in {built:.1f} s")
    print(f"fit + backtest: {wall:.2f} s wall, {used:.2f} s CPU, {predicted.height} forecast rows; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(markdown_table(scores.filter(pl.col("series") == forecast.GROUP), rows=None, decimals=3, width=None))
    summary = scores.filter(pl.col("series") != forecast.GROUP).group_by("measure").agg(
        pl.len().alias("establishments"), pl.col("mase").median().alias("median_mase"),
        pl.col("mase_seasonal_naive").median().alias("median_mase_seasonal_naive"),
        (pl.col("mase") <= pl.col("mase_seasonal_naive")).mean().alias("share_beating_seasonal_naive"),
        pl.col("coverage_80").mean(), pl.col("coverage_95").mean(),
    ).sort("measure")
    print(markdown_table(summary, rows=None, decimals=3, width=None))
    compare(monthly, candidates)
