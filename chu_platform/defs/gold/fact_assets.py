"""Gold facts, any set of years in one step (range runs), each year one data file sorted on the
columns the analyses filter and group on.

The IO manager writes them: a partition write produces one Parquet file per year (nothing
left to compact), sorted as each asset's ``sort_by`` metadata says. Sorting on the date first
clusters each row group on a date range (periods prune row groups), then on the keys the
analyses group by.
"""

from collections.abc import Callable

import dagster as dg
import polars as pl

from chu_platform.defs.metadata import each_year, table_metadata
from chu_platform.layers.gold import facts
from chu_platform.defs import partitions as yearly
from chu_platform.defs.partitions import care_years, deaths_years

KINDS = {"polars", "delta"}

# The columns the analyses filter and group on most, in sort order.
SORT_ORDER = {
    "fact_consultation": ("date_key", "etablissement_key", "diagnostic_key"),
    "fact_hospitalisation": ("date_entree_key", "diagnostic_key", "etablissement_key"),
    "fact_deces": ("date_deces_key", "region_code"),
    "fact_satisfaction": ("region_code", "etablissement_key"),
}


def fact(context: dg.AssetExecutionContext, df: pl.DataFrame,
         extra: Callable[[pl.DataFrame], dict] = lambda df: {}) -> pl.DataFrame:
    """``df`` (the run's years of the fact) handed to the IO manager; each year reports the
    metadata every fact reports, and ``extra(year's rows)``, on its own partition."""
    def build(year: int) -> tuple[pl.DataFrame, dict]:
        rows = df.filter(pl.col("year") == year)
        return rows, table_metadata(rows, **extra(rows))

    return each_year(context, build)


# The reference dimensions a fact's blocking key check reads (``gold/checks.keys_in_dimensions``)
# and its build does not: upstream of the fact, so that any run of it — a backfill's first wave
# too — starts once they exist (``chu_platform_tests/gold/test_check_lineage.py``).
CHECKED_REFERENCES = {
    "fact_consultation": ("dim_date",),
    "fact_hospitalisation": ("dim_date",),
    "fact_deces": ("dim_date", "dim_geography"),
    "fact_satisfaction": ("dim_geography",),
}  # gold/fact_prescription reads gold/fact_consultation, downstream of dim_date already


def _spec(table: str, partitions_def: dg.PartitionsDefinition) -> dict:
    return {"key": ["gold", table], "group_name": "gold", "kinds": KINDS, "partitions_def": partitions_def,
            "metadata": {"sort_by": list(SORT_ORDER[table])},
            "deps": [dg.AssetKey(["gold", dim]) for dim in CHECKED_REFERENCES.get(table, ())]}


def _dim(table: str) -> dg.AssetIn:
    return dg.AssetIn(["gold", table])


@yearly.asset(
    **_spec("fact_consultation", care_years),
    ins={"consultations": dg.AssetIn(["silver", "consultations"]), "patients": _dim("dim_patient"),
         "professionnels": _dim("dim_professionnel"), "diagnostics": _dim("dim_diagnostic")},
)
def fact_consultation(
    context: dg.AssetExecutionContext, consultations: pl.DataFrame, patients: pl.DataFrame,
    professionnels: pl.DataFrame, diagnostics: pl.DataFrame,
) -> pl.DataFrame:
    """One row per consultation, in the year of the consultation; establishment through the professional's activity."""
    df = facts.build_fact_consultation(consultations, patients, professionnels, diagnostics)

    def extra(rows: pl.DataFrame) -> dict:
        unlinked = int(rows["etablissement_key"].is_null().sum())
        return {"without_establishment": unlinked,
                "without_establishment_share": round(unlinked / rows.height, 4) if rows.height else 0.0,
                "unknown_diagnosis": int((rows["diagnostic_key"] == -1).sum())}

    return fact(context, df, extra)


@yearly.asset(
    **_spec("fact_hospitalisation", care_years),
    ins={"stays": dg.AssetIn(["silver", "hospitalisations"]), "patients": _dim("dim_patient"),
         "etablissements": _dim("dim_etablissement"), "diagnostics": _dim("dim_diagnostic")},
)
def fact_hospitalisation(
    context: dg.AssetExecutionContext, stays: pl.DataFrame, patients: pl.DataFrame,
    etablissements: pl.DataFrame, diagnostics: pl.DataFrame,
) -> pl.DataFrame:
    """One row per hospital stay, in the year of admission."""
    df = facts.build_fact_hospitalisation(stays, patients, etablissements, diagnostics)
    return fact(context, df, lambda rows: {
        "unknown_establishment": int((rows["etablissement_key"] == -1).sum()),
        "unknown_diagnosis": int((rows["diagnostic_key"] == -1).sum())})


@yearly.asset(
    **_spec("fact_deces", deaths_years),
    ins={"deaths": dg.AssetIn(["silver", "deaths"])},
)
def fact_deces(context: dg.AssetExecutionContext, deaths: pl.DataFrame) -> pl.DataFrame:
    """One row per deceased person, in the year of death (after de-duplication across register files)."""
    df = facts.build_fact_deces(deaths)
    return fact(context, df, lambda rows: {
        "incomplete_date": int((rows["date_deces_key"] == -1).sum()),
        "abroad": int((rows["departement_code"] == "abroad").sum())})


@yearly.asset(
    **_spec("fact_satisfaction", care_years),
    ins={"scores": dg.AssetIn(["silver", "satisfaction"]), "etablissements": _dim("dim_etablissement")},
)
def fact_satisfaction(
    context: dg.AssetExecutionContext, scores: pl.DataFrame, etablissements: pl.DataFrame
) -> pl.DataFrame:
    """One row per establishment site surveyed by e-Satis 48h MCO in the year."""
    df = facts.build_fact_satisfaction(scores, etablissements)
    return fact(context, df, lambda rows: {"without_score": int(rows["score_global"].is_null().sum())})
