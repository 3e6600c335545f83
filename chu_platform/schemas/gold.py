"""One DataFrameModel per gold table: the DESIGN.md star-schema contract, typed."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from chu_platform.schemas.silver import SEXES, departement_codes, region_codes



class _Strict(pa.DataFrameModel):
    class Config:
        strict = True


class DimPatient(_Strict):
    patient_key: pl.Int64 = pa.Field(unique=True)
    patient_pseudo: pl.String
    sexe: pl.String = pa.Field(nullable=True, isin=SEXES)
    annee_naissance: pl.Int16 = pa.Field(nullable=True)
    departement_code: pl.String = pa.Field(isin=departement_codes())
    region_code: pl.String = pa.Field(isin=region_codes())
    mutuelle_code: pl.String = pa.Field(nullable=True)
    valid_from: pl.Date
    valid_to: pl.Date
    is_current: pl.Boolean

    @pa.dataframe_check
    def versions_do_not_overlap_and_one_is_current(cls, data: pa.PolarsData) -> pl.LazyFrame:
        lf = data.lazyframe.sort("patient_pseudo", "valid_from")
        nxt = pl.col("valid_from").shift(-1).over("patient_pseudo")
        currents = pl.col("is_current").cast(pl.Int32).sum().over("patient_pseudo")
        return lf.select(
            (pl.col("valid_from") < pl.col("valid_to"))
            & (nxt.is_null() | (nxt == pl.col("valid_to")))
            & (currents == 1)
            & (pl.col("is_current") == nxt.is_null())
        )


class DimEtablissement(_Strict):
    etablissement_key: pl.Int64 = pa.Field(unique=True)
    finess: pl.String = pa.Field(nullable=True, unique=True)
    raison_sociale: pl.String = pa.Field(nullable=True)
    commune: pl.String = pa.Field(nullable=True)
    code_postal: pl.String = pa.Field(nullable=True)
    departement_code: pl.String = pa.Field(isin=departement_codes())
    region_code: pl.String = pa.Field(isin=region_codes())
    categorie: pl.String = pa.Field(nullable=True)
    identifiant_organisation: pl.String = pa.Field(nullable=True)


class DimProfessionnel(_Strict):
    professionnel_key: pl.Int64 = pa.Field(unique=True)
    identifiant: pl.String = pa.Field(unique=True)
    civilite: pl.String = pa.Field(nullable=True)
    categorie: pl.String = pa.Field(nullable=True)
    profession: pl.String = pa.Field(nullable=True)
    specialite: pl.String = pa.Field(nullable=True)
    etablissement_key: pl.Int64


class DimDiagnostic(_Strict):
    diagnostic_key: pl.Int64 = pa.Field(unique=True)
    code_diag: pl.String = pa.Field(unique=True)
    libelle: pl.String = pa.Field(nullable=True)
    chapitre: pl.String = pa.Field(nullable=True)
    chapitre_libelle: pl.String = pa.Field(nullable=True)


class FactConsultation(_Strict):
    consultation_id: pl.String = pa.Field(unique=True)
    date_key: pl.Int32
    year: pl.Int32
    patient_key: pl.Int64
    professionnel_key: pl.Int64
    diagnostic_key: pl.Int64
    etablissement_key: pl.Int64 = pa.Field(nullable=True)
    duree_minutes: pl.Int32 = pa.Field(nullable=True)


class FactHospitalisation(_Strict):
    hospitalisation_id: pl.String = pa.Field(unique=True)
    date_entree_key: pl.Int32 = pa.Field(gt=0)
    date_sortie_key: pl.Int32
    year: pl.Int32
    patient_key: pl.Int64
    etablissement_key: pl.Int64
    diagnostic_key: pl.Int64
    duree_sejour_jours: pl.Int32 = pa.Field(nullable=True)
    age_a_l_admission: pl.Int16 = pa.Field(nullable=True)

    @pa.dataframe_check
    def admission_in_year(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("date_entree_key") // 10000 == pl.col("year"))


class DimMedicament(_Strict):
    medicament_key: pl.Int64 = pa.Field(unique=True)
    code_cis: pl.String = pa.Field(unique=True)
    denomination: pl.String = pa.Field(nullable=True)
    forme_pharmaceutique: pl.String = pa.Field(nullable=True)
    voies_administration: pl.String = pa.Field(nullable=True)
    statut_amm: pl.String = pa.Field(nullable=True)
    commercialise: pl.Boolean = pa.Field(nullable=True)
    date_amm: pl.Date = pa.Field(nullable=True)
    titulaire: pl.String = pa.Field(nullable=True)


class FactPrescription(_Strict):
    consultation_id: pl.String
    medicament_key: pl.Int64
    date_key: pl.Int32
    year: pl.Int32
    patient_key: pl.Int64
    professionnel_key: pl.Int64
    diagnostic_key: pl.Int64
    etablissement_key: pl.Int64 = pa.Field(nullable=True)

    @pa.dataframe_check
    def one_row_per_medicine_and_consultation(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(~pl.struct("consultation_id", "medicament_key").is_duplicated())

    @pa.dataframe_check
    def consultation_in_year(cls, data: pa.PolarsData) -> pl.LazyFrame:
        key = pl.col("date_key")
        return data.lazyframe.select((key == -1) | (key // 10000 == pl.col("year")))


class FactDeces(_Strict):
    deces_id: pl.Int64 = pa.Field(unique=True)
    date_deces_key: pl.Int32
    year: pl.Int32
    sexe: pl.String = pa.Field(nullable=True, isin=SEXES)
    age_au_deces: pl.Int16 = pa.Field(nullable=True)
    departement_code: pl.String = pa.Field(isin=departement_codes())
    region_code: pl.String = pa.Field(isin=region_codes())


class FactSatisfaction(_Strict):
    etablissement_key: pl.Int64 = pa.Field(unique=True)
    year: pl.Int32
    region_code: pl.String = pa.Field(isin=region_codes())
    score_global: pl.Float64 = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 100})
    nb_reponses: pl.Int32 = pa.Field(nullable=True, ge=0)
    classement: pl.String = pa.Field(nullable=True)
    score_accueil: pl.Float64 = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 100})
    score_pec_infirmier: pl.Float64 = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 100})
    score_pec_medical: pl.Float64 = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 100})
    score_chambre: pl.Float64 = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 100})
    score_repas: pl.Float64 = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 100})
    score_sortie: pl.Float64 = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 100})
    taux_recommandation: pl.Float64 = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 100})


GOLD_MODELS = {
    "dim_patient": DimPatient,
    "dim_etablissement": DimEtablissement,
    "dim_professionnel": DimProfessionnel,
    "dim_diagnostic": DimDiagnostic,
    "fact_consultation": FactConsultation,
    "fact_hospitalisation": FactHospitalisation,
    "fact_deces": FactDeces,
    "fact_satisfaction": FactSatisfaction,
    "dim_medicament": DimMedicament,
    "fact_prescription": FactPrescription,
}
