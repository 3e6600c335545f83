"""Gold dimensions built from silver: patients (SCD2), establishments, professionals, diagnoses."""

from collections.abc import Callable
from datetime import UTC, datetime

import dagster as dg
import polars as pl

from chu_platform.defs.metadata import table_metadata, versioned
from chu_platform.defs.resources import ChuSettings
from chu_platform.layers.gold import dimensions, scd2
from chu_platform.layers.silver import care as silver_care
from chu_platform.layers.silver import establishments as silver_establishments
from chu_platform.lib import delta_store

KINDS = {"polars", "delta"}


def _silver(table: str) -> dg.AssetIn:
    return dg.AssetIn(["silver", table])


def _silver_or_empty(context: dg.AssetExecutionContext, settings: ChuSettings, table: str,
                     empty: Callable[[], pl.DataFrame], consequence: str) -> pl.DataFrame:
    """A silver table a dimension only takes members from; with no table yet (its source not
    delivered, or unreadable on a first load) an empty one, and a warning saying what it costs."""
    uri = settings.table_uri("silver", table)
    if delta_store.exists(uri):
        return delta_store.read(uri)
    context.log.warning(f"No silver/{table} table (its file missing, or unreadable on a first load): {consequence}")
    return empty()


@dg.asset(key=["gold", "dim_patient"], group_name="gold", kinds=KINDS, ins={"patients": _silver("patients")})
def dim_patient(context: dg.AssetExecutionContext, settings: ChuSettings, patients: pl.DataFrame) -> dg.Output:
    """One row per patient version (SCD type 2 on département, region and mutual insurer); -1 is the unknown patient."""
    uri = settings.table_uri("gold", "dim_patient")
    previous = delta_store.read(uri) if delta_store.exists(uri) else None
    as_of = datetime.now(UTC).date()
    df = scd2.build_dim_patient(patients, previous, as_of)
    before = 0 if previous is None else previous.height
    context.add_output_metadata(table_metadata(
        df, as_of=str(as_of), patients=int(df["patient_pseudo"].n_unique()) - 1,
        versions_added=df.height - before, closed_versions=int((~df["is_current"]).sum()),
    ))
    return versioned(df)


@dg.asset(
    key=["gold", "dim_etablissement"], group_name="gold", kinds=KINDS,
    deps=[dg.AssetKey(["silver", "establishments"]), dg.AssetKey(["silver", "satisfaction"])],
)
def dim_etablissement(context: dg.AssetExecutionContext, settings: ChuSettings) -> dg.Output:
    """One row per establishment site (FINESS), sites known only from e-Satis included; -1 is the unknown establishment."""
    # Both sources only add members: without one (not delivered, or its file unreadable on a
    # first load) the dimension still exists and the facts name the establishments they can.
    establishments = _silver_or_empty(context, settings, "establishments", silver_establishments.empty,
                                      "dim_etablissement holds only the sites e-Satis names")
    uri = settings.table_uri("silver", "satisfaction")
    satisfaction = delta_store.read(uri) if delta_store.exists(uri) else pl.DataFrame(
        schema={"finess": pl.String, "year": pl.Int32, "raison_sociale": pl.String,
                "departement_code": pl.String, "region_code": pl.String})
    df = dimensions.build_dim_etablissement(establishments, satisfaction)
    context.add_output_metadata(table_metadata(
        df, from_esatis_only=df.height - 1 - establishments.height,
        unknown_departement=int((df["departement_code"] == "unknown").sum()) - 1,
    ))
    return versioned(df)


@dg.asset(
    key=["gold", "dim_professionnel"], group_name="gold", kinds=KINDS,
    deps=[dg.AssetKey(["silver", "professionals"])],
    ins={"etablissements": dg.AssetIn(["gold", "dim_etablissement"])},
)
def dim_professionnel(
    context: dg.AssetExecutionContext, settings: ChuSettings, etablissements: pl.DataFrame
) -> dg.Output:
    """One row per health professional, with the establishment of their main activity (-1 when none is known)."""
    # Like dim_etablissement: a professionals file unreadable on a first load (no silver table
    # yet) leaves the dimension with its unknown member only, and the consultations still build.
    professionals = _silver_or_empty(context, settings, "professionals", silver_care.empty_professionals,
                                     "dim_professionnel holds the unknown member only; consultations name no professional")
    df = dimensions.build_dim_professionnel(professionals, etablissements)
    context.add_output_metadata(table_metadata(
        df, without_establishment=int((df["etablissement_key"] == -1).sum()) - 1,
    ))
    return versioned(df)


@dg.asset(key=["gold", "dim_diagnostic"], group_name="gold", kinds=KINDS, ins={"diagnoses": _silver("diagnoses")})
def dim_diagnostic(context: dg.AssetExecutionContext, diagnoses: pl.DataFrame) -> dg.Output:
    """One row per CIM-10 diagnosis code with its chapter; -1 is the unknown diagnosis."""
    df = dimensions.build_dim_diagnostic(diagnoses)
    context.add_output_metadata(table_metadata(df, chapters=int(df["chapitre"].n_unique())))
    return versioned(df)
