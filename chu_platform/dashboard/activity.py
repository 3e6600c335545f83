"""What the "Séjours" and "Prévisions" pages embed: the activity marts as published, and the
monthly history the forecast is drawn against.

The indicators (length of stay, 30-day readmissions, census, medication use) and the forecast
are embedded exactly as their marts publish them (``marts/activity.py``, ``marts/forecast.py``):
the same withheld cells as ``chu query`` and the BI warehouse, rendered by the secrecy
contract's ``records`` (a withheld cell reads "<10" or "s"). A mart not built yet in the lake
is computed from gold by the same function, so the page shows what the mart would; one whose
gold tables are missing is listed in ``missing`` and its charts say so.

The monthly history (stays per establishment and for the group, consultations per
establishment; the group's consultations per month are the consultations page's cells) is a new
table of counts: a month of 1 to 9 reads "<10"; since a year's months add up to the year's
count (shown on other pages) and the establishments' months add up to the group's, the
complementary cells of both margins are withheld too (``HISTORY_SECRECY``).
"""

from __future__ import annotations

import polars as pl

from chu_platform.dashboard.measures import ALL, TOTAL
from chu_platform.lib import delta_store
from chu_platform.layers.marts import activity, analyses, forecast
from chu_platform.layers.marts.secrecy import Margin, Secrecy, publish, records, shown_columns

# Payload key of each indicator and the mart columns the page reads.
INDICATORS = {
    "los": ("length_of_stay", ["year", "level", "finess", "chapitre", "stays", "mean_days", "median_days",
                               "p90_days", "mean_change"]),
    "readm": ("readmissions_30d", ["year", "level", "finess", "stays", "readmitted", "rate"]),
    "census": ("census", ["year", "level", "finess", "mean_census", "peak_census", "peak_date", "p95_census",
                          "saturation_days"]),
    "med": ("medication_use", ["year", "level", "chapitre", "rank", "code_cis", "denomination", "prescriptions",
                               "all_prescriptions", "share", "consultations", "per_consultation"]),
}
FORECAST_COLUMNS = ["measure", "series", "month", "forecast", "lo80", "hi80", "lo95", "hi95"]
BACKTEST_COLUMNS = ["measure", "series", "mase", "mase_seasonal_naive", "coverage_80", "coverage_95", "months"]
HISTORY_SECRECY = Secrecy(counts=("value",), margins=(
    # A year's months add up to the series' yearly count.
    Margin("value", by=("measure", "series")),
    # The establishments' months add up to the group's month (shown on the same chart).
    Margin("value", by=("measure", "month"), parts=pl.col("series") != forecast.GROUP,
           total_row=pl.col("series") == forecast.GROUP),
))


def _mart(lake: str, name: str) -> pl.DataFrame | None:
    """The published mart, from the lake, else computed from gold as its asset would."""
    uri = delta_store.table_uri(lake, ["marts", name])
    if delta_store.exists(uri):
        return delta_store.read(uri)
    indicator = activity.get(name)
    if not all(delta_store.exists(delta_store.table_uri(lake, ["gold", t])) for t in indicator.reads):
        return None
    return activity.published(analyses.connect_gold(lake, tables=indicator.reads), name)


def _rows(df: pl.DataFrame, columns: list[str]) -> list[dict]:
    """``records`` of the mart (labels in withheld cells), only the columns the page reads."""
    picked = df.select([c for c in df.columns if c in columns or c.removeprefix("secret_") in columns])
    rows = records(picked)
    if all(c in columns for c in shown_columns(picked)):
        return rows
    return [{k: v for k, v in row.items() if k in columns} for row in rows]


def shared_masks(lake: str) -> dict[tuple, bool]:
    """Whether the length-of-stay mart withholds each yearly stay count the dashboard's own
    cells also hold (an establishment's stays, the group's), keyed as those cells
    (``payload.marts_masks``): the same count withheld on one surface and shown on the other
    would give the other's complementary cells away."""
    df = _mart(lake, "length_of_stay")
    if df is None:
        return {}
    out: dict[tuple, bool] = {}
    rows = df.filter(pl.col("level").is_in([activity.GROUP, activity.ESTABLISHMENT]))
    for year, level, finess, stays in rows.select("year", "level", "finess", "stays").iter_rows():
        if level == activity.ESTABLISHMENT and finess is None:
            continue
        scope = ALL if level == activity.GROUP else f"e:{finess}"
        out[("hosp", int(year), scope, TOTAL)] = stays is None
    return out


def history(monthly: pl.DataFrame) -> pl.DataFrame:
    """The monthly counts as the page may show them (``HISTORY_SECRECY``), one row per
    measure, series and month with a ``year`` column for the yearly margin."""
    # The group's consultations per month are the consultations page's own cells
    # (``payload``'s ``mo``, with that page's masks): not a second masking of the same counts.
    frame = monthly.filter(~((pl.col("measure") == "consultations") & (pl.col("series") == forecast.GROUP))).with_columns(pl.col("month").dt.year().cast(pl.Int32).alias("year"),
                                 pl.col("value").round(0).cast(pl.Int64))
    return publish(frame, HISTORY_SECRECY, order=("measure", "series", "month"))


def _series(rows: list[dict], fields: list[str]) -> dict[str, dict[str, dict[str, list]]]:
    """{measure: {series: {"m": ["YYYY-MM", ...], field: [...]}}} from month-sorted records."""
    out: dict[str, dict[str, dict[str, list]]] = {}
    for row in rows:
        entry = out.setdefault(row["measure"], {}).setdefault(row["series"], {"m": [], **{f: [] for f in fields}})
        entry["m"].append(row["month"][:7])
        for f in fields:
            value = row[f]
            entry[f].append(round(value, 2) if isinstance(value, float) else value)
    return out


def _forecast(lake: str) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame] | None:
    """(published forecast, backtest, published history), the marts read when built."""
    if not all(delta_store.exists(delta_store.table_uri(lake, ["gold", t])) for t in forecast.READS):
        return None
    monthly = forecast.load_monthly(analyses.connect_gold(lake, tables=forecast.READS))
    uris = [delta_store.table_uri(lake, ["marts", t]) for t in activity.FORECAST_TABLES]
    if all(delta_store.exists(u) for u in uris):
        predicted, scores = (delta_store.read(u) for u in uris)
    else:
        raw, scores = forecast.forecast_all(monthly, forecast.MODEL)
        predicted = publish(raw, forecast.SECRECY)
    return predicted, scores, history(monthly)


def section(lake: str) -> dict:
    """The ``activity`` part of the page's document (module docstring)."""
    out: dict = {"missing": []}
    for key, (name, columns) in INDICATORS.items():
        df = _mart(lake, name)
        if df is None:
            out["missing"].append(name)
            out[key] = []
        else:
            out[key] = _rows(df.sort("year", maintain_order=True), columns)
    got = _forecast(lake)
    if got is None:
        out["missing"].extend(activity.FORECAST_TABLES)
        out["fc"], out["hist"], out["back"] = {}, {}, []
        return out
    predicted, scores, past = got
    out["fc"] = _series(_rows(predicted.sort("measure", "series", "month"), FORECAST_COLUMNS),
                        ["forecast", "lo80", "hi80", "lo95", "hi95"])
    out["hist"] = _series(_rows(past.sort("measure", "series", "month"), ["measure", "series", "month", "value"]),
                          ["value"])
    out["back"] = _rows(scores.sort("measure", "series"), BACKTEST_COLUMNS)
    return out
