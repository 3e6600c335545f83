"""silver/medicaments and silver/prescriptions: the care database's medicines and prescriptions."""

import dagster as dg
import polars as pl

from chu_platform.defs.metadata import table_metadata
from chu_platform.defs import partitions as yearly
from chu_platform.defs.resources import ChuSettings
from chu_platform.lib import delta_store
from chu_platform.defs.partitions import care_years
from chu_platform.layers.silver import prescriptions

KINDS = {"polars", "delta"}


@dg.asset(
    key=["silver", "medicaments"], group_name="silver", kinds=KINDS,
    ins={"medications": dg.AssetIn(["bronze", "care_medications"])},
)
def silver_medicaments(context: dg.AssetExecutionContext, medications: pl.DataFrame) -> pl.DataFrame:
    """One row per medicine (CIS code of the BDPM): name, form, route, marketing status, holder."""
    df = prescriptions.build_medicaments(medications)
    context.add_output_metadata(table_metadata(
        df, bronze_rows=medications.height, dropped_malformed_or_duplicate=medications.height - df.height,
    ))
    return df


@yearly.asset(
    key=["silver", "prescriptions"], group_name="silver", kinds=KINDS, partitions_def=care_years,
    ins={"bronze_prescriptions": dg.AssetIn(["bronze", "care_prescriptions"]),
         "consultations": dg.AssetIn(["silver", "consultations"])},
)
def silver_prescriptions(
    context: dg.AssetExecutionContext, settings: ChuSettings, bronze_prescriptions: pl.DataFrame,
    consultations: pl.LazyFrame,
) -> pl.DataFrame:
    """One row per medicine prescribed at a consultation, in the consultation's year (no patient: it comes with the consultation)."""
    years = sorted(int(k) for k in context.partition_keys)
    dated = consultations.select("consultation_id", "year", "date_consultation").collect()
    df = prescriptions.build_prescriptions(bronze_prescriptions, dated)
    every = delta_store.scan(settings.table_uri("silver", "consultations")).select("consultation_id").collect()
    per_year = df.group_by("year").len().sort("year")
    context.add_output_metadata(table_metadata(
        df, partition=", ".join(str(y) for y in years), bronze_rows=bronze_prescriptions.height,
        rows_by_year=dg.MetadataValue.json({str(y): n for y, n in per_year.iter_rows()}),
        **prescriptions.problems(bronze_prescriptions, every["consultation_id"]),
    ))
    return df
