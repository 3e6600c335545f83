"""One DataFrameModel per silver table: types, keys, code domains, plausible ranges."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from chu_platform import reference

SEXES = ["M", "F"]
CIM10 = r"^[A-Z][0-9]{2}[0-9A-Z]{0,4}$"
HMAC_HEX = r"^[0-9a-f]{64}$"


def departement_codes() -> list[str]:
    return reference.departements()["departement_code"].to_list()


def region_codes() -> list[str]:
    return reference.departements()["region_code"].unique().to_list()


class _Strict(pa.DataFrameModel):
    class Config:
        strict = True


class SilverPatients(_Strict):
    patient_pseudo: pl.String = pa.Field(unique=True, str_matches=HMAC_HEX)
    sexe: pl.String = pa.Field(nullable=True, isin=SEXES)
    annee_naissance: pl.Int16 = pa.Field(nullable=True, in_range={"min_value": 1880, "max_value": 2100})
    departement_code: pl.String = pa.Field(isin=departement_codes())
    region_code: pl.String = pa.Field(isin=region_codes())
    mutuelle_id: pl.String = pa.Field(nullable=True)
    groupe_sanguin: pl.String = pa.Field(nullable=True)
    poids_kg: pl.Float64 = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 400})
    taille_cm: pl.Float64 = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 260})


class SilverProfessionals(_Strict):
    identifiant: pl.String = pa.Field(unique=True)
    civilite: pl.String = pa.Field(nullable=True)
    categorie: pl.String = pa.Field(nullable=True)
    profession: pl.String = pa.Field(nullable=True)
    specialite: pl.String = pa.Field(nullable=True)
    type_identifiant: pl.String = pa.Field(nullable=True)
    identifiant_organisation: pl.String = pa.Field(nullable=True)
    nb_activites: pl.Int32 = pa.Field(ge=0)


class SilverEstablishments(_Strict):
    finess: pl.String = pa.Field(unique=True, str_matches=r"^[0-9][0-9AB][0-9]{7}$")
    identifiant_organisation: pl.String = pa.Field(nullable=True)
    finess_juridique: pl.String = pa.Field(nullable=True)
    raison_sociale: pl.String = pa.Field(nullable=True)
    commune: pl.String = pa.Field(nullable=True)
    code_postal: pl.String = pa.Field(nullable=True)
    departement_code: pl.String = pa.Field(isin=departement_codes())
    region_code: pl.String = pa.Field(isin=region_codes())
    categorie: pl.String = pa.Field(nullable=True)
    source: pl.String = pa.Field(isin=["chu", "finess"])


class SilverDiagnoses(_Strict):
    code_diag: pl.String = pa.Field(unique=True, str_matches=CIM10)
    libelle: pl.String = pa.Field(nullable=True)


class SilverConsultations(_Strict):
    consultation_id: pl.String = pa.Field(unique=True)
    date_consultation: pl.Date = pa.Field(nullable=True)
    year: pl.Int32
    patient_pseudo: pl.String = pa.Field(nullable=True, str_matches=HMAC_HEX)
    professionnel_id: pl.String = pa.Field(nullable=True)
    code_diag: pl.String = pa.Field(nullable=True, str_matches=CIM10)
    code_diag_source: pl.String = pa.Field(nullable=True)
    mutuelle_id: pl.String = pa.Field(nullable=True)
    heure_debut: pl.String = pa.Field(nullable=True, str_matches=r"^[0-2][0-9]:[0-5][0-9]$")
    heure_fin: pl.String = pa.Field(nullable=True, str_matches=r"^[0-2][0-9]:[0-5][0-9]$")
    duree_minutes: pl.Int32 = pa.Field(nullable=True)

    @pa.dataframe_check
    def date_in_partition_year(cls, data: pa.PolarsData) -> pl.LazyFrame:
        date = pl.col("date_consultation")
        return data.lazyframe.select(date.is_null() | (date.dt.year() == pl.col("year")))


class SilverHospitalisations(_Strict):
    hospitalisation_id: pl.String = pa.Field(unique=True)
    date_entree: pl.Date
    date_sortie: pl.Date = pa.Field(nullable=True)
    year: pl.Int32
    patient_pseudo: pl.String = pa.Field(nullable=True, str_matches=HMAC_HEX)
    identifiant_organisation: pl.String = pa.Field(nullable=True)
    code_diag: pl.String = pa.Field(nullable=True, str_matches=CIM10)
    code_diag_source: pl.String = pa.Field(nullable=True)
    libelle_diag: pl.String = pa.Field(nullable=True)
    duree_sejour_jours: pl.Int32 = pa.Field(nullable=True)

    @pa.dataframe_check
    def admitted_in_partition_year(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("date_entree").dt.year() == pl.col("year"))


class SilverMedicaments(_Strict):
    code_cis: pl.String = pa.Field(unique=True, str_matches=r"^[0-9]{8}$")
    denomination: pl.String = pa.Field(nullable=True)
    forme_pharmaceutique: pl.String = pa.Field(nullable=True)
    voies_administration: pl.String = pa.Field(nullable=True)
    statut_amm: pl.String = pa.Field(nullable=True)
    commercialise: pl.Boolean = pa.Field(nullable=True)
    date_amm: pl.Date = pa.Field(nullable=True)
    titulaire: pl.String = pa.Field(nullable=True)


class SilverPrescriptions(_Strict):
    consultation_id: pl.String
    code_cis: pl.String = pa.Field(str_matches=r"^[0-9]{8}$")
    year: pl.Int32
    date_consultation: pl.Date = pa.Field(nullable=True)

    @pa.dataframe_check
    def one_row_per_medicine_and_consultation(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(~pl.struct("consultation_id", "code_cis").is_duplicated())

    @pa.dataframe_check
    def date_in_partition_year(cls, data: pa.PolarsData) -> pl.LazyFrame:
        date = pl.col("date_consultation")
        return data.lazyframe.select(date.is_null() | (date.dt.year() == pl.col("year")))


class _DeathFields(_Strict):
    """What a declaration and a counted death share (same types and domains)."""

    date_deces: pl.Date = pa.Field(nullable=True)
    deces_mois: pl.Int8 = pa.Field(nullable=True, in_range={"min_value": 1, "max_value": 12})
    deces_jour: pl.Int8 = pa.Field(nullable=True, in_range={"min_value": 1, "max_value": 31})
    sexe: pl.String = pa.Field(nullable=True, isin=SEXES)
    annee_naissance: pl.Int16 = pa.Field(nullable=True)
    age_au_deces: pl.Int16 = pa.Field(nullable=True)
    departement_code: pl.String = pa.Field(isin=departement_codes())
    region_code: pl.String = pa.Field(isin=region_codes())
    departement_naissance_code: pl.String = pa.Field(isin=departement_codes())
    pays_naissance: pl.String = pa.Field(nullable=True)
    source_file: pl.String = pa.Field(nullable=True)
    year: pl.Int32


class SilverDeaths(_DeathFields):
    deces_id: pl.Int64 = pa.Field(unique=True, ge=0)
    deces_annee: pl.Int16
    nb_declarations: pl.Int32 = pa.Field(ge=1)
    annee_fichier: pl.Int32 = pa.Field(nullable=True)

    @pa.dataframe_check
    def counted_in_year_of_death(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("deces_annee").cast(pl.Int32) == pl.col("year"))


class SilverDeathDeclarations(_DeathFields):
    deces_id: pl.Int64 = pa.Field(ge=0)
    deces_annee: pl.Int16 = pa.Field(nullable=True)
    annee_fichier: pl.Int32
    source_row: pl.Int64 = pa.Field(ge=0)

    @pa.dataframe_check
    def partitioned_by_file_year(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("annee_fichier") == pl.col("year"))

    @pa.dataframe_check
    def one_row_per_line(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(~pl.struct("source_file", "source_row").is_duplicated())


class SilverSatisfaction(_Strict):
    finess: pl.String = pa.Field(unique=True)
    finess_juridique: pl.String = pa.Field(nullable=True)
    raison_sociale: pl.String = pa.Field(nullable=True)
    region_libelle_source: pl.String = pa.Field(nullable=True)
    departement_code: pl.String = pa.Field(isin=departement_codes())
    region_code: pl.String = pa.Field(isin=region_codes())
    participation: pl.String = pa.Field(nullable=True)
    depot: pl.String = pa.Field(nullable=True)
    classement: pl.String = pa.Field(nullable=True)
    evolution: pl.String = pa.Field(nullable=True)
    nb_reponses: pl.Int32 = pa.Field(nullable=True, ge=0)
    score_global: pl.Float64 = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 100})
    score_accueil: pl.Float64 = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 100})
    score_pec_infirmier: pl.Float64 = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 100})
    score_pec_medical: pl.Float64 = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 100})
    score_chambre: pl.Float64 = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 100})
    score_repas: pl.Float64 = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 100})
    score_sortie: pl.Float64 = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 100})
    taux_recommandation: pl.Float64 = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 100})
    nb_recommandations: pl.Int32 = pa.Field(nullable=True, ge=0)
    year: pl.Int32


SILVER_MODELS = {
    "patients": SilverPatients,
    "professionals": SilverProfessionals,
    "establishments": SilverEstablishments,
    "diagnoses": SilverDiagnoses,
    "consultations": SilverConsultations,
    "hospitalisations": SilverHospitalisations,
    "death_declarations": SilverDeathDeclarations,
    "deaths": SilverDeaths,
    "satisfaction": SilverSatisfaction,
    "medicaments": SilverMedicaments,
    "prescriptions": SilverPrescriptions,
}
