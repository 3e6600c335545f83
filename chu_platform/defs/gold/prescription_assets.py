"""gold/dim_medicament and gold/fact_prescription."""

import dagster as dg
import polars as pl

from chu_platform.defs.metadata import table_metadata
from chu_platform.defs import partitions as yearly
from chu_platform.layers.gold import prescriptions
from chu_platform.defs.partitions import care_years

KINDS = {"polars", "delta"}


@dg.asset(key=["gold", "dim_medicament"], group_name="gold", kinds=KINDS,
          ins={"medicaments": dg.AssetIn(["silver", "medicaments"])})
def dim_medicament(context: dg.AssetExecutionContext, medicaments: pl.DataFrame) -> pl.DataFrame:
    """One row per medicine (CIS code) with its name, form and marketing status; -1 is the unknown medicine."""
    df = prescriptions.build_dim_medicament(medicaments)
    context.add_output_metadata(table_metadata(df, marketed=int(df["commercialise"].fill_null(False).sum())))
    return df


@yearly.asset(
    key=["gold", "fact_prescription"], group_name="gold", kinds=KINDS, partitions_def=care_years,
    metadata={"sort_by": ["date_key", "medicament_key", "etablissement_key"]},
    ins={"prescribed": dg.AssetIn(["silver", "prescriptions"]),
         "consultations": dg.AssetIn(["gold", "fact_consultation"]),
         "medicaments": dg.AssetIn(["gold", "dim_medicament"])},
)
def fact_prescription(
    context: dg.AssetExecutionContext, prescribed: pl.DataFrame, consultations: pl.LazyFrame,
    medicaments: pl.DataFrame,
) -> pl.DataFrame:
    """One row per medicine prescribed at a consultation, in the year of the consultation, with the consultation's keys."""
    df = prescriptions.build_fact_prescription(prescribed, consultations.collect(), medicaments)
    years = sorted(int(k) for k in context.partition_keys)
    context.add_output_metadata(table_metadata(
        df, partition=", ".join(str(y) for y in years),
        unknown_medicament=int((df["medicament_key"] == -1).sum()),
        without_consultation=int((df["patient_key"] == -1).sum()),
        prescriptions_per_consultation=round(df.height / max(df["consultation_id"].n_unique(), 1), 3),
    ))
    return df
