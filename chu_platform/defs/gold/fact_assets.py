"""Gold facts, one year partition at a time, each year one data file sorted on the columns
the analyses filter and group on.

The facts write their Delta table themselves (through delta_store) instead of returning a
frame to the IO manager, so the sort order and the file count are decided here. A partition
write produces one Parquet file per year, so there is nothing left to compact; sorting on
the date first clusters each row group on a date range (periods prune row groups), then on
the keys the analyses group by. Readers still load them through the IO manager: the
location is the same.
"""

import dagster as dg
import polars as pl

from chu_platform.defs.resources import ChuSettings
from chu_platform.defs.silver.metadata import table_metadata
from chu_platform.gold import facts
from chu_platform.lib import delta_store
from chu_platform.partitions import yearly_partitions

KINDS = {"polars", "delta"}

# The columns the analyses filter and group on most, in sort order.
SORT_ORDER = {
    "fact_consultation": ("date_key", "etablissement_key", "diagnostic_key"),
    "fact_hospitalisation": ("date_entree_key", "diagnostic_key", "etablissement_key"),
    "fact_deces": ("date_deces_key", "region_code"),
    "fact_satisfaction": ("region_code", "etablissement_key"),
}


def write_fact(context: dg.AssetExecutionContext, settings: ChuSettings, table: str, df: pl.DataFrame, **extra):
    year = int(context.partition_key)
    uri = settings.table_uri("gold", table)
    df = df.sort(list(SORT_ORDER[table]), nulls_last=True, maintain_order=True)
    written = delta_store.write_years(df, uri, [year])
    files = len(delta_store.current_files(uri, years=[year]))
    return dg.MaterializeResult(metadata=table_metadata(
        df, partition=str(year), row_count=written.rows, delta_version=written.version,
        table_uri=dg.MetadataValue.path(uri), sorted_by=", ".join(SORT_ORDER[table]),
        files_in_partition=files, **extra,
    ))


def _dim(table: str) -> dg.AssetIn:
    return dg.AssetIn(["gold", table])


@dg.asset(
    key=["gold", "fact_consultation"], group_name="gold", kinds=KINDS, partitions_def=yearly_partitions,
    ins={"consultations": dg.AssetIn(["silver", "consultations"]), "patients": _dim("dim_patient"),
         "professionnels": _dim("dim_professionnel"), "diagnostics": _dim("dim_diagnostic")},
)
def fact_consultation(
    context: dg.AssetExecutionContext, settings: ChuSettings, consultations: pl.DataFrame, patients: pl.DataFrame,
    professionnels: pl.DataFrame, diagnostics: pl.DataFrame,
) -> dg.MaterializeResult:
    """One row per consultation, in the year of the consultation; establishment through the professional's activity."""
    df = facts.build_fact_consultation(consultations, patients, professionnels, diagnostics)
    unlinked = int(df["etablissement_key"].is_null().sum())
    return write_fact(
        context, settings, "fact_consultation", df, without_establishment=unlinked,
        without_establishment_share=round(unlinked / df.height, 4) if df.height else 0.0,
        unknown_diagnosis=int((df["diagnostic_key"] == -1).sum()),
    )


@dg.asset(
    key=["gold", "fact_hospitalisation"], group_name="gold", kinds=KINDS, partitions_def=yearly_partitions,
    ins={"stays": dg.AssetIn(["silver", "hospitalisations"]), "patients": _dim("dim_patient"),
         "etablissements": _dim("dim_etablissement"), "diagnostics": _dim("dim_diagnostic")},
)
def fact_hospitalisation(
    context: dg.AssetExecutionContext, settings: ChuSettings, stays: pl.DataFrame, patients: pl.DataFrame,
    etablissements: pl.DataFrame, diagnostics: pl.DataFrame,
) -> dg.MaterializeResult:
    """One row per hospital stay, in the year of admission."""
    df = facts.build_fact_hospitalisation(stays, patients, etablissements, diagnostics)
    return write_fact(
        context, settings, "fact_hospitalisation", df,
        unknown_establishment=int((df["etablissement_key"] == -1).sum()),
        unknown_diagnosis=int((df["diagnostic_key"] == -1).sum()),
    )


@dg.asset(
    key=["gold", "fact_deces"], group_name="gold", kinds=KINDS, partitions_def=yearly_partitions,
    ins={"deaths": dg.AssetIn(["silver", "deaths"])},
)
def fact_deces(context: dg.AssetExecutionContext, settings: ChuSettings, deaths: pl.DataFrame) -> dg.MaterializeResult:
    """One row per deceased person, in the year of death (after de-duplication across register files)."""
    df = facts.build_fact_deces(deaths)
    return write_fact(
        context, settings, "fact_deces", df, incomplete_date=int((df["date_deces_key"] == -1).sum()),
        abroad=int((df["departement_code"] == "abroad").sum()),
    )


@dg.asset(
    key=["gold", "fact_satisfaction"], group_name="gold", kinds=KINDS, partitions_def=yearly_partitions,
    ins={"scores": dg.AssetIn(["silver", "satisfaction"]), "etablissements": _dim("dim_etablissement")},
)
def fact_satisfaction(
    context: dg.AssetExecutionContext, settings: ChuSettings, scores: pl.DataFrame, etablissements: pl.DataFrame
) -> dg.MaterializeResult:
    """One row per establishment site surveyed by e-Satis 48h MCO in the year."""
    df = facts.build_fact_satisfaction(scores, etablissements)
    return write_fact(context, settings, "fact_satisfaction", df, without_score=int(df["score_global"].is_null().sum()))
