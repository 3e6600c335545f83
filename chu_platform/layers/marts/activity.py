"""Hospital activity beyond the eight analyses: length of stay, 30-day readmissions, daily
census, medication use. Plain Polars on frames read from gold (``load``), so each figure is a
function a test can run on a few hand-made rows.

Definitions (docs/analyses.md repeats them for users):

- **Stay**: a row of gold/fact_hospitalisation; admitted on ``date_entree``, discharged on
  ``date_sortie`` = admission + ``duree_sejour_jours`` (the source's "Jour_Hospitalisation").
- **Length of stay** (DMS): days from admission to discharge of the stays *admitted* in the
  year; mean, median and 90th percentile (linear interpolation between ranks).
- **30-day readmission** (after DGOS/ATIH's RH30, all causes): an index stay is a stay
  *discharged* in the year; it is readmitted when the same patient (pseudonym, whatever the
  version of the patient record) is admitted again, in any establishment of the group, 1 to 30
  days after its discharge. The following stay may fall in the next year. Unlike RH30 every
  stay counts as an index stay (not only the patient's first of the year), and transfers are
  not excluded (the source does not flag them).
- **Census**: patients present at midnight — a stay counts on each night from its admission
  day to the day before its discharge (a stay admitted 30 December for 3 days counts on 30
  and 31 December and 1 January). An establishment's saturation threshold is its own 95th
  percentile of nightly census over every day of the data; a saturation day is a day above
  it. No source gives a bed capacity (neither the CHU establishment file nor the FINESS extract
  holds one; beds are in the SAE survey, which the platform does not receive): no occupancy
  rate is computed.
- **Medication use**: prescriptions (a medicine prescribed at a consultation) per year, the
  top medicines overall and per diagnosis chapter of the consultation, prescriptions per
  consultation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from chu_platform.layers.marts.secrecy import Margin, Secrecy, publish

# The forecast's marts (``marts/forecast.py``): published like the indicators.
FORECAST_TABLES = ("activity_forecast", "forecast_backtest")
READMISSION_DAYS = 30
SATURATION_QUANTILE = 0.95
TOP_MEDICINES = 10
TOP_PER_CHAPTER = 5
GROUP = "group"
ESTABLISHMENT = "establishment"
CHAPTER = "chapter"


def _from_key(column: str) -> pl.Expr:
    """A YYYYMMDD key as a date; -1 (unknown) as null."""
    key = pl.col(column)
    return pl.when(key > 0).then(key.cast(pl.String).str.to_date("%Y%m%d", strict=False)).otherwise(None)


def stays_frame(facts: pl.DataFrame, patients: pl.DataFrame, establishments: pl.DataFrame,
                diagnostics: pl.DataFrame) -> pl.DataFrame:
    """One row per stay with the patient's pseudonym, the establishment's FINESS and the chapter."""
    return facts.join(
        patients.select("patient_key", "patient_pseudo"), on="patient_key", how="left"
    ).join(
        establishments.select("etablissement_key", "finess", "raison_sociale"), on="etablissement_key", how="left"
    ).join(
        diagnostics.select("diagnostic_key", "chapitre"), on="diagnostic_key", how="left"
    ).select(
        "year", "patient_pseudo", "finess", "raison_sociale", "chapitre",
        _from_key("date_entree_key").alias("date_entree"),
        pl.col("duree_sejour_jours").cast(pl.Int32).alias("days"),
    ).with_columns(
        (pl.col("date_entree") + pl.duration(days=pl.col("days"))).alias("date_sortie"),
        pl.col("chapitre").fill_null("unknown"),
    )


def _levels(df: pl.DataFrame, chapters: bool) -> list[tuple[str, pl.DataFrame, list[str]]]:
    out = [(GROUP, df, []), (ESTABLISHMENT, df, ["finess", "raison_sociale"])]
    if chapters:
        out.append((CHAPTER, df, ["chapitre"]))
    return out


def _shape(frames: list[pl.DataFrame], columns: list[str]) -> pl.DataFrame:
    whole = pl.concat(frames, how="diagonal_relaxed")
    for name in ("finess", "raison_sociale", "chapitre"):
        if name in columns and name not in whole.columns:
            whole = whole.with_columns(pl.lit(None, dtype=pl.String).alias(name))
    return whole.select(columns)


LOS_COLUMNS = ["year", "level", "finess", "raison_sociale", "chapitre", "stays", "mean_days", "median_days",
               "p90_days", "mean_change"]


def length_of_stay(stays: pl.DataFrame) -> pl.DataFrame:
    """One row per year and group / establishment / diagnosis chapter: stays admitted in the year,
    mean, median and P90 length in days, and the change of the mean since the previous year."""
    known = stays.filter(pl.col("days").is_not_null())
    frames = []
    for level, df, by in _levels(known, chapters=True):
        keys = ["year", *by]
        stats = df.group_by(keys).agg(
            pl.len().cast(pl.Int64).alias("stays"),
            pl.col("days").mean().alias("mean_days"),
            pl.col("days").quantile(0.5, "linear").alias("median_days"),
            pl.col("days").quantile(0.9, "linear").alias("p90_days"),
        ).sort(keys)
        trend = stats.select(*keys, "mean_days").with_columns((pl.col("year") + 1).alias("year")).rename(
            {"mean_days": "previous_mean"})
        stats = stats.join(trend, on=keys, how="left", nulls_equal=True).with_columns(
            (pl.col("mean_days") - pl.col("previous_mean")).alias("mean_change"), pl.lit(level).alias("level"))
        frames.append(stats)
    return _shape(frames, LOS_COLUMNS).sort("year", "level", "finess", "chapitre", nulls_last=True)


READMISSION_COLUMNS = ["year", "level", "finess", "raison_sociale", "stays", "readmitted", "rate"]


def readmission_flags(stays: pl.DataFrame) -> pl.DataFrame:
    """Each stay with a known patient and discharge, ``readmitted`` when the patient's next
    admission (any establishment) comes 1 to 30 days after the discharge."""
    known = stays.filter(pl.col("patient_pseudo").is_not_null() & pl.col("date_sortie").is_not_null())
    known = known.with_row_index("_stay")
    admissions = known.select("patient_pseudo", pl.col("date_entree").alias("next_entree"), "_stay")
    # For each stay, the first admission of the same patient on or after discharge + 1 day.
    probe = known.with_columns((pl.col("date_sortie") + pl.duration(days=1)).alias("_from")).sort("_from")
    matched = probe.join_asof(
        admissions.sort("next_entree"), left_on="_from", right_on="next_entree", by="patient_pseudo",
        strategy="forward", check_sortedness=False,
    )
    gap = (pl.col("next_entree") - pl.col("date_sortie")).dt.total_days()
    return matched.with_columns(
        gap.is_between(1, READMISSION_DAYS).fill_null(False).alias("readmitted"),
        pl.col("date_sortie").dt.year().cast(pl.Int32).alias("discharge_year"),
    ).drop("_from", "_stay", "_stay_right", strict=False).sort("date_entree")


def readmissions(stays: pl.DataFrame, years: list[int] | None = None) -> pl.DataFrame:
    """One row per year of discharge and group / establishment: index stays discharged in the
    year, those followed by a readmission within 30 days, and the rate."""
    flagged = readmission_flags(stays).with_columns(pl.col("discharge_year").alias("year"))
    if years is not None:
        flagged = flagged.filter(pl.col("year").is_in(years))
    frames = []
    for level, df, by in _levels(flagged, chapters=False):
        counts = df.group_by(["year", *by]).agg(
            pl.len().cast(pl.Int64).alias("stays"), pl.col("readmitted").sum().cast(pl.Int64).alias("readmitted"))
        frames.append(counts.with_columns(pl.lit(level).alias("level"),
                                          (pl.col("readmitted") / pl.col("stays")).alias("rate")))
    return _shape(frames, READMISSION_COLUMNS).sort("year", "level", "finess", nulls_last=True)


def nightly_census(stays: pl.DataFrame, first: date, last: date) -> pl.DataFrame:
    """Patients present at midnight per establishment (FINESS; null for an unknown one) and
    night, every night from ``first`` to ``last`` (zero when nobody is present)."""
    nights = stays.filter(pl.col("days") > 0).select(
        "finess", pl.date_ranges("date_entree", pl.col("date_sortie") - pl.duration(days=1)).alias("night"),
    ).explode("night").filter(pl.col("night").is_between(first, last))
    counts = nights.group_by("finess", "night").agg(pl.len().cast(pl.Int64).alias("census"))
    calendar = pl.DataFrame({"night": pl.date_range(first, last, eager=True)})
    sites = stays.select("finess").unique()
    grid = sites.join(calendar, how="cross")
    return grid.join(counts, on=["finess", "night"], how="left", nulls_equal=True).with_columns(
        pl.col("census").fill_null(0)).sort("finess", "night", nulls_last=True)


CENSUS_COLUMNS = ["year", "level", "finess", "raison_sociale", "mean_census", "peak_census", "peak_date",
                  "p95_census", "saturation_days", "occupancy_rate"]


def census(stays: pl.DataFrame, years: list[int]) -> pl.DataFrame:
    """One row per year and group / establishment: mean and peak nightly census, the day of
    the peak, the establishment's own 95th percentile over all the years, and the nights above
    it in the year; ``occupancy_rate`` stays null (no capacity is known)."""
    first, last = date(min(years), 1, 1), date(max(years), 12, 31)
    nightly = nightly_census(stays, first, last)
    group = nightly.group_by("night").agg(pl.col("census").sum()).with_columns(pl.lit(None, dtype=pl.String).alias("finess"))
    names = stays.select("finess", "raison_sociale").unique("finess")
    frames = []
    for level, df in ((GROUP, group), (ESTABLISHMENT, nightly)):
        threshold = df.group_by("finess").agg(
            pl.col("census").quantile(SATURATION_QUANTILE, "linear").alias("p95_census"))
        per = df.join(threshold, on="finess", how="left", nulls_equal=True).with_columns(
            pl.col("night").dt.year().cast(pl.Int32).alias("year"))
        summary = per.sort("night").group_by("finess", "year").agg(
            pl.col("census").mean().alias("mean_census"),
            pl.col("census").max().alias("peak_census"),
            pl.when(pl.col("census").max() > 0).then(pl.col("night").get(pl.col("census").arg_max())).alias("peak_date"),
            pl.col("p95_census").first(),
            (pl.col("census") > pl.col("p95_census")).sum().cast(pl.Int64).alias("saturation_days"),
        ).with_columns(pl.lit(level).alias("level"), pl.lit(None, dtype=pl.Float64).alias("occupancy_rate"))
        frames.append(summary)
    whole = pl.concat(frames, how="diagonal_relaxed").join(names, on="finess", how="left", nulls_equal=False)
    return whole.filter(pl.col("year").is_in(years)).select(CENSUS_COLUMNS).sort(
        "year", "level", "finess", nulls_last=True)


MEDICATION_COLUMNS = ["year", "level", "chapitre", "rank", "code_cis", "denomination", "prescriptions",
                      "all_prescriptions", "share", "consultations", "per_consultation"]


def medication_use(prescriptions: pl.DataFrame, consultations: pl.DataFrame) -> pl.DataFrame:
    """One row per year and: the group's prescriptions per consultation (``level`` group), each
    of the 10 medicines most prescribed in the year (``top``), each of the 5 most prescribed per
    diagnosis chapter of the consultation (``chapter``); ties broken by CIS code. On a medicine's
    row, ``consultations`` are those of the year (or chapter) and ``per_consultation`` the share
    of them at which the medicine was prescribed (a medicine is prescribed once per consultation).

    ``prescriptions``: year, consultation_id, code_cis, denomination, chapitre;
    ``consultations``: year, consultation_id, chapitre (every consultation, with or without a prescription).
    """
    frames = []
    for level, by, top in ((GROUP, [], None), ("top", [], TOP_MEDICINES), (CHAPTER, ["chapitre"], TOP_PER_CHAPTER)):
        keys = ["year", *by]
        visits = consultations.group_by(keys).agg(pl.len().cast(pl.Int64).alias("consultations"))
        if top is None:
            counts = prescriptions.group_by(keys).agg(pl.len().cast(pl.Int64).alias("prescriptions"))
            rows = visits.join(counts, on=keys, how="left").with_columns(
                pl.col("prescriptions").fill_null(0), pl.col("prescriptions").fill_null(0).alias("all_prescriptions"))
        else:
            counts = prescriptions.group_by(*keys, "code_cis").agg(
                pl.len().cast(pl.Int64).alias("prescriptions"), pl.col("denomination").first())
            counts = counts.with_columns(pl.col("prescriptions").sum().over(keys).alias("all_prescriptions"))
            ranked = counts.sort([*keys, "prescriptions", "code_cis"], descending=[False] * len(keys) + [True, False])
            ranked = ranked.with_columns(pl.int_range(1, pl.len() + 1).over(keys).cast(pl.Int32).alias("rank"))
            rows = ranked.filter(pl.col("rank") <= top).join(visits, on=keys, how="left").with_columns(
                (pl.col("prescriptions") / pl.col("all_prescriptions")).alias("share"))
        frames.append(rows.with_columns(pl.lit(level).alias("level"),
                                        (pl.col("prescriptions") / pl.col("consultations")).alias("per_consultation")))
    whole = pl.concat(frames, how="diagonal_relaxed")
    for name in MEDICATION_COLUMNS:
        if name not in whole.columns:
            whole = whole.with_columns(pl.lit(None).alias(name))
    order = pl.col("level").replace_strict({GROUP: 0, "top": 1, CHAPTER: 2}, return_dtype=pl.Int8)
    return whole.sort(["year", order, "chapitre", "rank"], nulls_last=True).select(MEDICATION_COLUMNS).cast(
        {"chapitre": pl.String, "code_cis": pl.String, "denomination": pl.String, "rank": pl.Int32,
         "consultations": pl.Int64, "per_consultation": pl.Float64, "share": pl.Float64})


# --- reading gold ----------------------------------------------------------------------------


def _table(con: duckdb.DuckDBPyConnection, sql: str) -> pl.DataFrame:
    return pl.from_arrow(con.sql(sql).to_arrow_table())


STAY_TABLES = ("fact_hospitalisation", "dim_patient", "dim_etablissement", "dim_diagnostic")


def load_stays(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    facts = _table(con, "SELECT year, patient_key, etablissement_key, diagnostic_key, date_entree_key, "
                        "duree_sejour_jours FROM fact_hospitalisation")
    return stays_frame(
        facts, _table(con, "SELECT patient_key, patient_pseudo FROM dim_patient"),
        _table(con, "SELECT etablissement_key, finess, raison_sociale FROM dim_etablissement"),
        _table(con, "SELECT diagnostic_key, chapitre FROM dim_diagnostic"),
    )


def load_prescriptions(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame]:
    prescribed = _table(con, """
        SELECT p.year, p.consultation_id, m.code_cis, m.denomination, coalesce(d.chapitre, 'unknown') AS chapitre
        FROM fact_prescription p
        JOIN dim_medicament m USING (medicament_key)
        LEFT JOIN dim_diagnostic d USING (diagnostic_key)""")
    consultations = _table(con, """
        SELECT c.year, c.consultation_id, coalesce(d.chapitre, 'unknown') AS chapitre
        FROM fact_consultation c LEFT JOIN dim_diagnostic d USING (diagnostic_key)""")
    return prescribed, consultations


def _stay_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [int(y) for (y,) in con.sql("SELECT DISTINCT year FROM fact_hospitalisation ORDER BY 1").fetchall()]


# --- the marts -------------------------------------------------------------------------------

# Parts add up to the group row of the same year: withheld parts must not be recoverable.
_PARTS_OF_GROUP = tuple(
    Margin(count, parts=pl.col("level") == level, total_row=pl.col("level") == GROUP)
    for count in ("stays",) for level in (ESTABLISHMENT, CHAPTER)
)


@dataclass(frozen=True)
class Indicator:
    name: str
    title: str
    grain: str
    definition: str
    reads: tuple[str, ...]
    secrecy: Secrecy
    key: tuple[str, ...]
    build: Callable[[duckdb.DuckDBPyConnection], pl.DataFrame]


INDICATORS: dict[str, Indicator] = {
    i.name: i
    for i in (
        Indicator(
            "length_of_stay", "Length of stay (DMS)",
            "One row per year of admission and group, establishment or diagnosis chapter",
            "days from admission to discharge of the stays admitted in the year: mean, median, P90, "
            "change of the mean since the previous year",
            STAY_TABLES,
            Secrecy(counts=("stays",), derived={c: ("stays",) for c in ("mean_days", "median_days", "p90_days",
                                                                         "mean_change")},
                    margins=_PARTS_OF_GROUP),
            ("level", "finess", "chapitre"),
            lambda con: length_of_stay(load_stays(con)),
        ),
        Indicator(
            "readmissions_30d", "30-day readmissions (after DGOS/ATIH RH30)",
            "One row per year of discharge and group or establishment",
            "stays discharged in the year followed by an admission of the same patient, in any "
            "establishment, 1 to 30 days after discharge / stays discharged in the year",
            STAY_TABLES,
            Secrecy(counts=("stays", "readmitted"), derived={"rate": ("stays", "readmitted")},
                    margins=(Margin("stays", parts=pl.col("level") == ESTABLISHMENT, total_row=pl.col("level") == GROUP),
                             Margin("readmitted", parts=pl.col("level") == ESTABLISHMENT,
                                    total_row=pl.col("level") == GROUP))),
            ("level", "finess"),
            lambda con: readmissions(load_stays(con), _stay_years(con)),
        ),
        Indicator(
            "census", "Daily census and saturation days",
            "One row per year and group or establishment",
            "patients present at midnight per night; mean, peak (and its date), the establishment's "
            "own 95th percentile over all years, nights above it; no occupancy rate (no capacity source)",
            STAY_TABLES,
            # A peak of 1 to 9 patients is a count about people; below it, every night's count is too.
            Secrecy(counts=("peak_census", "p95_census"),
                    derived={"mean_census": ("peak_census",), "peak_date": ("peak_census",),
                             "saturation_days": ("peak_census",)}),
            ("level", "finess"),
            lambda con: census(load_stays(con), _stay_years(con)),
        ),
        Indicator(
            "medication_use", "Medication use",
            "One row per year and: the group's prescriptions per consultation, each top-10 medicine, "
            "each top-5 medicine per diagnosis chapter",
            "prescriptions (a medicine prescribed at a consultation); share = prescriptions of the "
            "medicine / all prescriptions of the year (or chapter); per consultation = prescriptions "
            "/ consultations of the year (or chapter)",
            ("fact_prescription", "dim_medicament", "dim_diagnostic", "fact_consultation"),
            Secrecy(counts=("prescriptions", "all_prescriptions", "consultations"),
                    derived={"share": ("prescriptions", "all_prescriptions"),
                             "per_consultation": ("prescriptions", "consultations")}),
            ("level", "chapitre", "rank"),
            lambda con: medication_use(*load_prescriptions(con)),
        ),
    )
}


def get(name: str) -> Indicator:
    try:
        return INDICATORS[name]
    except KeyError:
        raise ValueError(f"no indicator '{name}'; choose one of: {', '.join(INDICATORS)}") from None


def published(con: duckdb.DuckDBPyConnection, name: str) -> pl.DataFrame:
    """The indicator for every year in gold, secrecy applied to all of it (a row shows the same
    cells whichever year or establishment a user then picks)."""
    indicator = get(name)
    try:
        return publish(indicator.build(con), indicator.secrecy)
    except duckdb.CatalogException as exc:
        raise ValueError(f"{name} needs gold tables that are not built yet ({exc}); run `chu run` first") from None
