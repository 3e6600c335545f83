"""Volume anomalies: a year's row count against a reference (the previous delivery of the
same year, or the neighbouring years), graded as the OHDSI Data Quality Dashboard grades a
check: a type, thresholds, a result.

A change is the relative difference to the reference. Past ``warn`` it is a warning, past
``fail`` a failure; a difference of fewer than ``floor`` rows is never an anomaly (a
register of a few hundred lines moves by tens from one year to the next).
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

import polars as pl

from chu_platform.lib import delta_store

FLOOR_ROWS = 100


@dataclass(frozen=True)
class Thresholds:
    warn: float
    fail: float
    floor: int = FLOOR_ROWS

    @classmethod
    def parse(cls, warn: str, fail: str) -> Thresholds:
        low, high = float(warn), float(fail)
        if not 0 < low <= high:
            raise ValueError(f"volume thresholds: expected 0 < warn ({warn}) <= fail ({fail})")
        return cls(low, high)


@dataclass(frozen=True)
class Graded:
    """``grade``: "ok", "warn" or "fail"; ``change``: relative difference (None without a reference)."""

    rows: int
    reference: int | None
    change: float | None
    grade: str


def grade(rows: int, reference: int | None, thresholds: Thresholds) -> Graded:
    if reference is None:
        return Graded(rows, None, None, "ok")
    change = (rows - reference) / reference if reference else (0.0 if rows == 0 else float("inf"))
    if abs(rows - reference) < thresholds.floor:
        return Graded(rows, reference, change, "ok")
    verdict = "fail" if abs(change) > thresholds.fail else "warn" if abs(change) > thresholds.warn else "ok"
    return Graded(rows, reference, change, verdict)


def year_rows(uri: str, years: list[int]) -> dict[int, int]:
    """Rows per year partition of a Delta table, for the years that have files."""
    counts = {}
    for year in years:
        files = delta_store.current_files(uri, years=[year])
        if files:
            counts[year] = int(pl.scan_parquet(files).select(pl.len()).collect().item())
    return counts


def neighbours_reference(counts: dict[int, int], year: int) -> int | None:
    """The median rows of the years either side of ``year`` that have data."""
    around = [counts[y] for y in (year - 1, year + 1) if y in counts]
    return round(median(around)) if around else None
