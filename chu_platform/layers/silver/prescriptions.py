"""silver/medicaments and silver/prescriptions: what the care database says was prescribed.

A prescription row names a consultation and a medicine (CIS code of the national database of
medicines, BDPM); it carries no date and no patient. Its year is its consultation's, so the
year's prescriptions are those of the year's silver consultations; a prescription naming a
consultation silver does not know belongs to no year and is counted apart (``orphans``).
"""

from __future__ import annotations

import polars as pl

from chu_platform.layers.silver import conform
from chu_platform.layers.silver.dedup import latest_per_key

# A CIS code: 8 digits (BDPM, "Code Identifiant de Spécialité").
CIS_PATTERN = r"^[0-9]{8}$"

MEDICAMENT_COLUMNS = ("code_cis", "denomination", "forme_pharmaceutique", "voies_administration", "statut_amm",
                      "commercialise", "date_amm", "titulaire")
PRESCRIPTION_COLUMNS = ("consultation_id", "code_cis", "year", "date_consultation")


def _cis(column: str) -> pl.Expr:
    value = conform.text(column)
    return pl.when(value.str.contains(CIS_PATTERN)).then(value).otherwise(None)


def empty_medicaments() -> pl.DataFrame:
    return pl.DataFrame(schema={"code_cis": pl.String, "denomination": pl.String, "forme_pharmaceutique": pl.String,
                                "voies_administration": pl.String, "statut_amm": pl.String,
                                "commercialise": pl.Boolean, "date_amm": pl.Date, "titulaire": pl.String})


def build_medicaments(medications: pl.DataFrame) -> pl.DataFrame:
    """One row per CIS code: name, form, route, marketing status, authorisation date, holder."""
    typed = medications.with_columns(_cis("code_cis").alias("code_cis")).filter(pl.col("code_cis").is_not_null())
    latest = latest_per_key(typed, ["code_cis"])
    status = conform.text("etat_commercialisation").str.to_lowercase()
    return latest.select(
        "code_cis",
        conform.text("denomination").alias("denomination"),
        conform.text("forme_pharmaceutique").alias("forme_pharmaceutique"),
        conform.text("voies_administration").alias("voies_administration"),
        conform.text("statut_amm").alias("statut_amm"),
        pl.when(status.is_null()).then(None).otherwise(status.str.starts_with("commercialis")).alias("commercialise"),
        conform.date_fr("date_amm").alias("date_amm"),
        conform.text("titulaire").alias("titulaire"),
    ).sort("code_cis")


def typed_prescriptions(prescriptions: pl.DataFrame) -> pl.DataFrame:
    """Every (consultation, medicine) pair once, codes trimmed; a malformed CIS code is null."""
    return prescriptions.select(
        conform.text("num_consultation").alias("consultation_id"),
        _cis("code_cis").alias("code_cis"),
        conform.text("code_cis").alias("code_cis_source"),
        *[pl.col(c) for c in ("_ingested_at", "_source_file", "_source_row") if c in prescriptions.columns],
    ).filter(pl.col("consultation_id").is_not_null() & pl.col("code_cis_source").is_not_null())


def build_prescriptions(prescriptions: pl.DataFrame, consultations: pl.DataFrame) -> pl.DataFrame:
    """One row per medicine prescribed at a consultation of the years ``consultations`` holds
    (its ``consultation_id``, ``year`` and ``date_consultation``)."""
    typed = typed_prescriptions(prescriptions).filter(pl.col("code_cis").is_not_null())
    typed = latest_per_key(typed, ["consultation_id", "code_cis"])
    dated = consultations.select("consultation_id", "year", "date_consultation")
    return typed.join(dated, on="consultation_id", how="inner").select(PRESCRIPTION_COLUMNS).cast(
        {"year": pl.Int32}
    ).sort("consultation_id", "code_cis")


def problems(prescriptions: pl.DataFrame, known_consultations: pl.Series) -> dict[str, int]:
    """What the source holds that cannot reach silver: malformed CIS codes, consultations
    unknown to silver (any year), repeated pairs."""
    typed = typed_prescriptions(prescriptions)
    return {
        "malformed_cis_codes": int(typed["code_cis"].is_null().sum()),
        "orphan_prescriptions": int((~typed["consultation_id"].is_in(known_consultations.implode())).sum()),
        "repeated_pairs": typed.height - typed.unique(["consultation_id", "code_cis"]).height,
    }
