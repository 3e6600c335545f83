"""Dimensions and facts from silver frames: stable keys, unknown members, no lost row."""

from datetime import date

import polars as pl

from chu_platform.layers.gold import dimensions, facts, scd2
from chu_platform.layers.gold.keys import UNKNOWN_KEY, surrogate
from chu_platform.schemas import gold as models
from chu_platform.schemas.validation import validate
from chu_platform.layers.silver import care, deaths, establishments, hospitalisations, patients, satisfaction
from chu_platform_tests.silver import bronze_frames as bf

KEY = bf.KEY


def _star():
    silver_patients = patients.build_patients(bf.care_patients(), bf.care_memberships(), KEY)
    sat = satisfaction.build_satisfaction(bf.satisfaction(2019), 2019)
    etab = dimensions.build_dim_etablissement(establishments.build_establishments(bf.establishments(), bf.finess()), sat)
    prof = dimensions.build_dim_professionnel(
        care.build_professionals(bf.care_professionals(), bf.care_specialties(), bf.directory(), bf.activities()), etab)
    diag = dimensions.build_dim_diagnostic(care.build_diagnoses(bf.care_diagnostics()))
    pat = scd2.build_dim_patient(silver_patients, None, date(2024, 1, 1))
    return pat, etab, prof, diag, sat


def test_dimensions_match_their_contracts_and_carry_unknown_members():
    pat, etab, prof, diag, _ = _star()
    for model, dim, key in ((models.DimPatient, pat, "patient_key"), (models.DimEtablissement, etab, "etablissement_key"),
                            (models.DimProfessionnel, prof, "professionnel_key"), (models.DimDiagnostic, diag, "diagnostic_key")):
        outcome = validate(model, dim)
        assert outcome.passed, outcome.by_check
        assert UNKNOWN_KEY in dim[key].to_list()
    assert diag.filter(pl.col("code_diag") == "S02800")["chapitre"].item() == "XIX"
    assert diag.filter(pl.col("code_diag") == "J450")["chapitre"].item() == "X"
    # Sites known only from e-Satis are members too.
    assert "970408589" in etab["finess"].to_list()


def test_surrogate_keys_are_stable():
    _, etab, _, _, _ = _star()
    assert etab.filter(pl.col("finess") == "010000024")["etablissement_key"].item() == surrogate("etablissement", "010000024")


def test_fact_consultation_keeps_every_row_and_reports_unlinked_establishment():
    pat, _, prof, diag, _ = _star()
    fact = facts.build_fact_consultation(care.build_consultations(bf.consultations(2019), KEY, 2019), pat, prof, diag)
    assert validate(models.FactConsultation, fact).passed
    rows = {r["consultation_id"]: r for r in fact.iter_rows(named=True)}
    assert rows["501"]["etablissement_key"] == surrogate("etablissement", "010000024")
    assert rows["501"]["date_key"] == 20190304
    assert rows["502"]["etablissement_key"] is None  # professional without activity
    assert rows["502"]["diagnostic_key"] == UNKNOWN_KEY  # ZZ9 is not in the reference
    assert rows["503"]["patient_key"] == UNKNOWN_KEY and rows["503"]["professionnel_key"] == UNKNOWN_KEY


def test_fact_consultation_takes_patient_version_valid_on_its_date():
    pat, _, prof, diag, _ = _star()
    silver_patients = patients.build_patients(bf.care_patients(), bf.care_memberships(), KEY)
    moved = silver_patients.with_columns(departement_code=pl.lit("69"), region_code=pl.lit("84"))
    history = scd2.build_dim_patient(moved, pat, date(2019, 6, 1))
    fact = facts.build_fact_consultation(care.build_consultations(bf.consultations(2019), KEY, 2019), history, prof, diag)
    by_id = dict(zip(fact["consultation_id"], fact["patient_key"], strict=True))
    versions = history.filter(pl.col("patient_pseudo") == bf_pseudo("1")).sort("valid_from")["patient_key"].to_list()
    assert by_id["501"] == versions[0]  # 4 March 2019, before the move
    later = history.filter(pl.col("patient_pseudo") == bf_pseudo("2")).sort("valid_from")["patient_key"].to_list()
    assert by_id["502"] == later[1]  # 12 June 2019, after it


def bf_pseudo(patient_id: str) -> str:
    from chu_platform.layers.silver.pseudonym import digest

    return digest(KEY, patient_id)


def test_fact_hospitalisation_unknown_establishment_and_age():
    pat, etab, _, diag, _ = _star()
    typed = hospitalisations.type_hospitalisations(bf.hospitalisations(), KEY)
    fact = facts.build_fact_hospitalisation(hospitalisations.hospitalisations_of_year(typed, 2020), pat, etab, diag)
    assert validate(models.FactHospitalisation, fact).passed
    row = fact.row(0, named=True)
    assert row["etablissement_key"] == UNKNOWN_KEY and row["diagnostic_key"] == UNKNOWN_KEY
    assert (row["date_entree_key"], row["date_sortie_key"], row["age_a_l_admission"]) == (20200816, 20200912, 78)


def test_fact_deces_and_satisfaction():
    people = deaths.build_deaths(bf.deaths(), KEY)
    fact = facts.build_fact_deces(deaths.deaths_of_year(people, 2019))
    assert validate(models.FactDeces, fact).passed
    assert fact.height == 5 and (fact["date_deces_key"] == UNKNOWN_KEY).sum() == 2
    _, etab, _, _, sat = _star()
    sat_fact = facts.build_fact_satisfaction(sat, etab)
    assert validate(models.FactSatisfaction, sat_fact).passed
    assert sat_fact.height == sat.height and UNKNOWN_KEY not in sat_fact["etablissement_key"].to_list()


def test_dim_etablissement_without_esatis_source():
    empty = pl.DataFrame(schema={"finess": pl.String, "year": pl.Int32, "raison_sociale": pl.String,
                                 "departement_code": pl.String, "region_code": pl.String})
    dim = dimensions.build_dim_etablissement(establishments.build_establishments(bf.establishments(), bf.finess()), empty)
    assert dim.height == 4 and validate(models.DimEtablissement, dim).passed
