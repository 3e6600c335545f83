"""The eight analyses as one API shared by the mart assets, ``chu query`` and the benchmarks.

    con = connect_gold(settings.lake)
    df = run_analysis(con, "hospitalisation_rate", Period.year(2023), {"establishment": "750712184"})

``run_analysis`` returns the exact figures; ``publish`` (secrecy) masks them for publication.
It answers from the per-year pre-aggregates (``marts/aggregates.py``) when they can answer the
question and match the gold files the connection reads, and from the facts otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import duckdb
import polars as pl

from chu_platform.lib import delta_store, object_store
from chu_platform.layers.marts import aggregates, snapshot, sql
from chu_platform.layers.marts.periods import Period, latest_complete_year
from chu_platform.layers.marts.secrecy import Margin, Secrecy, Split, publish

GOLD_TABLES = (
    "dim_date", "dim_geography", "dim_patient", "dim_etablissement", "dim_professionnel",
    "dim_diagnostic", "fact_consultation", "fact_hospitalisation", "fact_deces",
    "fact_satisfaction",
)
FILTERS = ("establishment", "diagnosis")
_RATE_DEPS = {"rate": ("numerator", "denominator")}
# Patients hospitalised (numerator) and seen but not hospitalised (denominator - numerator)
# make the patients seen: the difference is withheld like any count of people.
_NOT_HOSPITALISED = (Split("numerator", "denominator"),)
_RATE = Secrecy(counts=("numerator", "denominator"), derived=_RATE_DEPS, splits=_NOT_HOSPITALISED)
# Shares: every row's numerator is a part of the denominator all rows show.
_SHARES = Secrecy(counts=("numerator", "denominator"), derived=_RATE_DEPS,
                  margins=(Margin("numerator", total="denominator"),))


def _two_way(count: str) -> tuple[Margin, ...]:
    """Sex x age band with the 'all' margins: each row and column adds up to its 'all' cell,
    and each margin to the overall figure that hospitalisation_rate shows. (A patient whose
    band changes within the period counts in both: the sums are close, not exact, and are
    protected all the same.)"""
    cells = (pl.col("sexe") != "all") & (pl.col("age_band") != "all")
    return (
        Margin(count, ("sexe",), parts=cells, total_row=pl.col("age_band") == "all"),
        Margin(count, ("age_band",), parts=cells, total_row=pl.col("sexe") == "all"),
        Margin(count, parts=(pl.col("sexe") != "all") & (pl.col("age_band") == "all")),
        Margin(count, parts=(pl.col("sexe") == "all") & (pl.col("age_band") != "all")),
    )


# Professionals add up to their specialty's row, specialties and professionals each to the denominator.
_PROFESSIONALS = Secrecy(
    counts=("numerator", "denominator"), derived=_RATE_DEPS,
    margins=(
        Margin("numerator", ("specialite",), parts=pl.col("level") == "professional",
               total_row=pl.col("level") == "specialty"),
        Margin("numerator", parts=pl.col("level") == "specialty", total="denominator"),
        Margin("numerator", parts=pl.col("level") == "professional", total="denominator"),
    ),
)


@dataclass(frozen=True)
class Analysis:
    name: str
    title: str
    numerator: str
    denominator: str
    sql: str
    columns: tuple[str, ...]
    facts: tuple[str, ...]
    secrecy: Secrecy = _RATE
    filters: tuple[str, ...] = FILTERS
    yearly: bool = False
    order: Callable[[pl.DataFrame], pl.DataFrame] | None = None
    # The grain, stated once: the columns naming one published row within a year (the mart),
    # and the dimension keys naming one row of the year's pre-aggregate (gold/agg_<name>).
    key: tuple[str, ...] = ()
    aggregate_key: tuple[str, ...] = ()

    @cached_property
    def tables(self) -> tuple[str, ...]:
        """The gold tables the SQL reads."""
        return tuple(t for t in GOLD_TABLES if re.search(rf"\b{t}\b", self.sql))

    @property
    def parameters(self) -> tuple[str, ...]:
        """The named SQL parameters of ``sql``, in order of first use."""
        return tuple(dict.fromkeys(re.findall(r"\$([a-z_]+)", self.sql)))


_SHARE = ("numerator", "denominator", "rate")

ANALYSES: dict[str, Analysis] = {
    a.name: a
    for a in (
        Analysis(
            "consultations_by_establishment", "Consultation rate per establishment",
            "consultations at the establishment", "all consultations",
            sql.CONSULTATIONS_BY_ESTABLISHMENT, ("finess", "raison_sociale", "commune", *_SHARE),
            ("fact_consultation",), secrecy=_SHARES,
            key=("finess",), aggregate_key=("etablissement_key",),
        ),
        Analysis(
            "consultations_by_diagnosis", "Consultation rate per diagnosis",
            "consultations with the diagnosis", "all consultations",
            sql.CONSULTATIONS_BY_DIAGNOSIS, ("code_diag", "libelle", "chapitre", *_SHARE),
            ("fact_consultation",), secrecy=_SHARES,
            key=("code_diag",), aggregate_key=("diagnostic_key",),
        ),
        Analysis(
            "hospitalisation_rate", "Global hospitalisation rate",
            "distinct patients hospitalised", "distinct patients seen (consulted or hospitalised)",
            sql.HOSPITALISATION_RATE, _SHARE, ("fact_consultation", "fact_hospitalisation"),
            key=(), aggregate_key=(),
        ),
        Analysis(
            "hospitalisations_by_diagnosis", "Hospitalisation rate per diagnosis",
            "hospitalisations with the diagnosis", "all hospitalisations",
            sql.HOSPITALISATIONS_BY_DIAGNOSIS, ("code_diag", "libelle", "chapitre", *_SHARE),
            ("fact_hospitalisation",), secrecy=_SHARES,
            key=("code_diag",), aggregate_key=("diagnostic_key",),
        ),
        Analysis(
            "hospitalisations_by_sex_age", "Hospitalisation rate by sex and age band",
            "distinct hospitalised patients of the group", "distinct patients of the group seen",
            sql.HOSPITALISATIONS_BY_SEX_AGE, ("sexe", "age_band", *_SHARE),
            ("fact_consultation", "fact_hospitalisation"),
            secrecy=Secrecy(counts=("numerator", "denominator"), derived=_RATE_DEPS,
                            margins=(*_two_way("numerator"), *_two_way("denominator")),
                            splits=_NOT_HOSPITALISED),
            key=("sexe", "age_band"), aggregate_key=("sexe", "age_band"),
        ),
        Analysis(
            "consultations_by_professional", "Consultation rate per professional and per specialty",
            "consultations by the professional (or specialty)", "all consultations",
            sql.CONSULTATIONS_BY_PROFESSIONAL,
            ("level", "identifiant", "civilite", "profession", "specialite", "raison_sociale", *_SHARE),
            ("fact_consultation",),
            secrecy=_PROFESSIONALS,
            order=lambda df: df.sort(
                [pl.col("level") == "professional", "numerator", "specialite", "identifiant"],
                descending=[False, True, False, False],
                nulls_last=True,
            ),
            key=("level", "identifiant", "specialite"), aggregate_key=("level", "professionnel_key", "specialite"),
        ),
        Analysis(
            "deaths_by_region", "Deaths per region",
            "deaths whose place of death is in the region", "all deaths of the year",
            sql.DEATHS_BY_REGION, ("region_code", "region_nom", "deaths", *_SHARE),
            ("fact_deces",),
            secrecy=Secrecy(
                counts=("deaths", "numerator", "denominator"),
                derived={"rate": ("numerator", "denominator")},
                margins=(Margin("deaths", total="denominator"), Margin("numerator", total="denominator")),
            ),
            filters=(),
            yearly=True,
            key=("region_code",), aggregate_key=("region_code",),
        ),
        Analysis(
            "satisfaction_by_region", "Satisfaction per region (HAS e-Satis)",
            "sum of global scores weighted by answers", "answers (nb_reponses)",
            sql.SATISFACTION_BY_REGION,
            ("region_code", "region_nom", "score", "nb_reponses", "nb_etablissements", *_SHARE),
            ("fact_satisfaction",),
            secrecy=Secrecy(
                counts=("nb_reponses", "denominator"),
                derived={"score": ("nb_reponses",), "numerator": ("nb_reponses",), "rate": ("nb_reponses",)},
            ),
            filters=("establishment",),
            yearly=True,
            key=("region_code",), aggregate_key=("region_code",),
        ),
    )
}


class AnalysisError(ValueError):
    """A question the analyses cannot answer as asked; the message says what to change."""


def get(name: str) -> Analysis:
    try:
        return ANALYSES[name]
    except KeyError:
        raise AnalysisError(f"no analysis '{name}'; choose one of: {', '.join(ANALYSES)}") from None


def connect_gold(
    lake: str,
    storage_options: dict[str, str] | None = None,
    tables: Iterable[str] | None = None,
    copy_small: bool = True,
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per gold table (and aggregate) present in the lake,
    or per table of ``tables`` only (a caller that knows what its SQL reads lists less).
    ``copy_small``: see ``snapshot.Snapshot``.

    The connection is a snapshot of gold: the views read the files current when it opened
    (``snapshot.Snapshot``); open a new one to see later writes.
    """
    con = duckdb.connect()
    object_store.attach_duckdb(con, lake)
    # Delta data files are immutable (a write adds new files), so caching their Parquet
    # footers across queries can never serve stale metadata.
    con.execute("SET parquet_metadata_cache = true")
    names = [*GOLD_TABLES, *(a.table for a in aggregates.AGGREGATES.values())] if tables is None else tables
    uris = {t: delta_store.table_uri(lake, ["gold", t]) for t in names}
    snapshot.Snapshot.open(con, uris, storage_options, copy_small)
    return con


def tables_read(name: str) -> set[str]:
    """Every gold table answering ``name`` may read: its SQL's tables and facts, its
    pre-aggregate, and the dimensions its filters are checked against (``connect_gold(tables=...)``
    then opens these only)."""
    analysis = get(name)
    lookups = {_FILTER_LOOKUPS[f][0].split(" FROM ")[1].split()[0] for f in analysis.filters if f in _FILTER_LOOKUPS}
    return {*analysis.tables, *analysis.facts, aggregates.AGGREGATES[name].table, *lookups}


def _check(analysis: Analysis, period: Period, filters: Mapping[str, str | None]) -> dict[str, str | None]:
    given = {k: v for k, v in filters.items() if v}
    unknown = sorted(set(given) - set(analysis.filters))
    if unknown:
        accepted = ", ".join(f"--{f}" for f in analysis.filters) or "no filter"
        raise AnalysisError(f"{analysis.name} does not take --{unknown[0]} (it accepts {accepted})")
    if analysis.yearly and period.whole_year is None:
        raise AnalysisError(f"{analysis.name} is computed per calendar year: use --year instead of --from/--to")
    return {f: given.get(f) for f in analysis.filters}


_FILTER_LOOKUPS = {
    "establishment": (
        "SELECT count(*) FROM dim_etablissement WHERE finess = $value",
        "establishment with FINESS", "consultations_by_establishment",
    ),
    "diagnosis": (
        "SELECT count(*) FROM dim_diagnostic WHERE starts_with(code_diag, $value)",
        "diagnosis code starting with", "consultations_by_diagnosis",
    ),
}


def _check_filter_values(con: duckdb.DuckDBPyConnection, filters: Mapping[str, str | None]) -> None:
    """A filter matching nothing is almost always a typo: say so rather than answer zero."""
    state = snapshot.of(con)
    for name, value in filters.items():
        if not value:
            continue
        query, what, listing = _FILTER_LOOKUPS[name]
        if state is not None:
            query = state.rewrite(con, query, GOLD_TABLES, ())
        if con.execute(query, {"value": value}).fetchall() == [(0,)]:
            raise AnalysisError(f"no {what} '{value}' in gold; `chu query {listing}` lists the known ones")


def serving_path(
    con: duckdb.DuckDBPyConnection,
    name: str,
    period: Period,
    filters: Mapping[str, str | None] | None = None,
) -> tuple[str, str]:
    """How ``run_analysis`` answers: ``("aggregate", table)`` or ``("facts", why)``."""
    analysis = get(name)
    chosen = _check(analysis, period, filters or {})
    return _path(con, analysis, period, chosen)


def _path(con, analysis: Analysis, period: Period, filters: dict[str, str | None]) -> tuple[str, str]:
    state = snapshot.of(con)
    aggregate = aggregates.AGGREGATES.get(analysis.name)
    if state is None or aggregate is None:
        return "facts", "not a connection from connect_gold"
    why = aggregates.refusal(aggregate, period, filters)
    if why is None:
        why = aggregates.staleness(con, state, aggregate, period.year_range)
    if why is None:
        return "aggregate", f"gold/{aggregate.table}"
    return "facts", why


def run_analysis(
    con: duckdb.DuckDBPyConnection,
    name: str,
    period: Period,
    filters: Mapping[str, str | None] | None = None,
    use_aggregates: bool = True,
) -> pl.DataFrame:
    """The exact (unmasked) result: the period columns, then ``Analysis.columns``.

    From the pre-aggregate when it can answer and is current (``serving_path``), else from
    the facts; ``use_aggregates=False`` forces the facts (benchmarks, aggregate builds).
    """
    analysis = get(name)
    chosen = _check(analysis, period, filters or {})
    values = {**period.params(), **chosen}
    state = snapshot.of(con)
    try:
        _check_filter_values(con, chosen)
        text, tables = analysis.sql, analysis.tables
        if use_aggregates and _path(con, analysis, period, chosen)[0] == "aggregate":
            aggregate = aggregates.AGGREGATES[name]
            text, tables = aggregates.serve(aggregate, period), (aggregate.table,)
        if state is not None:
            text = state.rewrite(con, text, tables, period.year_range)
        params = {p: values[p] for p in aggregates.parameters(text)}
        table = con.sql(text, params=params).to_arrow_table()
    except duckdb.CatalogException as exc:
        raise AnalysisError(
            f"{name} needs gold tables that are not built yet ({exc}); run `chu run` first"
        ) from None
    df = pl.from_arrow(table)
    if analysis.order is not None:
        df = analysis.order(df)
    return df.select(
        pl.lit(period.start).alias("period_from"),
        pl.lit(period.end).alias("period_to"),
        *analysis.columns,
    )


# A filter on the dimension an analysis breaks down by only chooses the rows shown: secrecy
# is applied to the whole table first, so that a row shows the same cells alone as among the
# others (else asking for each row in turn would show a complementary cell).
_ROW_CHOICE = {"establishment": pl.col("finess"), "diagnosis": pl.col("code_diag")}


def question_refusal(name: str, period: Period, filters: Mapping[str, str | None] | None = None) -> str | None:
    """Why a user who may not lift secrecy may not ask this question, or ``None`` when he may.

    Statistical secrecy holds answer by answer; across answers it holds only if their cells
    are not parts of one another. So without the right to lift secrecy (``CHU_UNMASK_USERS``,
    ``CHU_UNMASK_GROUP``) the questions are on a fixed lattice (docs/secrecy.md):

    * the period is one whole calendar year: two years never overlap, so no difference of
      two answers is a count of its own; any other period (a day range, a span of years) is
      a part or a sum of years, and the difference gives back what a year withholds;
    * a filter only chooses rows of the whole table (``--establishment`` on the per-establishment
      analysis, ``--diagnosis`` on the per-diagnosis ones), which is published first; a filter
      that restricts the events counted makes a table whose cells are parts of the unfiltered
      ones (a prefix of another prefix, one establishment of the whole), and the difference
      gives back a count of 1 to 9.
    """
    analysis = get(name)
    if period.whole_year is None and not analysis.yearly:  # a yearly one refuses with its own message
        return (f"statistical secrecy: {name} is answered for one whole calendar year at a time (--year Y), "
                f"not for {period}: a shorter or longer period would give back withheld counts by "
                "subtraction from the years (docs/secrecy.md)")
    choosing = set(aggregates.AGGREGATES[name].filters)
    restricting = sorted(f for f, value in (filters or {}).items() if value and f in analysis.filters and f not in choosing)
    if restricting:
        return (f"statistical secrecy: --{restricting[0]} on {name} restricts the events counted, and the "
                "difference to the unrestricted answer would give back withheld counts (docs/secrecy.md); "
                + (f"--{sorted(choosing)[0]} on it only chooses rows and may be used"
                   if choosing else f"ask {name} for the whole group"))
    return None


def published(
    con: duckdb.DuckDBPyConnection,
    name: str,
    period: Period,
    filters: Mapping[str, str | None] | None = None,
    secrecy: bool = True,
) -> pl.DataFrame:
    """The result as published: secrecy applied (unless lifted) and the ``masked`` flag."""
    analysis = get(name)
    given = dict(filters or {})
    choosing = {f: v for f, v in given.items() if v and f in aggregates.AGGREGATES[name].filters}
    if not choosing:
        return publish(run_analysis(con, name, period, given), analysis.secrecy, apply=secrecy, order=analysis.key)
    _check_filter_values(con, _check(analysis, period, given))
    whole = run_analysis(con, name, period, {**given, **dict.fromkeys(choosing)})
    shown = publish(whole, analysis.secrecy, apply=secrecy, order=analysis.key)
    for f, value in choosing.items():
        column = _ROW_CHOICE[f]
        shown = shown.filter(column == value if f == "establishment" else column.str.starts_with(value))
    return shown


def published_years(con: duckdb.DuckDBPyConnection, name: str, years: Sequence[int]) -> pl.DataFrame:
    """The answer of each of ``years``, a block per year behind a leading ``year`` column, as
    published: the same cells as ``published(con, name, Period.year(y))`` year by year (secrecy's
    groups and ties never cross a period, ``secrecy.PERIOD_KEYS``), the rules applied once to
    all the blocks rather than once per year."""
    analysis = get(name)
    answers = [run_analysis(con, name, Period.year(year)).select(pl.lit(year, dtype=pl.Int32).alias("year"), pl.all())
               for year in years]
    return publish(pl.concat(answers, how="vertical"), analysis.secrecy, order=analysis.key)


def years_present(con: duckdb.DuckDBPyConnection, name: str) -> list[int]:
    """The years holding data for an analysis (its facts' year partitions)."""
    state = snapshot.of(con)
    if state is not None:
        return sorted(set().union(*(state.years(fact) for fact in get(name).facts)))
    union = " UNION ".join(f"SELECT DISTINCT year FROM {fact}" for fact in get(name).facts)
    try:
        rows = con.execute(f"SELECT year FROM ({union}) ORDER BY year").fetchall()
    except duckdb.CatalogException:
        return []
    return [int(y) for (y,) in rows]


def default_period(con: duckdb.DuckDBPyConnection, name: str, today: date | None = None) -> Period:
    """The latest complete year present in the analysis' data."""
    year = latest_complete_year(years_present(con, name), today)
    if year is None:
        facts = ", ".join(f"gold/{f}" for f in get(name).facts)
        raise AnalysisError(f"{name}: no data in {facts}; run `chu run` first (or give --year)")
    return Period.year(year)
