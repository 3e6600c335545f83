"""silver/hospitalisations: one row per hospital stay, placed in the year of admission."""

from __future__ import annotations

import polars as pl

from chu_platform.layers.silver import conform
from chu_platform.layers.silver.dedup import latest_per_key
from chu_platform.layers.silver.pseudonym import pseudonymise

_COLUMNS = (
    "hospitalisation_id", "date_entree", "date_sortie", "year", "patient_pseudo", "identifiant_organisation",
    "code_diag", "code_diag_source", "libelle_diag", "duree_sejour_jours",
)


def type_hospitalisations(bronze: pl.DataFrame, key: str) -> pl.DataFrame:
    """Every stay of the file, typed and pseudonymised, with its admission year (null when
    the admission date is missing or impossible — such stays cannot be placed in a year)."""
    latest = latest_per_key(
        bronze.with_columns(conform.text("num_hospitalisation").alias("num_hospitalisation")),
        ["num_hospitalisation"],
    ).filter(pl.col("num_hospitalisation").is_not_null())
    entree = conform.date_fr("date_entree")
    days = conform.integer("jour_hospitalisation")
    typed = latest.select(
        pl.col("num_hospitalisation").alias("hospitalisation_id"),
        entree.alias("date_entree"),
        (entree + pl.duration(days=days)).alias("date_sortie"),
        entree.dt.year().cast(pl.Int32).alias("year"),
        conform.text("id_patient").alias("id_patient"),
        conform.text("identifiant_organisation").alias("identifiant_organisation"),
        conform.cim10("code_diagnostic").alias("code_diag"),
        conform.text("code_diagnostic").alias("code_diag_source"),
        conform.text("suite_diagnostic_consultation").alias("libelle_diag"),
        days.cast(pl.Int32).alias("duree_sejour_jours"),
    )
    return typed.with_columns(pseudonymise(typed["id_patient"], key).alias("patient_pseudo")).select(_COLUMNS)


def hospitalisations_of_year(typed: pl.DataFrame, year: int) -> pl.DataFrame:
    return typed.filter(pl.col("year") == year).sort("hospitalisation_id")


def unplaceable(typed: pl.DataFrame) -> pl.DataFrame:
    """Stays without a usable admission date: reported at every run, never silently dropped."""
    return typed.filter(pl.col("year").is_null())


def admission_problems(bronze: pl.DataFrame) -> pl.DataFrame:
    """Lines of the file whose admission date cannot place the stay in a year, as received."""
    columns = [c for c in ("_source_file", "_source_row", "num_hospitalisation", "date_entree") if c in bronze.columns]
    return bronze.filter(conform.date_fr("date_entree").is_null()).select(columns)
