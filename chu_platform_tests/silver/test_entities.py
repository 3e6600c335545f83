"""Silver entity builders on bronze-shaped frames carrying every injected defect kind."""

import polars as pl

from chu_platform.layers.silver import care, deaths, establishments, hospitalisations, patients, satisfaction
from chu_platform.layers.silver.pseudonym import digest, pseudonymise
from chu_platform_tests.silver import bronze_frames as bf

KEY = bf.KEY


def test_patients_pseudonymised_reduced_and_deduplicated():
    df = patients.build_patients(bf.care_patients(), bf.care_memberships(), KEY)
    assert df.height == 4
    assert set(df.columns).isdisjoint(patients.DIRECT_IDENTIFIERS + ("id_patient",))
    by_pseudo = {row["patient_pseudo"]: row for row in df.iter_rows(named=True)}
    claire = by_pseudo[digest(KEY, "2")]
    # The later delivery (postal code 13001) wins; the lowest insurer id is the main one.
    assert (claire["departement_code"], claire["region_code"], claire["mutuelle_id"]) == ("13", "93", "M1")
    assert by_pseudo[digest(KEY, "3")]["annee_naissance"] == 1942
    assert by_pseudo[digest(KEY, "3")]["departement_code"] == "974"
    assert by_pseudo[digest(KEY, "4")]["departement_code"] == "abroad"
    assert by_pseudo[digest(KEY, "4")]["sexe"] is None


def test_pseudonym_depends_on_key_and_keeps_nulls():
    values = pl.Series("id", ["1", "2", None, "1"])
    a, b = pseudonymise(values, "k1"), pseudonymise(values, "k2")
    assert a[0] == a[3] != a[1] and a[2] is None
    assert a[0] != b[0]


def test_pseudonyms_hashed_in_batches_match_one_by_one(monkeypatch):
    from chu_platform.layers.silver import pseudonym

    monkeypatch.setattr(pseudonym, "_BATCH", 3)
    values = pl.Series("id", [str(i % 8) for i in range(20)] + [None])
    got = pseudonymise(values, "k1")
    assert got.to_list() == [digest("k1", v) if v is not None else None for v in values.to_list()]
    ids = pseudonym.keyed_int64(values, "k1")
    assert ids.n_unique() == 9 and ids.null_count() == 1
    assert ids[0] == int(digest("k1", "0")[:16], 16) & ((1 << 63) - 1)


def test_professionals_merge_database_and_directory_without_names():
    df = care.build_professionals(bf.care_professionals(), bf.care_specialties(), bf.directory(), bf.activities())
    assert df["identifiant"].to_list() == ["10001", "10002", "10003"]
    assert "nom" not in df.columns and "prenom" not in df.columns
    first = df.row(0, named=True)
    assert (first["specialite"], first["identifiant_organisation"], first["nb_activites"]) == ("Pneumologie", "F010000024", 2)
    assert df.row(1, named=True)["identifiant_organisation"] is None


def test_diagnoses_normalised_and_malformed_dropped():
    assert care.build_diagnoses(bf.care_diagnostics())["code_diag"].to_list() == ["J450", "K35", "S02800"]


def test_consultations_deduplicated_with_durations():
    df = care.build_consultations(bf.consultations(2019), KEY, 2019)
    assert df["consultation_id"].to_list() == ["501", "502", "503"]
    assert df["duree_minutes"].to_list() == [20, -20, 30]
    assert df["code_diag"].to_list() == ["J450", None, "K35"]
    assert df["code_diag_source"][1] == "ZZ9"
    assert df["date_consultation"].dt.year().to_list() == [2019] * 3


def test_establishments_chu_file_completed_by_finess():
    df = establishments.build_establishments(bf.establishments(), bf.finess())
    rows = {r["finess"]: r for r in df.iter_rows(named=True)}
    assert rows["010000024"]["categorie"] == "Centre Hospitalier (C.H.)"
    assert rows["010000024"]["departement_code"] == "01"
    assert rows["970100400"]["departement_code"] == "978"  # postal code 97150, Saint-Martin
    assert rows["970102018"]["source"] == "finess"
    assert rows["970102018"]["departement_code"] == "977"


def test_hospitalisations_impossible_admission_reported_not_placed():
    typed = hospitalisations.type_hospitalisations(bf.hospitalisations(), KEY)
    assert typed.height == 3
    assert hospitalisations.unplaceable(typed)["hospitalisation_id"].to_list() == ["46019"]
    problems = hospitalisations.admission_problems(bf.hospitalisations())
    assert problems.select("_source_row", "date_entree").rows() == [(3, "31/02/2019")]
    y2019 = hospitalisations.hospitalisations_of_year(typed, 2019)
    assert y2019["hospitalisation_id"].to_list() == ["10546"]
    assert str(y2019["date_sortie"][0]) == "2019-10-14"


def test_deaths_deduplicated_across_files_and_counted_in_year_of_death():
    df = deaths.build_deaths(bf.deaths(), KEY)
    # 8 declarations: one exact duplicate, one person declared twice (other act, zero-less place).
    assert df.height == 6
    assert deaths.deaths_of_year(df, 2019).height == 5
    assert deaths.deaths_of_year(df, 2020).height == 1
    late = df.filter((pl.col("annee_fichier") == 2020) & (pl.col("year") == 2019))
    assert late.height == 3
    santoni = df.filter(pl.col("departement_code") == "2B").row(0, named=True)
    assert (santoni["date_deces"], santoni["deces_mois"], santoni["deces_jour"]) == (None, 7, None)
    assert santoni["departement_naissance_code"] == "2A"  # 20004 before 1976
    assert santoni["age_au_deces"] == 77
    assert df.filter(pl.col("departement_code") == "abroad").height == 1
    assert df["deces_id"].n_unique() == 6


def test_deaths_dedup_is_independent_of_file_order():
    register = bf.deaths()
    a = deaths.build_deaths(register, KEY)
    b = deaths.build_deaths(register.reverse(), KEY)
    assert a.equals(b)


def test_satisfaction_scores_labels_and_missing_scores():
    df = satisfaction.build_satisfaction(bf.satisfaction(2019), 2019)
    rows = {r["finess"]: r for r in df.iter_rows(named=True)}
    assert rows["010000024"]["score_global"] == 75.09 and rows["010000024"]["score_accueil"] == 71.36
    assert rows["010000024"]["taux_recommandation"] == 51.9
    assert rows["010000065"]["score_global"] is None  # below the publication threshold, kept
    assert (rows["970408589"]["departement_code"], rows["970408589"]["region_code"]) == ("974", "04")
    assert (rows["13X"]["departement_code"], rows["13X"]["region_code"]) == ("unknown", "76")


def test_one_year_run_equals_the_year_of_the_whole_register():
    register = bf.deaths()
    everyone = deaths.build_deaths(register, KEY)
    for year in (2019, 2020):
        assert deaths.build_deaths(register, KEY, year).equals(deaths.deaths_of_year(everyone, year))
    keys = deaths.declarations(register, KEY).select(deaths.KEY_COLUMNS)
    assert deaths.register_summary(keys) == {
        "register_lines": 8, "people_in_register": 6, "duplicate_declarations": 2, "without_year_of_death": 0}


def test_a_later_declaration_moves_the_person_to_its_year_of_death():
    """Person 7 is declared dead in 2019 by the 2019 file, then in 2020 by the 2020 file:
    the later declaration is kept, so 2019 no longer counts them and 2020 does, once."""
    keys = pl.DataFrame({
        "deces_id": [7, 7, 8, 9, 9],
        "deces_annee": [2019, 2020, 2019, 2019, 2019],
        "annee_fichier": [2019, 2020, 2019, 2019, 2020],
        "source_file": ["deces-2019.txt", "deces-2020.txt", "deces-2019.txt", "deces-2019.txt", "deces-2020.txt"],
        "source_row": [1, 5, 2, 3, 1],
    }, schema_overrides={"deces_annee": pl.Int16, "annee_fichier": pl.Int32})
    y2019 = deaths.kept(keys, 2019).sort("deces_id")
    assert y2019.select("deces_id", "annee_fichier", "nb_declarations").rows() == [(8, 2019, 1), (9, 2020, 2)]
    assert deaths.kept(keys, 2020).select("deces_id", "annee_fichier", "nb_declarations").rows() == [(7, 2020, 2)]
