"""Gold, read into Polars frames shaped for the dashboard's measures.

Each frame keeps only the columns the measures read. People are identified by an integer
per ``patient_pseudo`` (as the analyses count them: one person may have several SCD2 keys),
never by the pseudonym itself, so nothing leaving this module can name a patient.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from chu_platform.lib import delta_store

UNKNOWN_REGIONS = ("unknown", "abroad")
UNKNOWN_DIAGNOSIS = "Diagnostic inconnu"
UNKNOWN_SPECIALTY = "Spécialité inconnue"


@dataclass(frozen=True)
class Gold:
    """The gold facts the dashboard reads, joined to the labels and scopes they need.

    ``consultations`` and ``hospitalisations``: one row per event, with ``person`` (integer
    per pseudonym, null for the unknown patient), ``finess`` and ``region`` of the
    establishment (null when unknown). ``deaths``: one row per year and region of death with
    the count. ``satisfaction``: one row per establishment and year with a published score.
    """

    consultations: pl.DataFrame
    hospitalisations: pl.DataFrame
    people: pl.DataFrame
    deaths: pl.DataFrame
    satisfaction: pl.DataFrame
    establishments: pl.DataFrame
    regions: pl.DataFrame
    diagnoses: pl.DataFrame

    @property
    def years(self) -> list[int]:
        present = set(self.consultations["year"].to_list()) | set(self.hospitalisations["year"].to_list())
        present |= set(self.deaths["year"].to_list()) | set(self.satisfaction["year"].to_list())
        return sorted(present)


def _scan(lake: str, table: str, storage_options: dict[str, str] | None) -> pl.LazyFrame:
    return delta_store.scan(delta_store.table_uri(lake, ["gold", table]), storage_options=storage_options)


def _exists(lake: str, table: str, storage_options: dict[str, str] | None) -> bool:
    return delta_store.exists(delta_store.table_uri(lake, ["gold", table]), storage_options)


def read_gold(lake: str, storage_options: dict[str, str] | None = None) -> Gold:
    """Every gold table the dashboard needs; a table not built yet reads as empty."""

    def scan(table: str, schema: dict[str, pl.DataType]) -> pl.LazyFrame:
        if not _exists(lake, table, storage_options):
            return pl.LazyFrame(schema=schema)
        return _scan(lake, table, storage_options).select(list(schema)).cast(schema)

    geography = scan("dim_geography", {"region_code": pl.String, "region_nom": pl.String}).collect()
    regions = geography.group_by("region_code").agg(pl.col("region_nom").first()).sort("region_code")
    establishments = (
        scan("dim_etablissement", {"etablissement_key": pl.Int64, "finess": pl.String, "raison_sociale": pl.String,
                                   "commune": pl.String, "region_code": pl.String})
        .with_columns(pl.when(pl.col("region_code").is_in(UNKNOWN_REGIONS)).then(None)
                      .otherwise(pl.col("region_code")).alias("region"))
        .collect()
    )
    patients = scan("dim_patient", {"patient_key": pl.Int64, "patient_pseudo": pl.String, "sexe": pl.String,
                                    "annee_naissance": pl.Int32}).filter(pl.col("patient_key") != -1).collect()
    person_ids = patients.select("patient_pseudo").unique().sort("patient_pseudo").with_row_index("person")
    people = (
        patients.join(person_ids, on="patient_pseudo")
        .select("patient_key", pl.col("person").cast(pl.Int64), "sexe", "annee_naissance")
    )
    keys = establishments.select("etablissement_key", "finess", "region")
    diagnoses = scan("dim_diagnostic", {"diagnostic_key": pl.Int64, "code_diag": pl.String, "libelle": pl.String}).collect()
    specialties = scan("dim_professionnel", {"professionnel_key": pl.Int64, "specialite": pl.String}).collect()

    def events(table: str, date_key: str, extra: dict[str, pl.DataType]) -> pl.DataFrame:
        schema = {"year": pl.Int32, date_key: pl.Int32, "patient_key": pl.Int64, "etablissement_key": pl.Int64,
                  "diagnostic_key": pl.Int64, **extra}
        return (
            scan(table, schema)
            .with_columns((pl.col(date_key) // 100 % 100).cast(pl.Int8).alias("month"),
                          pl.col("etablissement_key").fill_null(-1), pl.col("diagnostic_key").fill_null(-1))
            .join(keys.lazy(), on="etablissement_key", how="left")
            .join(people.lazy().select("patient_key", "person"), on="patient_key", how="left")
            .drop(date_key)
            .collect()
        )

    consultations = events("fact_consultation", "date_key", {"professionnel_key": pl.Int64}).join(
        specialties, on="professionnel_key", how="left").with_columns(
        pl.col("specialite").fill_null(UNKNOWN_SPECIALTY)).drop("professionnel_key")
    hospitalisations = events("fact_hospitalisation", "date_entree_key", {"age_a_l_admission": pl.Int32})
    deaths = (
        scan("fact_deces", {"year": pl.Int32, "region_code": pl.String})
        .group_by("year", pl.col("region_code").fill_null("unknown"))
        .agg(pl.len().cast(pl.Int64).alias("deaths"))
        .sort("year", "region_code")
        .collect()
    )
    satisfaction = (
        scan("fact_satisfaction", {"etablissement_key": pl.Int64, "year": pl.Int32, "region_code": pl.String,
                                   "score_global": pl.Float64, "nb_reponses": pl.Int64})
        .filter(pl.col("score_global").is_not_null() & (pl.col("nb_reponses") > 0))
        .with_columns(pl.col("region_code").fill_null("unknown"))
        .join(keys.lazy().select("etablissement_key", "finess", pl.col("region").alias("etab_region")),
              on="etablissement_key", how="left")
        .collect()
    )
    return Gold(consultations, hospitalisations, people, deaths, satisfaction, establishments, regions, diagnoses)
