"""Per-year pre-aggregates of the eight analyses, and answering from them.

Each analysis has a small gold table ``gold/agg_<analysis>``, partitioned by year: the exact
(unmasked) counts of one calendar year, keyed by the dimension the analysis breaks down by
(labels are joined from the dimensions when answering). ``run_analysis`` answers from it when
the question allows it and falls back to the facts otherwise:

* the period is whole calendar years;
* counts of events add up over years; counts of distinct people (hospitalisation rates) and
  of distinct establishments (satisfaction) do not, so those serve one year only;
* a filter that restricts the events counted needs the facts; one that only chooses the rows
  shown (``consultations_by_establishment --establishment F``) does not;
* every row of a year carries ``_inputs``, the fingerprint of the gold files it was computed
  from (``Snapshot.fingerprint``). The aggregate serves a year only if that fingerprint equals
  the one of the files the connection reads now: a fact year rewritten after the aggregate
  sends the question back to the facts, never to a stale answer.

The aggregate of a year is computed with the analysis' own fact SQL pieces, so both paths
count alike; the tests compare them on every analysis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb
import polars as pl

from chu_platform.marts import sql
from chu_platform.marts.periods import Period
from chu_platform.marts.snapshot import Snapshot

INPUTS = "_inputs"
_YEARS = "year BETWEEN $from_year AND $to_year"


@dataclass(frozen=True)
class Aggregate:
    analysis: str
    grain: str
    build: str
    serve: str
    per_year: tuple[str, ...]
    whole: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    additive: bool = True

    @property
    def table(self) -> str:
        return f"agg_{self.analysis}"


def _summed(analysis: str, key: str, measure: str, with_total: bool = True) -> str:
    total = f", sum(sum({measure})) OVER () AS denominator" if with_total else ""
    return (
        f"SELECT {key}, sum({measure})::BIGINT AS numerator{total} "
        f"FROM agg_{analysis} WHERE {_YEARS} GROUP BY 1"
    )


def _count(fact: str, key: str, measure: str, where: str) -> str:
    return f"SELECT {key}, count(*) AS {measure} FROM {fact} f WHERE {where} GROUP BY 1"


_CONSULTATIONS = sql.where("date_key")
_STAYS = sql.where("date_entree_key")

AGGREGATES: dict[str, Aggregate] = {
    a.analysis: a
    for a in (
        Aggregate(
            "consultations_by_establishment", "One row per year and establishment (-1: unknown)",
            _count("fact_consultation", "coalesce(f.etablissement_key, -1) AS etablissement_key", "consultations", _CONSULTATIONS),
            sql.establishment_shares(_summed("consultations_by_establishment", "etablissement_key", "consultations")),
            ("fact_consultation",), filters=("establishment",),
        ),
        Aggregate(
            "consultations_by_diagnosis", "One row per year and diagnosis (-1: unknown)",
            _count("fact_consultation", "coalesce(f.diagnostic_key, -1) AS diagnostic_key", "consultations", _CONSULTATIONS),
            sql.diagnosis_shares(_summed("consultations_by_diagnosis", "diagnostic_key", "consultations")),
            ("fact_consultation",), filters=("diagnosis",),
        ),
        Aggregate(
            "hospitalisation_rate", "One row per year",
            f"SELECT numerator, denominator, rate FROM ({sql.HOSPITALISATION_RATE})",
            f"SELECT numerator, denominator, rate FROM agg_hospitalisation_rate WHERE {_YEARS}",
            ("fact_consultation", "fact_hospitalisation"), whole=("dim_patient",), additive=False,
        ),
        Aggregate(
            "hospitalisations_by_diagnosis", "One row per year and diagnosis (-1: unknown)",
            _count("fact_hospitalisation", "coalesce(f.diagnostic_key, -1) AS diagnostic_key", "stays", _STAYS),
            sql.diagnosis_shares(_summed("hospitalisations_by_diagnosis", "diagnostic_key", "stays")),
            ("fact_hospitalisation",), filters=("diagnosis",),
        ),
        Aggregate(
            "hospitalisations_by_sex_age", "One row per year, sex and age band, plus the 'all' totals",
            f"SELECT sexe, age_band, numerator, denominator, rate FROM ({sql.HOSPITALISATIONS_BY_SEX_AGE})",
            "SELECT sexe, age_band, numerator, denominator, rate FROM agg_hospitalisations_by_sex_age "
            f"WHERE {_YEARS} ORDER BY sexe = 'all', sexe, age_band = 'all', age_band",
            ("fact_consultation", "fact_hospitalisation"), whole=("dim_patient",), additive=False,
        ),
        Aggregate(
            "consultations_by_professional", "One row per year and professional",
            _count("fact_consultation", "f.professionnel_key", "consultations", _CONSULTATIONS),
            sql.professional_shares(_summed("consultations_by_professional", "professionnel_key", "consultations", False)),
            ("fact_consultation",),
        ),
        Aggregate(
            "deaths_by_region", "One row per year and region of death",
            _count("fact_deces", "coalesce(f.region_code, 'unknown') AS region_code", "deaths", sql.where("date_deces_key")),
            sql.region_deaths(
                "SELECT region_code, sum(deaths)::BIGINT AS deaths, sum(sum(deaths)) OVER () AS denominator "
                f"FROM agg_deaths_by_region WHERE {_YEARS} GROUP BY 1"
            ),
            ("fact_deces",),
        ),
        Aggregate(
            "satisfaction_by_region", "One row per year and region",
            "SELECT region_code, nb_etablissements, nb_reponses, numerator FROM ("
            + sql.SATISFACTION_BY_REGION + ")",
            sql.region_satisfaction(
                "SELECT region_code, nb_etablissements, nb_reponses, numerator "
                f"FROM agg_satisfaction_by_region WHERE {_YEARS}"
            ),
            ("fact_satisfaction",), additive=False,
        ),
    )
}


def parameters(text: str) -> tuple[str, ...]:
    """The named parameters of a SQL text, in order of first use."""
    return tuple(dict.fromkeys(re.findall(r"\$([a-z_]+)", text)))


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
        if got != {snapshot.fingerprint(aggregate.per_year, aggregate.whole, year)}:
            return f"gold/{aggregate.table} of {year} was computed from other gold files than the current ones"
    return None


def compute(con: duckdb.DuckDBPyConnection, snapshot: Snapshot, name: str, year: int) -> pl.DataFrame:
    """The aggregate rows of ``year``, from the facts, with the fingerprint of what was read."""
    aggregate = AGGREGATES[name]
    period = Period.year(year)
    values = {**period.params(), "establishment": None, "diagnosis": None}
    text = snapshot.rewrite(con, aggregate.build, (*aggregate.per_year, *aggregate.whole), period.year_range)
    df = pl.from_arrow(con.sql(text, params={p: values[p] for p in parameters(text)}).to_arrow_table())
    return df.select(
        pl.lit(year, dtype=pl.Int32).alias("year"),
        pl.all(),
        pl.lit(snapshot.fingerprint(aggregate.per_year, aggregate.whole, year)).alias(INPUTS),
    )
