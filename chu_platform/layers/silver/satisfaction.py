"""silver/satisfaction: one row per establishment site and survey year (HAS e-Satis 48h MCO)."""

from __future__ import annotations

import polars as pl

from chu_platform.layers.silver import conform, geography
from chu_platform.layers.silver.establishments import finess_number

# silver name -> bronze column (bronze_column of the e-Satis header).
SCORES = {
    "score_global": "score_all_rea_ajust",
    "score_accueil": "score_accueil_rea_ajust",
    "score_pec_infirmier": "score_pecinf_rea_ajust",
    "score_pec_medical": "score_pecmed_rea_ajust",
    "score_chambre": "score_chambre_rea_ajust",
    "score_repas": "score_repas_rea_ajust",
    "score_sortie": "score_sortie_rea_ajust",
    "taux_recommandation": "taux_reco_brut",
}


def _number(bronze: pl.DataFrame, column: str) -> pl.Expr:
    # 2017 files stop at the 23rd column: recommendation columns are absent, not zero.
    return conform.number(column) if column in bronze.columns else pl.lit(None, dtype=pl.Float64)


def build_satisfaction(bronze: pl.DataFrame, year: int) -> pl.DataFrame:
    """Scores as numbers (decimal comma or dot), empty below the publication threshold
    (an establishment without a score stays, with null scores), region from the FINESS
    number, the file's region label only as a fallback."""
    # A line without geographic FINESS keeps the legal entity's number rather than vanishing.
    df = bronze.with_columns(
        pl.coalesce(finess_number("finess_geo"), finess_number("finess")).alias("_site"), finess_number("finess").alias("_legal")
    ).filter(pl.col("_site").is_not_null())
    answers = _number(df, "nb_rep_score_all_rea_ajust")
    label_region = geography.region_code_from_label(
        df.select(conform.text("region").alias("region"))["region"]
    )
    typed = df.with_columns(label_region.alias("region_label_code")).select(
        pl.col("_site").alias("finess"),
        pl.col("_legal").alias("finess_juridique"),
        conform.text("rs_finess_geo").alias("raison_sociale"),
        conform.text("region").alias("region_libelle_source"),
        *geography.settle(geography.from_finess(pl.col("_site")), pl.col("region_label_code")),
        conform.text("participation").alias("participation"),
        conform.text("depot").alias("depot"),
        conform.text("classement").alias("classement"),
        conform.text("evolution").alias("evolution"),
        answers.round(0).cast(pl.Int32).alias("nb_reponses"),
        *[_number(df, source).alias(name) for name, source in SCORES.items()],
        _number(df, "nb_reco_brut").round(0).cast(pl.Int32).alias("nb_recommandations"),
        pl.lit(year, dtype=pl.Int32).alias("year"),
    )
    # A site listed twice keeps the row with the most answers.
    return (
        typed.sort(["finess", "nb_reponses"], descending=[False, True], nulls_last=True)
        .unique("finess", keep="first", maintain_order=True)
        .sort("finess")
    )
