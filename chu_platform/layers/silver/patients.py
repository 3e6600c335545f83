"""silver/patients: one row per patient, pseudonymised, from the care database."""

from __future__ import annotations

import polars as pl

from chu_platform.layers.silver import conform, geography
from chu_platform.layers.silver.dedup import latest_per_key
from chu_platform.layers.silver.pseudonym import pseudonymise

# Source columns that identify a person directly: they never pass into silver.
DIRECT_IDENTIFIERS = ("nom", "prenom", "adresse", "email", "tel", "num_secu", "date", "code_postal", "ville")

_FRANCE = ("FRANCE", "FR", "FRA")


def main_membership(memberships: pl.DataFrame) -> pl.DataFrame:
    """One mutual insurer per patient (the lowest insurer id when a patient has several)."""
    return (
        memberships.select(
            conform.text("id_patient").alias("id_patient"), conform.text("id_mut").alias("mutuelle_id")
        )
        .drop_nulls()
        .sort("id_patient", "mutuelle_id")
        .unique("id_patient", keep="first", maintain_order=True)
    )


def build_patients(patients: pl.DataFrame, memberships: pl.DataFrame, key: str) -> pl.DataFrame:
    """Typed, deduplicated, pseudonymised patients: birth year, département, insurer.

    Postal code becomes the département (``abroad`` when the country is not France);
    the birth date becomes the birth year.
    """
    latest = latest_per_key(patients.with_columns(conform.text("id_patient").alias("id_patient")), ["id_patient"])
    latest = latest.filter(pl.col("id_patient").is_not_null())
    country = conform.text("pays").str.to_uppercase()
    birth = conform.insee_date_parts("date", "naissance")[0]
    departement = (
        pl.when(country.is_not_null() & ~country.is_in(_FRANCE))
        .then(pl.lit(geography.ABROAD))
        .otherwise(geography.from_postal_code(pl.col("code_postal")))
    )
    typed = latest.select(
        pl.col("id_patient"),
        conform.sex("sexe").alias("sexe"),
        birth.alias("annee_naissance"),
        *geography.settle(departement),
        conform.text("groupe_sanguin").str.to_uppercase().alias("groupe_sanguin"),
        conform.number("poid").alias("poids_kg"),
        conform.number("taille").alias("taille_cm"),
    )
    typed = typed.join(main_membership(memberships), on="id_patient", how="left")
    return typed.with_columns(pseudonymise(typed["id_patient"], key).alias("patient_pseudo")).select(
        "patient_pseudo", "sexe", "annee_naissance", "departement_code", "region_code",
        "mutuelle_id", "groupe_sanguin", "poids_kg", "taille_cm",
    ).sort("patient_pseudo")
