"""The fact tables of one year, keyed on the dimensions (unknown member -1, never a lost row)."""

from __future__ import annotations

import polars as pl

from chu_platform.layers.gold.keys import UNKNOWN_KEY, lookup

CONSULTATION_COLUMNS = (
    "consultation_id", "date_key", "year", "patient_key", "professionnel_key", "diagnostic_key",
    "etablissement_key", "duree_minutes",
)
HOSPITALISATION_COLUMNS = (
    "hospitalisation_id", "date_entree_key", "date_sortie_key", "year", "patient_key", "etablissement_key",
    "diagnostic_key", "duree_sejour_jours", "age_a_l_admission",
)
DECES_COLUMNS = ("deces_id", "date_deces_key", "year", "sexe", "age_au_deces", "departement_code", "region_code")
SATISFACTION_COLUMNS = (
    "etablissement_key", "year", "region_code", "score_global", "nb_reponses", "classement", "score_accueil",
    "score_pec_infirmier", "score_pec_medical", "score_chambre", "score_repas", "score_sortie",
    "taux_recommandation",
)


def date_key(expr: pl.Expr) -> pl.Expr:
    """YYYYMMDD as Int32; -1 when the date is unknown (dim_date's unknown member)."""
    return expr.dt.strftime("%Y%m%d").cast(pl.Int32).fill_null(UNKNOWN_KEY)


def patient_version(facts: pl.DataFrame, on_date: str, dim_patient: pl.DataFrame) -> pl.DataFrame:
    """``patient_key`` (and birth year) of the patient version valid on each fact's date."""
    versions = dim_patient.filter(pl.col("patient_key") != UNKNOWN_KEY).select(
        "patient_pseudo", "valid_from", "patient_key", "annee_naissance"
    ).sort("valid_from")
    probe = pl.coalesce(pl.col(on_date), pl.lit(None, dtype=pl.Date))
    dated = facts.with_row_index("_i").with_columns(
        # An undated fact takes the patient's current version.
        probe.fill_null(pl.date(9999, 12, 30)).alias("_on")
    ).sort("_on")
    matched = dated.join_asof(
        versions, left_on="_on", right_on="valid_from", by="patient_pseudo", strategy="backward", check_sortedness=False
    )
    return matched.sort("_i").drop("_i", "_on", "valid_from").with_columns(pl.col("patient_key").fill_null(UNKNOWN_KEY))


def build_fact_consultation(
    consultations: pl.DataFrame, dim_patient: pl.DataFrame, dim_professionnel: pl.DataFrame, dim_diagnostic: pl.DataFrame
) -> pl.DataFrame:
    """One row per consultation; ``etablissement_key`` null when the professional has no known activity."""
    facts = patient_version(consultations, "date_consultation", dim_patient)
    facts = lookup(facts, "professionnel_id", dim_professionnel.filter(pl.col("professionnel_key") != UNKNOWN_KEY),
                   "identifiant", "professionnel_key")
    facts = lookup(facts, "code_diag", dim_diagnostic, "code_diag", "diagnostic_key")
    places = dim_professionnel.select("professionnel_key", "etablissement_key")
    facts = facts.join(places, on="professionnel_key", how="left").with_columns(
        pl.when(pl.col("etablissement_key") == UNKNOWN_KEY).then(None).otherwise(pl.col("etablissement_key"))
        .alias("etablissement_key"),
        date_key(pl.col("date_consultation")).alias("date_key"),
    )
    return facts.select(CONSULTATION_COLUMNS).cast({"year": pl.Int32, "duree_minutes": pl.Int32}).sort("consultation_id")


def build_fact_hospitalisation(
    stays: pl.DataFrame, dim_patient: pl.DataFrame, dim_etablissement: pl.DataFrame, dim_diagnostic: pl.DataFrame
) -> pl.DataFrame:
    """One row per stay, admitted in the year; age at admission from the patient's birth year."""
    facts = patient_version(stays, "date_entree", dim_patient)
    known = dim_etablissement.filter(pl.col("identifiant_organisation").is_not_null())
    facts = lookup(facts, "identifiant_organisation", known, "identifiant_organisation", "etablissement_key")
    facts = lookup(facts, "code_diag", dim_diagnostic, "code_diag", "diagnostic_key")
    facts = facts.with_columns(
        date_key(pl.col("date_entree")).alias("date_entree_key"),
        date_key(pl.col("date_sortie")).alias("date_sortie_key"),
        (pl.col("date_entree").dt.year() - pl.col("annee_naissance").cast(pl.Int32)).cast(pl.Int16).alias("age_a_l_admission"),
    )
    return facts.select(HOSPITALISATION_COLUMNS).cast({"year": pl.Int32, "duree_sejour_jours": pl.Int32}).sort("hospitalisation_id")


def build_fact_deces(deaths: pl.DataFrame) -> pl.DataFrame:
    """One row per deceased person, in the year of death."""
    return deaths.with_columns(date_key(pl.col("date_deces")).alias("date_deces_key")).select(DECES_COLUMNS).cast(
        {"year": pl.Int32}
    ).sort("deces_id")


def build_fact_satisfaction(satisfaction: pl.DataFrame, dim_etablissement: pl.DataFrame) -> pl.DataFrame:
    """One row per surveyed establishment site and year."""
    facts = lookup(satisfaction, "finess", dim_etablissement.filter(pl.col("finess").is_not_null()), "finess", "etablissement_key")
    return facts.select(SATISFACTION_COLUMNS).cast({"year": pl.Int32}).sort("etablissement_key")
