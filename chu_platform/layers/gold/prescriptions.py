"""gold/dim_medicament and gold/fact_prescription: medicines and what was prescribed, keyed
on the star's dimensions through the consultation."""

from __future__ import annotations

import polars as pl

from chu_platform.layers.gold.keys import UNKNOWN_KEY, lookup, surrogate_keys

DIM_MEDICAMENT_COLUMNS = ("medicament_key", "code_cis", "denomination", "forme_pharmaceutique",
                          "voies_administration", "statut_amm", "commercialise", "date_amm", "titulaire")
PRESCRIPTION_COLUMNS = (
    "consultation_id", "medicament_key", "date_key", "year", "patient_key", "professionnel_key", "diagnostic_key",
    "etablissement_key",
)


def build_dim_medicament(medicaments: pl.DataFrame) -> pl.DataFrame:
    """One row per CIS code; -1 is the unknown medicine."""
    dim = medicaments.with_columns(surrogate_keys("medicament", medicaments["code_cis"]).alias("medicament_key"))
    unknown = pl.DataFrame({"medicament_key": [UNKNOWN_KEY], "code_cis": ["unknown"],
                            "denomination": ["Médicament inconnu"]}, schema_overrides={"medicament_key": pl.Int64})
    return pl.concat([dim.select(DIM_MEDICAMENT_COLUMNS).sort("code_cis"), unknown], how="diagonal_relaxed").select(
        DIM_MEDICAMENT_COLUMNS
    )


def build_fact_prescription(prescriptions: pl.DataFrame, consultations: pl.DataFrame,
                            dim_medicament: pl.DataFrame) -> pl.DataFrame:
    """One row per medicine prescribed at a consultation, in the consultation's year, with
    the consultation's keys (patient version, professional, diagnosis, establishment)."""
    keyed = lookup(prescriptions, "code_cis", dim_medicament.filter(pl.col("medicament_key") != UNKNOWN_KEY),
                   "code_cis", "medicament_key")
    visit = consultations.select("consultation_id", "date_key", "patient_key", "professionnel_key", "diagnostic_key",
                                 "etablissement_key")
    facts = keyed.join(visit, on="consultation_id", how="left").with_columns(
        *(pl.col(k).fill_null(UNKNOWN_KEY) for k in ("date_key", "patient_key", "professionnel_key", "diagnostic_key")),
    )
    return facts.select(PRESCRIPTION_COLUMNS).cast(
        {"year": pl.Int32, "date_key": pl.Int32, "medicament_key": pl.Int64}
    ).sort("consultation_id", "medicament_key")
