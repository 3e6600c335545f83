"""Dates and times: seasonality over days of a year, opening hours, date formatting."""

from __future__ import annotations

import numpy as np
import polars as pl

from chu_platform.generate.streams import weighted_choice

# Relative activity by month (winter epidemics up, summer holidays down).
CONSULTATION_MONTHS = np.array([1.20, 1.15, 1.05, 1.00, 0.95, 0.90, 0.75, 0.65, 1.00, 1.05, 1.10, 1.00])
# Deaths peak in winter (France, INSEE monthly series shape).
DEATH_MONTHS = np.array([1.18, 1.08, 1.04, 0.96, 0.93, 0.89, 0.91, 0.90, 0.90, 0.97, 1.02, 1.14])
# Monday..Sunday.
CONSULTATION_WEEKDAYS = np.array([1.1, 1.0, 1.0, 1.0, 0.95, 0.3, 0.02])
ALL_WEEKDAYS = np.ones(7)


def days_of(years: list[int]) -> np.ndarray:
    """Every day of the given years as days since 1970-01-01 (int32)."""
    start = np.datetime64(f"{min(years)}-01-01")
    end = np.datetime64(f"{max(years) + 1}-01-01")
    days = np.arange(start, end, dtype="datetime64[D]")
    year = days.astype("datetime64[Y]").astype(int) + 1970
    return days[np.isin(year, years)].astype(np.int64).astype(np.int32)


def sample_days(rng: np.random.Generator, years: list[int], size: int, months: np.ndarray,
                weekdays: np.ndarray, year_weights: dict[int, float] | None = None) -> np.ndarray:
    """``size`` days (days since epoch) drawn with monthly and weekday seasonality."""
    days = days_of(years)
    as_dates = days.astype("datetime64[D]")
    month = as_dates.astype("datetime64[M]").astype(int) % 12
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    weight = months[month] * weekdays[weekday]
    if year_weights:
        year = as_dates.astype("datetime64[Y]").astype(int) + 1970
        weight = weight * np.vectorize(lambda y: year_weights.get(int(y), 1.0))(year)
    return days[weighted_choice(rng, weight, size)]


def opening_minutes(rng: np.random.Generator, size: int) -> np.ndarray:
    """Start times in minutes after midnight, 08:00-18:45 by quarter hour, lunch dip."""
    slots = np.arange(8 * 60, 19 * 60, 15)
    hour = slots // 60
    weight = np.select([hour < 9, hour < 12, hour < 14, hour < 17], [0.7, 1.2, 0.4, 1.1], 0.6)
    return slots[weighted_choice(rng, weight, size)]


def as_date(days: pl.Expr) -> pl.Expr:
    return days.cast(pl.Int32).cast(pl.Date)


def minutes_to_time(minutes: pl.Expr) -> pl.Expr:
    return pl.time(minutes // 60, minutes % 60)
