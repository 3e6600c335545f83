"""dim_etablissement, dim_professionnel, dim_diagnostic from silver entities."""

from __future__ import annotations

import polars as pl

from chu_platform.layers.gold.cim10 import chapter
from chu_platform.layers.gold.keys import UNKNOWN_KEY, lookup, surrogate_keys
from chu_platform.layers.silver.geography import UNKNOWN

ETABLISSEMENT_COLUMNS = (
    "etablissement_key", "finess", "raison_sociale", "commune", "code_postal", "departement_code",
    "region_code", "categorie", "identifiant_organisation",
)


def _with_unknown(df: pl.DataFrame, key: str, values: dict) -> pl.DataFrame:
    """``df`` preceded by its unknown member: key -1, the given values, nulls elsewhere."""
    member = {column: values.get(column) for column in df.columns} | {key: UNKNOWN_KEY}
    return pl.concat([pl.DataFrame([member], schema=df.schema), df])


def build_dim_etablissement(establishments: pl.DataFrame, satisfaction: pl.DataFrame) -> pl.DataFrame:
    """One row per establishment site (FINESS), including sites known only from e-Satis."""
    surveyed = (
        satisfaction.sort("year", descending=True)
        .unique("finess", keep="first")
        .join(establishments.select("finess"), on="finess", how="anti")
        .select(
            "finess", "raison_sociale",
            pl.lit(None, dtype=pl.String).alias("commune"), pl.lit(None, dtype=pl.String).alias("code_postal"),
            "departement_code", "region_code",
            pl.lit(None, dtype=pl.String).alias("categorie"), pl.lit(None, dtype=pl.String).alias("identifiant_organisation"),
        )
    )
    base = pl.concat([establishments.select(ETABLISSEMENT_COLUMNS[1:]), surveyed]).sort("finess")
    dim = base.with_columns(surrogate_keys("etablissement", base["finess"]).alias("etablissement_key"))
    dim = dim.select(ETABLISSEMENT_COLUMNS)
    return _with_unknown(dim, "etablissement_key", {"departement_code": UNKNOWN, "region_code": UNKNOWN, "raison_sociale": "Inconnu"})


def build_dim_professionnel(professionals: pl.DataFrame, dim_etablissement: pl.DataFrame) -> pl.DataFrame:
    """One row per professional, attached to the establishment of their main activity (-1 if none)."""
    known = dim_etablissement.filter(pl.col("identifiant_organisation").is_not_null())
    dim = lookup(professionals, "identifiant_organisation", known, "identifiant_organisation", "etablissement_key")
    dim = dim.with_columns(surrogate_keys("professionnel", dim["identifiant"]).alias("professionnel_key")).select(
        "professionnel_key", "identifiant", "civilite", "categorie", "profession", "specialite", "etablissement_key",
    ).sort("identifiant")
    return _with_unknown(dim, "professionnel_key", {"identifiant": "unknown", "etablissement_key": UNKNOWN_KEY})


def build_dim_diagnostic(diagnoses: pl.DataFrame) -> pl.DataFrame:
    """One row per CIM-10 code of the reference, with its chapter."""
    dim = diagnoses.with_columns(surrogate_keys("diagnostic", diagnoses["code_diag"]).alias("diagnostic_key"))
    dim = dim.with_columns(*chapter(pl.col("code_diag"))).select(
        "diagnostic_key", "code_diag", "libelle", "chapitre", "chapitre_libelle"
    ).sort("code_diag")
    return _with_unknown(dim, "diagnostic_key", {"code_diag": "unknown", "libelle": "Diagnostic inconnu"})
