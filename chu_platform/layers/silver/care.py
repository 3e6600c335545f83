"""silver/professionals, silver/diagnoses, silver/consultations: the care activity."""

from __future__ import annotations

import polars as pl

from chu_platform.layers.silver import conform
from chu_platform.layers.silver.dedup import latest_per_key
from chu_platform.layers.silver.pseudonym import pseudonymise


def main_activity(activities: pl.DataFrame) -> pl.DataFrame:
    """The establishment each professional is attached to, and how many activities they have.

    A professional working at several sites is attached to the lowest organisation id, so
    the choice is stable from run to run; ``nb_activites`` says when there was a choice.
    """
    clean = activities.select(
        conform.text("identifiant").alias("identifiant"),
        conform.text("identifiant_organisation").alias("identifiant_organisation"),
    ).drop_nulls().unique()
    return clean.group_by("identifiant").agg(
        pl.col("identifiant_organisation").min(),
        pl.len().cast(pl.Int32).alias("nb_activites"),
    )


def empty_professionals() -> pl.DataFrame:
    """silver/professionals with no row, as built from nothing."""
    return pl.DataFrame(schema={
        "identifiant": pl.String, "civilite": pl.String, "categorie": pl.String, "profession": pl.String,
        "specialite": pl.String, "type_identifiant": pl.String, "identifiant_organisation": pl.String,
        "nb_activites": pl.Int32,
    })


def build_professionals(
    care: pl.DataFrame, specialties: pl.DataFrame, directory: pl.DataFrame, activities: pl.DataFrame
) -> pl.DataFrame:
    """One row per professional identifier: care-database record first, the FTP directory
    for professionals the database does not know; names are left behind."""
    spec = latest_per_key(
        specialties.with_columns(conform.text("code_specialite").alias("code_specialite")), ["code_specialite"]
    ).select("code_specialite", conform.text("specialite").alias("specialite_db"))
    from_db = (
        latest_per_key(care.with_columns(conform.text("identifiant").alias("identifiant")), ["identifiant"])
        .join(spec, on="code_specialite", how="left")
        .select(
            "identifiant",
            conform.text("civilite").alias("civilite"),
            conform.text("categorie_professionnelle").alias("categorie"),
            conform.text("profession").alias("profession"),
            pl.coalesce(pl.col("specialite_db"), conform.text("code_specialite")).alias("specialite"),
            conform.text("type_identifiant").alias("type_identifiant"),
        )
    )
    from_file = latest_per_key(
        directory.with_columns(conform.text("identifiant").alias("identifiant")), ["identifiant"]
    ).select(
        "identifiant",
        conform.text("civilite").alias("civilite"),
        conform.text("categorie_professionnelle").alias("categorie"),
        conform.text("profession").alias("profession"),
        conform.text("specialite").alias("specialite"),
        conform.text("type_identifiant").alias("type_identifiant"),
    )
    merged = pl.concat([from_db, from_file.join(from_db.select("identifiant"), on="identifiant", how="anti")])
    merged = merged.filter(pl.col("identifiant").is_not_null())
    return (
        merged.join(main_activity(activities), on="identifiant", how="left")
        .with_columns(pl.col("nb_activites").fill_null(0))
        .sort("identifiant")
    )


def build_diagnoses(diagnostics: pl.DataFrame) -> pl.DataFrame:
    """One row per CIM-10 code of the care database's reference, code normalised."""
    typed = diagnostics.select(
        conform.cim10("code_diag").alias("code_diag"),
        conform.text("diagnostic").alias("libelle"),
        *[pl.col(c) for c in ("_ingested_at", "_source_file", "_source_row") if c in diagnostics.columns],
    ).filter(pl.col("code_diag").is_not_null())
    return latest_per_key(typed, ["code_diag"]).select("code_diag", "libelle").sort("code_diag")


def build_consultations(consultations: pl.DataFrame, key: str, year: int) -> pl.DataFrame:
    """One row per consultation of ``year``: pseudonymised patient, typed date and times.

    ``duree_minutes`` is end minus start as recorded, negative values included: the gold
    plausibility check reports them instead of silver hiding them.
    """
    latest = latest_per_key(
        consultations.with_columns(conform.text("num_consultation").alias("num_consultation")), ["num_consultation"]
    ).filter(pl.col("num_consultation").is_not_null())
    start, end = conform.time_of_day("heure_debut"), conform.time_of_day("heure_fin")
    typed = latest.select(
        pl.col("num_consultation").alias("consultation_id"),
        conform.text("id_patient").alias("id_patient"),
        conform.text("id_prof_sante").alias("professionnel_id"),
        conform.cim10("code_diag").alias("code_diag"),
        conform.text("code_diag").alias("code_diag_source"),
        conform.text("id_mut").alias("mutuelle_id"),
        conform.date_fr("date").alias("date_consultation"),
        # Delta has no time-of-day type: times are kept as normalised HH:MM text.
        start.dt.strftime("%H:%M").alias("heure_debut"),
        end.dt.strftime("%H:%M").alias("heure_fin"),
        ((end.cast(pl.Int64) - start.cast(pl.Int64)) // 60_000_000_000).cast(pl.Int32).alias("duree_minutes"),
        pl.lit(year, dtype=pl.Int32).alias("year"),
    )
    return typed.with_columns(pseudonymise(typed["id_patient"], key).alias("patient_pseudo")).drop(
        "id_patient"
    ).select(
        "consultation_id", "date_consultation", "year", "patient_pseudo", "professionnel_id", "code_diag",
        "code_diag_source", "mutuelle_id", "heure_debut", "heure_fin", "duree_minutes",
    ).sort("consultation_id")
