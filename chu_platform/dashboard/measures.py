"""The exact figures of every filter selection, computed from gold with the analyses' definitions.

A selection is a year range and a scope: ``all`` (the whole group), ``r:<region>`` (events
at the establishments of a region) or ``e:<finess>`` (events at one establishment), the
same restriction the analyses' ``--establishment`` filter applies, by region.

* Counts of events (consultations, stays, deaths, survey answers) are *cells* per year:
  one row per (measure, year, scope, item) in a long frame; a year range adds them up.
  ``item`` is empty for a scope's total, else the breakdown member (establishment, diagnosis
  key, specialty, month, region of death).
* Counts of distinct people (patients seen, hospitalised, by sex and age band) do not add
  up over years. Each person carries, per scope, a bit mask of the years he was seen in and
  of those he was hospitalised in; a range counts the people whose mask meets the range's
  bits. Exact for every one of the ranges at the cost of one group-by.

Definitions (DESIGN.md, marts/sql.py): a person is seen in a range if consulted or
hospitalised in it; his sex and age band are those of each contact (consultation year minus
birth year, age at admission); the unknown patient counts as events, not people.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from chu_platform.dashboard.extract import Gold

ALL = "all"
TOTAL = ""
_CELL = {"measure": pl.String, "year": pl.Int32, "scope": pl.String, "item": pl.String, "n": pl.Int64}


def region_scope(region: pl.Expr) -> pl.Expr:
    return pl.lit("r:") + region


def establishment_scope(finess: pl.Expr) -> pl.Expr:
    return pl.lit("e:") + finess


def scoped(events: pl.DataFrame, establishments: bool = True) -> pl.DataFrame:
    """One row per event and scope it counts in: the group, its region, its establishment."""
    parts = [
        events.with_columns(pl.lit(ALL).alias("scope")),
        events.filter(pl.col("region").is_not_null()).with_columns(region_scope(pl.col("region")).alias("scope")),
    ]
    if establishments:
        parts.append(events.filter(pl.col("finess").is_not_null())
                     .with_columns(establishment_scope(pl.col("finess")).alias("scope")))
    return pl.concat(parts, how="vertical")


def _cells(df: pl.DataFrame, measure: str, item: pl.Expr | None) -> pl.DataFrame:
    keys = ["year", "scope"] if item is None else ["year", "scope", item.alias("item")]
    counted = df.group_by(keys).agg(pl.len().cast(pl.Int64).alias("n"))
    if item is None:
        counted = counted.with_columns(pl.lit(TOTAL).alias("item"))
    return counted.select(pl.lit(measure).alias("measure"), "year", "scope", pl.col("item").cast(pl.String), "n")


def _rest(events: pl.DataFrame, measure: str) -> pl.DataFrame:
    """Events of the group at no region's establishment: the part that closes the group total."""
    return _cells(events.filter(pl.col("region").is_null()).with_columns(pl.lit(ALL).alias("scope")),
                  f"{measure}_rest", None)


def event_cells(gold: Gold) -> pl.DataFrame:
    """Every additive count, per year: one row per (measure, year, scope, item)."""
    cons, hosp = gold.consultations, gold.hospitalisations
    cons_all = scoped(cons)
    cons_group = scoped(cons, establishments=False)
    hosp_all = scoped(hosp)
    hosp_group = scoped(hosp, establishments=False)
    unknown_cons = cons.filter(pl.col("finess").is_null()).with_columns(pl.lit(ALL).alias("scope"))
    unknown_hosp = hosp.filter(pl.col("finess").is_null()).with_columns(pl.lit(ALL).alias("scope"))
    frames = [
        _cells(cons_all, "cons", None),
        _rest(cons, "cons"),
        _cells(unknown_cons, "cons_unknown", None),
        _cells(cons_group, "cons_diag", pl.col("diagnostic_key").cast(pl.String)),
        _cells(cons_group, "cons_spec", pl.col("specialite")),
        _cells(cons_group, "cons_month", pl.col("month").cast(pl.String)),
        _cells(hosp_all, "hosp", None),
        _rest(hosp, "hosp"),
        _cells(unknown_hosp, "hosp_unknown", None),
        _cells(hosp_group, "hosp_diag", pl.col("diagnostic_key").cast(pl.String)),
        gold.deaths.select(pl.lit("deaths").alias("measure"), "year", pl.lit(ALL).alias("scope"),
                           pl.col("region_code").alias("item"), pl.col("deaths").alias("n")),
        gold.deaths.group_by("year").agg(pl.col("deaths").sum().alias("n")).select(
            pl.lit("deaths").alias("measure"), "year", pl.lit(ALL).alias("scope"), pl.lit(TOTAL).alias("item"), "n"),
        _answers(gold.satisfaction),
    ]
    rest_parts = [
        _cells(cons.filter(pl.col("region").is_null()).with_columns(pl.lit(ALL).alias("scope")),
               f"cons_{kind}_rest", expr)
        for kind, expr in (("diag", pl.col("diagnostic_key").cast(pl.String)), ("spec", pl.col("specialite")),
                           ("month", pl.col("month").cast(pl.String)))
    ] + [_cells(hosp.filter(pl.col("region").is_null()).with_columns(pl.lit(ALL).alias("scope")),
                "hosp_diag_rest", pl.col("diagnostic_key").cast(pl.String))]
    cells = pl.concat([f.cast(_CELL) for f in (*frames, *rest_parts)], how="vertical")
    return cells.filter(pl.col("n") > 0).sort("measure", "year", "scope", "item")


def _answers(satisfaction: pl.DataFrame) -> pl.DataFrame:
    by_region = satisfaction.group_by("year", "region_code").agg(pl.col("nb_reponses").sum().alias("n")).select(
        pl.lit("answers").alias("measure"), "year", pl.lit(ALL).alias("scope"), pl.col("region_code").alias("item"), "n")
    total = satisfaction.group_by("year").agg(pl.col("nb_reponses").sum().alias("n")).select(
        pl.lit("answers").alias("measure"), "year", pl.lit(ALL).alias("scope"), pl.lit(TOTAL).alias("item"), "n")
    return pl.concat([by_region, total])


def year_bit(years: list[int]) -> pl.Expr:
    return pl.col("year").replace_strict({y: 1 << (y - min(years)) for y in years}, return_dtype=pl.Int64)


def range_bits(years: list[int], start: int, end: int) -> int:
    return sum(1 << (y - min(years)) for y in range(start, end + 1))


def _contacts(gold: Gold, years: list[int], establishments: bool) -> pl.DataFrame:
    """One row per (scope, person version, year or age, kind) contact, with its year bit."""
    keys = ["patient_key", "person", "year", "region", "finess"]
    cons = gold.consultations.filter(pl.col("person").is_not_null()).select(keys).unique()
    hosp = gold.hospitalisations.filter(pl.col("person").is_not_null()).select(
        *keys, "age_a_l_admission").unique()
    both = pl.concat([
        cons.with_columns(pl.lit(False).alias("hospitalised"), pl.lit(None, dtype=pl.Int32).alias("age_a_l_admission")),
        hosp.with_columns(pl.lit(True).alias("hospitalised")),
    ], how="diagonal_relaxed")
    return scoped(both, establishments).with_columns(year_bit(years).alias("bit"))


def people_masks(gold: Gold, years: list[int]) -> pl.DataFrame:
    """Per scope, the number of people for each (seen years, hospitalised years) pair of masks."""
    contacts = _contacts(gold, years, establishments=True)
    per_person = contacts.group_by("scope", "person").agg(
        pl.col("bit").bitwise_or().alias("seen"),
        pl.col("bit").filter(pl.col("hospitalised")).bitwise_or().fill_null(0).alias("hosp"),
    )
    return per_person.group_by("scope", "seen", "hosp").agg(pl.len().cast(pl.Int64).alias("people"))


def _band(age: pl.Expr) -> pl.Expr:
    return (
        pl.when(age.is_null() | (age < 0)).then(pl.lit("unknown"))
        .when(age < 18).then(pl.lit("0-17")).when(age < 40).then(pl.lit("18-39"))
        .when(age < 65).then(pl.lit("40-64")).when(age < 80).then(pl.lit("65-79")).otherwise(pl.lit("80+"))
    )


def group_masks(gold: Gold, years: list[int]) -> pl.DataFrame:
    """Per scope (group and regions), sex and age band ('all' for the totals), the number of
    people for each (seen years, hospitalised years) pair of masks."""
    contacts = _contacts(gold, years, establishments=False).join(
        gold.people.select("patient_key", "sexe", "annee_naissance"), on="patient_key", how="left")
    age = pl.when(pl.col("hospitalised")).then(pl.col("age_a_l_admission")).otherwise(
        pl.col("year") - pl.col("annee_naissance"))
    contacts = contacts.with_columns(pl.col("sexe").fill_null("unknown"), _band(age).alias("age_band"))
    masks = [
        pl.col("bit").bitwise_or().alias("seen"),
        pl.col("bit").filter(pl.col("hospitalised")).bitwise_or().fill_null(0).alias("hosp"),
    ]
    member = contacts.group_by("scope", "person", "sexe", "age_band").agg(masks)
    by_sex = member.group_by("scope", "person", "sexe").agg(
        pl.col("seen").bitwise_or(), pl.col("hosp").bitwise_or()).with_columns(pl.lit("all").alias("age_band"))
    by_band = member.group_by("scope", "person", "age_band").agg(
        pl.col("seen").bitwise_or(), pl.col("hosp").bitwise_or()).with_columns(pl.lit("all").alias("sexe"))
    columns = ["scope", "person", "sexe", "age_band", "seen", "hosp"]
    every = pl.concat([member.select(columns), by_sex.select(columns), by_band.select(columns)])
    return every.group_by("scope", "sexe", "age_band", "seen", "hosp").agg(pl.len().cast(pl.Int64).alias("people"))


def count_in_range(masks: pl.DataFrame, keys: list[str], bits: int) -> pl.DataFrame:
    """People seen and hospitalised in the range whose year bits are ``bits``, per ``keys``."""
    return masks.group_by(keys).agg(
        pl.col("people").filter((pl.col("seen") & bits) != 0).sum().alias("seen"),
        pl.col("people").filter((pl.col("hosp") & bits) != 0).sum().alias("hospitalised"),
    ).filter(pl.col("seen") > 0)


@dataclass(frozen=True)
class Satisfaction:
    """Answer-weighted scores: per region of the fact and year, and per establishment and year."""

    regions: pl.DataFrame
    establishments: pl.DataFrame


def satisfaction(gold: Gold) -> Satisfaction:
    sat = gold.satisfaction.with_columns((pl.col("score_global") * pl.col("nb_reponses")).alias("weighted"))
    regions = sat.select("year", pl.col("region_code").alias("region"), "etablissement_key", "nb_reponses", "weighted")
    establishments = sat.filter(pl.col("finess").is_not_null()).group_by("finess", "year").agg(
        pl.col("nb_reponses").sum(), pl.col("weighted").sum(), pl.col("etab_region").first().alias("region"),
    ).with_columns((pl.col("weighted") / pl.col("nb_reponses")).alias("score"))
    return Satisfaction(regions, establishments.sort("finess", "year"))


def satisfaction_in_range(sat: Satisfaction, start: int, end: int) -> pl.DataFrame:
    """Per region of the fact and for the whole group (``all``): answers, weighted sum, the
    answer-weighted score and the count of distinct establishments, as SATISFACTION_BY_REGION."""
    rows = sat.regions.filter(pl.col("year").is_between(start, end))
    per_region = rows.group_by("region").agg(
        pl.col("nb_reponses").sum().alias("answers"), pl.col("weighted").sum(),
        pl.col("etablissement_key").n_unique().alias("establishments"))
    whole = rows.select(pl.lit(ALL).alias("region"), pl.col("nb_reponses").sum().alias("answers"),
                        pl.col("weighted").sum(), pl.col("etablissement_key").n_unique().alias("establishments"))
    both = pl.concat([per_region, whole.cast(per_region.schema)])
    return both.with_columns((pl.col("weighted") / pl.col("answers")).alias("score"))
