"""Gold facts, one year partition at a time, each year one data file sorted on the columns
the analyses filter and group on.

The IO manager writes them: a partition write produces one Parquet file per year (nothing
left to compact), sorted as each asset's ``sort_by`` metadata says. Sorting on the date first
clusters each row group on a date range (periods prune row groups), then on the keys the
analyses group by.
"""

import dagster as dg
import polars as pl

from chu_platform.defs.metadata import table_metadata
from chu_platform.gold import facts
from chu_platform.partitions import care_years, deaths_years, hospitalisation_years, satisfaction_years

KINDS = {"polars", "delta"}

# The columns the analyses filter and group on most, in sort order.
SORT_ORDER = {
    "fact_consultation": ("date_key", "etablissement_key", "diagnostic_key"),
    "fact_hospitalisation": ("date_entree_key", "diagnostic_key", "etablissement_key"),
    "fact_deces": ("date_deces_key", "region_code"),
    "fact_satisfaction": ("region_code", "etablissement_key"),
}


def fact(context: dg.AssetExecutionContext, df: pl.DataFrame, **extra) -> pl.DataFrame:
    """``df`` handed to the IO manager, with the metadata every fact reports."""
    context.add_output_metadata(table_metadata(df, partition=context.partition_key, **extra))
    return df


def _spec(table: str, partitions_def: dg.PartitionsDefinition) -> dict:
    return {"key": ["gold", table], "group_name": "gold", "kinds": KINDS, "partitions_def": partitions_def,
            "metadata": {"sort_by": list(SORT_ORDER[table])}}


def _dim(table: str) -> dg.AssetIn:
    return dg.AssetIn(["gold", table])


@dg.asset(
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
    unlinked = int(df["etablissement_key"].is_null().sum())
    return fact(
        context, df, without_establishment=unlinked,
        without_establishment_share=round(unlinked / df.height, 4) if df.height else 0.0,
        unknown_diagnosis=int((df["diagnostic_key"] == -1).sum()),
    )


@dg.asset(
    **_spec("fact_hospitalisation", hospitalisation_years),
    ins={"stays": dg.AssetIn(["silver", "hospitalisations"]), "patients": _dim("dim_patient"),
         "etablissements": _dim("dim_etablissement"), "diagnostics": _dim("dim_diagnostic")},
)
def fact_hospitalisation(
    context: dg.AssetExecutionContext, stays: pl.DataFrame, patients: pl.DataFrame,
    etablissements: pl.DataFrame, diagnostics: pl.DataFrame,
) -> pl.DataFrame:
    """One row per hospital stay, in the year of admission."""
    df = facts.build_fact_hospitalisation(stays, patients, etablissements, diagnostics)
    return fact(
        context, df, unknown_establishment=int((df["etablissement_key"] == -1).sum()),
        unknown_diagnosis=int((df["diagnostic_key"] == -1).sum()),
    )


@dg.asset(
    **_spec("fact_deces", deaths_years),
    ins={"deaths": dg.AssetIn(["silver", "deaths"])},
)
def fact_deces(context: dg.AssetExecutionContext, deaths: pl.DataFrame) -> pl.DataFrame:
    """One row per deceased person, in the year of death (after de-duplication across register files)."""
    df = facts.build_fact_deces(deaths)
    return fact(
        context, df, incomplete_date=int((df["date_deces_key"] == -1).sum()),
        abroad=int((df["departement_code"] == "abroad").sum()),
    )


@dg.asset(
    **_spec("fact_satisfaction", satisfaction_years),
    ins={"scores": dg.AssetIn(["silver", "satisfaction"]), "etablissements": _dim("dim_etablissement")},
)
def fact_satisfaction(
    context: dg.AssetExecutionContext, scores: pl.DataFrame, etablissements: pl.DataFrame
) -> pl.DataFrame:
    """One row per establishment site surveyed by e-Satis 48h MCO in the year."""
    df = facts.build_fact_satisfaction(scores, etablissements)
    return fact(context, df, without_score=int(df["score_global"].is_null().sum()))
