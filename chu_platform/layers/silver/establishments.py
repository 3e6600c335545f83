"""silver/establishments: one row per establishment site (FINESS number)."""

from __future__ import annotations

import polars as pl

from chu_platform.layers.bronze.entities import FILE_ENTITIES
from chu_platform.layers.silver import conform, geography
from chu_platform.layers.silver.dedup import latest_per_key

_COLUMNS = (
    "finess", "identifiant_organisation", "finess_juridique", "raison_sociale", "commune", "code_postal",
    "departement_code", "region_code", "categorie", "source",
)


def finess_number(column: str) -> pl.Expr:
    """FINESS numbers are nine characters; spreadsheets drop the leading zero."""
    value = conform.text(column).str.to_uppercase()
    return pl.when(value.str.contains(r"^[0-9AB]{8}$")).then("0" + value).otherwise(value)


def build_establishments(chu: pl.DataFrame, finess: pl.DataFrame) -> pl.DataFrame:
    """The CHU's establishment file, completed by the national FINESS extract.

    The CHU file gives the organisation id the hospitalisations and activities use; FINESS
    adds the category and the establishments the CHU file lacks (e-Satis scores refer to
    them too). The département comes from the commune code, the postal code, then the
    FINESS number; the region from the département.
    """
    national = latest_per_key(finess.with_columns(finess_number("nofinesset").alias("finess")), ["finess"]).select(
        "finess",
        finess_number("nofinessej").alias("finess_juridique_f"),
        conform.text("rs").alias("raison_sociale_f"),
        conform.text("ligneacheminement").str.extract(r"^(\d{5})", 1).alias("code_postal_f"),
        conform.text("ligneacheminement").str.replace(r"^\d{5}\s*", "").alias("commune_f"),
        geography.from_finess_field(pl.col("departement")).alias("dep_field"),
        conform.text("libcategetab").alias("categorie"),
    ).filter(pl.col("finess").is_not_null())
    local = latest_per_key(chu.with_columns(finess_number("finess_site").alias("finess")), ["finess"]).select(
        "finess",
        conform.text("identifiant_organisation").alias("identifiant_organisation"),
        finess_number("finess_etablissement_juridique").alias("finess_juridique"),
        conform.text("raison_sociale_site").alias("raison_sociale"),
        conform.text("commune").alias("commune"),
        conform.text("code_postal").alias("code_postal"),
        geography.from_insee_commune(pl.col("code_commune")).alias("dep_commune"),
        pl.lit("chu").alias("source"),
    ).filter(pl.col("finess").is_not_null())
    merged = local.join(national, on="finess", how="full", coalesce=True).with_columns(
        pl.col("source").fill_null("finess"),
        pl.coalesce("finess_juridique", "finess_juridique_f").alias("finess_juridique"),
        pl.coalesce("raison_sociale", "raison_sociale_f").alias("raison_sociale"),
        pl.coalesce("commune", "commune_f").alias("commune"),
        pl.coalesce("code_postal", "code_postal_f").alias("code_postal"),
    )
    departement = pl.coalesce(
        _not_unknown(pl.col("dep_commune")),
        _not_unknown(geography.from_postal_code(pl.col("code_postal"))),
        _not_unknown(pl.col("dep_field")),
        geography.from_finess(pl.col("finess")),
    )
    return merged.with_columns(*geography.settle(departement)).select(_COLUMNS).sort("finess")


def _not_unknown(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr == geography.UNKNOWN).then(None).otherwise(expr)


def empty() -> pl.DataFrame:
    """silver/establishments with no row, as built from no file."""
    def nothing(entity: str) -> pl.DataFrame:
        return pl.DataFrame(schema={c: pl.String for c in FILE_ENTITIES[entity].columns})

    return build_establishments(nothing("establishments"), nothing("finess_establishments"))
