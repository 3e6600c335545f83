"""Per-year pre-aggregates of the eight analyses, and answering from them.

Each analysis has a small gold table ``gold/agg_<analysis>``, partitioned by year: its exact
(unmasked) answer for each calendar year, rows as the fact SQL shapes them (labels included)
plus the key of the dimension it breaks down by. ``run_analysis`` answers from it when the
question allows it and falls back to the facts otherwise:

* the period is whole calendar years;
* counts of events add up over years (several years sum the stored counts per key); counts of
  distinct people (hospitalisation rates), of distinct establishments (satisfaction) and the
  yearly analyses do not, so those serve one year at a time;
* a filter that restricts the events counted needs the facts; one that only chooses the rows
  shown (``consultations_by_establishment --establishment F``) does not;
* every row of a year carries ``_inputs``, the fingerprint of the gold files it was computed
  from (``Snapshot.fingerprint``: the facts of that year and the dimensions it reads). The
  aggregate serves a year only if that fingerprint equals the one of the files the connection
  reads now: a fact year or a dimension rewritten after the aggregate sends the question back
  to the facts, never to a stale answer.

A year's rows are the analysis' own fact SQL run for that year, so both paths count alike;
the tests compare them on every analysis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb
import polars as pl

from chu_platform.layers.marts import sql
from chu_platform.layers.marts.periods import Period
from chu_platform.layers.marts.snapshot import Snapshot

INPUTS = "_inputs"
_YEARS = "year BETWEEN $from_year AND $to_year"


@dataclass(frozen=True)
class Aggregate:
    """``build``: the analysis' rows for one year from the facts. ``one``: the answer for one
    year from the stored rows; ``many``: for several whole years, adding the stored counts up
    (``None`` when they do not add up). ``per_year`` tables are read for the year only,
    ``whole`` ones entirely (labels, people)."""

    analysis: str
    grain: str
    build: str
    one: str
    many: str | None
    per_year: tuple[str, ...]
    whole: tuple[str, ...]
    filters: tuple[str, ...] = ()

    @property
    def table(self) -> str:
        return f"agg_{self.analysis}"

    @property
    def additive(self) -> bool:
        return self.many is not None

    @property
    def reads(self) -> tuple[str, ...]:
        """Every gold table the aggregate is computed from."""
        return (*self.per_year, *self.whole)


_BY_FINESS = "($establishment IS NULL OR finess = $establishment)"
_BY_CODE = "($diagnosis IS NULL OR starts_with(code_diag, $diagnosis))"
_ESTABLISHMENT_ORDER = "ORDER BY numerator DESC, finess NULLS LAST"
_DIAGNOSIS_ORDER = "ORDER BY numerator DESC, code_diag NULLS LAST"
_REGION_ORDER = "ORDER BY region_code IN ('abroad', 'unknown'), region_code"
_SEX_AGE_ORDER = "ORDER BY sexe = 'all', sexe, age_band = 'all', age_band"


def _facts(text: str) -> str:
    return f"SELECT * FROM ({text})"


def _one(analysis: str, where: str = "true", order: str = "") -> str:
    return f"SELECT * FROM agg_{analysis} WHERE year = $from_year AND {where} {order}"


def _shares(analysis: str, key: str, labels: tuple[str, ...], where: str, order: str) -> str:
    """Several whole years: counts added up per key, the total over every key, then the row filter."""
    picked = ", ".join(f"any_value({label}) AS {label}" for label in labels)
    return f"""
WITH counts AS (
    SELECT {key}, {picked}, sum(numerator)::BIGINT AS numerator, sum(sum(numerator)) OVER () AS denominator
    FROM agg_{analysis} WHERE {_YEARS} GROUP BY {key}
)
SELECT {key}, {", ".join(labels)}, numerator, denominator::BIGINT AS denominator, numerator / denominator AS rate
FROM counts WHERE {where} {order}
"""


_PROFESSIONAL_YEARS = f"""
WITH summed AS (
    SELECT level, professionnel_key, specialite, any_value(identifiant) AS identifiant,
           any_value(civilite) AS civilite, any_value(profession) AS profession,
           any_value(raison_sociale) AS raison_sociale, sum(numerator)::BIGINT AS numerator
    FROM agg_consultations_by_professional WHERE {_YEARS}
    GROUP BY level, professionnel_key, specialite
),
total AS (SELECT sum(numerator)::BIGINT AS denominator FROM summed WHERE level = 'professional')
SELECT s.level, s.professionnel_key, s.identifiant, s.civilite, s.profession, s.specialite,
       s.raison_sociale, s.numerator, t.denominator, s.numerator / t.denominator AS rate
FROM summed s, total t
"""

_ESTABLISHMENT = ("finess", "raison_sociale", "commune")
_DIAGNOSIS = ("code_diag", "libelle", "chapitre")

AGGREGATES: dict[str, Aggregate] = {
    a.analysis: a
    for a in (
        Aggregate(
            "consultations_by_establishment", "One row per year and establishment (unknown establishment included)",
            _facts(sql.CONSULTATIONS_BY_ESTABLISHMENT),
            _one("consultations_by_establishment", _BY_FINESS, _ESTABLISHMENT_ORDER),
            _shares("consultations_by_establishment", "etablissement_key", _ESTABLISHMENT, _BY_FINESS,
                    _ESTABLISHMENT_ORDER),
            ("fact_consultation",), ("dim_etablissement",), filters=("establishment",),
        ),
        Aggregate(
            "consultations_by_diagnosis", "One row per year and diagnosis",
            _facts(sql.CONSULTATIONS_BY_DIAGNOSIS),
            _one("consultations_by_diagnosis", _BY_CODE, _DIAGNOSIS_ORDER),
            _shares("consultations_by_diagnosis", "diagnostic_key", _DIAGNOSIS, _BY_CODE, _DIAGNOSIS_ORDER),
            ("fact_consultation",), ("dim_diagnostic",), filters=("diagnosis",),
        ),
        Aggregate(
            "hospitalisation_rate", "One row per year",
            _facts(sql.HOSPITALISATION_RATE), _one("hospitalisation_rate"), None,
            ("fact_consultation", "fact_hospitalisation"), ("dim_patient",),
        ),
        Aggregate(
            "hospitalisations_by_diagnosis", "One row per year and diagnosis",
            _facts(sql.HOSPITALISATIONS_BY_DIAGNOSIS),
            _one("hospitalisations_by_diagnosis", _BY_CODE, _DIAGNOSIS_ORDER),
            _shares("hospitalisations_by_diagnosis", "diagnostic_key", _DIAGNOSIS, _BY_CODE, _DIAGNOSIS_ORDER),
            ("fact_hospitalisation",), ("dim_diagnostic",), filters=("diagnosis",),
        ),
        Aggregate(
            "hospitalisations_by_sex_age", "One row per year, sex and age band, plus per-sex and per-band totals ('all')",
            _facts(sql.HOSPITALISATIONS_BY_SEX_AGE), _one("hospitalisations_by_sex_age", order=_SEX_AGE_ORDER), None,
            ("fact_consultation", "fact_hospitalisation"), ("dim_patient",),
        ),
        Aggregate(
            "consultations_by_professional", "One row per year and professional, plus one per year and specialty",
            _facts(sql.CONSULTATIONS_BY_PROFESSIONAL), _one("consultations_by_professional"), _PROFESSIONAL_YEARS,
            ("fact_consultation",), ("dim_professionnel", "dim_etablissement"),
        ),
        Aggregate(
            "deaths_by_region", "One row per year and region of death (abroad and unknown apart)",
            _facts(sql.DEATHS_BY_REGION), _one("deaths_by_region", order=_REGION_ORDER), None,
            ("fact_deces",), ("dim_geography",),
        ),
        Aggregate(
            "satisfaction_by_region", "One row per year and region",
            _facts(sql.SATISFACTION_BY_REGION), _one("satisfaction_by_region", order=_REGION_ORDER), None,
            ("fact_satisfaction",), ("dim_geography",),
        ),
    )
}


def serve(aggregate: Aggregate, period: Period) -> str:
    """The SQL answering ``period`` (whole years this aggregate may serve) from the stored rows."""
    return aggregate.one if len(period.year_range) == 1 else aggregate.many



def parameters(text: str) -> tuple[str, ...]:
    """The named parameters of a SQL text, in order of first use."""
    return tuple(dict.fromkeys(re.findall(r"\$([a-z_]+)", text)))


def not_built(snapshot: Snapshot, aggregate: Aggregate) -> list[str]:
    """The gold tables ``aggregate`` reads that are not in the snapshot (not built yet)."""
    return [t for t in aggregate.reads if t not in snapshot.tables]


def fingerprint(snapshot: Snapshot, aggregate: Aggregate, year: int) -> str:
    """The fingerprint a current aggregate of ``year`` carries on this snapshot."""
    return snapshot.fingerprint(aggregate.per_year, aggregate.whole, year, aggregate.build)


def refusal(aggregate: Aggregate, period: Period, filters: dict[str, str | None]) -> str | None:
    """Why the question needs the facts, or ``None`` when the aggregate can answer it."""
    years = period.whole_years
    if years is None:
        return "the period is not made of whole calendar years"
    if not aggregate.additive and len(years) > 1:
        return "distinct counts do not add up over years: one year at a time"
    restricting = [f for f, value in filters.items() if value and f not in aggregate.filters]
    if restricting:
        return f"--{restricting[0]} restricts the events counted"
    return None


def staleness(con: duckdb.DuckDBPyConnection, snapshot: Snapshot, aggregate: Aggregate, years: range) -> str | None:
    """Why the aggregate may not answer for ``years`` on this snapshot, or ``None`` if it may."""
    if aggregate.table not in snapshot.tables:
        return f"gold/{aggregate.table} is not built"
    recorded = snapshot.recorded(con, aggregate.table)
    for year in years:
        got = recorded.get(year)
        if got is None:
            if aggregate.additive and not any(snapshot.has_files(t, year) for t in aggregate.per_year):
                continue
            return f"gold/{aggregate.table} has no year {year}"
        if got != {fingerprint(snapshot, aggregate, year)}:
            return f"gold/{aggregate.table} of {year} was computed from other gold files than the current ones"
    return None


def compute(con: duckdb.DuckDBPyConnection, snapshot: Snapshot, name: str, year: int) -> pl.DataFrame:
    """The aggregate rows of ``year``, from the facts, with the fingerprint of what was read."""
    aggregate = AGGREGATES[name]
    period = Period.year(year)
    values = {**period.params(), "establishment": None, "diagnosis": None}
    text = snapshot.rewrite(con, aggregate.build, aggregate.reads, period.year_range)
    df = pl.from_arrow(con.sql(text, params={p: values[p] for p in parameters(text)}).to_arrow_table())
    return df.select(
        pl.lit(year, dtype=pl.Int32).alias("year"),
        pl.all().exclude("year"),
        pl.lit(fingerprint(snapshot, aggregate, year)).alias(INPUTS),
    )
