"""Small bronze-shaped frames (all Utf8, bronze column names, lineage) with every defect kind
the generator injects and the quirks of the real samples."""

from __future__ import annotations

import polars as pl

KEY = "test-key-not-secret"


def _bronze(rows: list[dict], file: str, ingested: str = "2024-01-01T00:00:00") -> pl.DataFrame:
    columns = list(dict.fromkeys(c for row in rows for c in row))
    data = {c: [None if r.get(c) is None else str(r.get(c)) for r in rows] for c in columns}
    df = pl.DataFrame(data, schema={c: pl.String for c in columns})
    return df.with_columns(
        pl.lit(file).alias("_source_file"),
        pl.int_range(1, df.height + 1, dtype=pl.Int64).alias("_source_row"),
        pl.lit(ingested).alias("_ingested_at"),
        pl.lit("run-1").alias("_run_id"),
    )


def care_patients() -> pl.DataFrame:
    base = {"adresse": "12 rue des Lilas", "ville": "PARIS", "email": "jean.dupont@example.org",
            "tel": "0612345678", "num_secu": "180037512345678", "age": "44", "groupe_sanguin": "a+",
            "poid": "70,5", "taille": "175"}
    rows = [
        {**base, "id_patient": "1", "nom": "DUPONT", "prenom": "Jean", "sexe": "1", "code_postal": "75001",
         "pays": "France", "date": "15/03/1980"},
        {**base, "id_patient": "2", "nom": "MARTIN", "prenom": "Claire", "sexe": "F", "code_postal": "20200",
         "pays": "France", "date": "1975-01-02", "email": "claire.martin@example.org"},
        {**base, "id_patient": "3", "nom": "HOAREAU", "prenom": "Paul", "sexe": "Homme", "code_postal": "97400",
         "pays": "France", "date": "19420000", "tel": "0262000000"},
        {**base, "id_patient": "4", "nom": "PEETERS", "prenom": "Anne", "sexe": "x", "code_postal": "1000",
         "pays": "Belgique", "date": "31/02/1990", "num_secu": "290029912345678"},
    ]
    first = _bronze(rows, "care:Patient", "2024-01-01T00:00:00")
    # Patient 2 delivered again later: the later row wins.
    again = _bronze([{**rows[1], "code_postal": "13001"}], "care:Patient", "2024-02-01T00:00:00")
    return pl.concat([first, again])


def care_memberships() -> pl.DataFrame:
    return _bronze([{"id_patient": "1", "id_mut": "M1"}, {"id_patient": "2", "id_mut": "M2"},
                    {"id_patient": "2", "id_mut": "M1"}], "care:Adher")


def care_diagnostics() -> pl.DataFrame:
    return _bronze([{"code_diag": "J45.0", "diagnostic": "Asthme"}, {"code_diag": "K35", "diagnostic": "Appendicite"},
                    {"code_diag": "S02800", "diagnostic": "Fracture de l'alveole dentaire, fermees"},
                    {"code_diag": "??", "diagnostic": "code cassé"}], "care:Diagnostic")


def care_professionals() -> pl.DataFrame:
    return _bronze([
        {"identifiant": "10001", "civilite": "Dr", "categorie_professionnelle": "Civil", "nom": "LEROY",
         "prenom": "Marc", "profession": "Médecin", "type_identifiant": "RPPS", "code_specialite": "SM54"},
        {"identifiant": "10002", "civilite": "Mme", "categorie_professionnelle": "Civil", "nom": "NOIR",
         "prenom": "Léa", "profession": "Infirmier", "type_identifiant": "RPPS", "code_specialite": None},
    ], "care:Professionnel_de_sante")


def care_specialties() -> pl.DataFrame:
    return _bronze([{"code_specialite": "SM54", "fonction": "Médecin", "specialite": "Pneumologie"}], "care:Specialites")


def directory() -> pl.DataFrame:
    return _bronze([
        {"identifiant": "10001", "civilite": "Dr", "categorie_professionnelle": "Civil", "nom": "LEROY", "prenom": "Marc",
         "commune": "PARIS", "profession": "Médecin", "specialite": "Pneumologie", "type_identifiant": "RPPS"},
        {"identifiant": "10003", "civilite": "M", "categorie_professionnelle": "Civil", "nom": "BLANC", "prenom": "Luc",
         "commune": "LYON", "profession": "Médecin", "specialite": "Chirurgie", "type_identifiant": "RPPS"},
    ], "professionnel_sante.csv")


def activities() -> pl.DataFrame:
    return _bronze([{"identifiant": "10001", "identifiant_organisation": "F010000024", "mode_exercice": "S"},
                    {"identifiant": "10001", "identifiant_organisation": "F970100400", "mode_exercice": "L"},
                    {"identifiant": "10003", "identifiant_organisation": "F970100400", "mode_exercice": "S"}],
                   "activite_professionnel_sante.csv")


def establishments() -> pl.DataFrame:
    return _bronze([
        {"finess_site": "010000024", "identifiant_organisation": "F010000024", "finess_etablissement_juridique": "010780054",
         "raison_sociale_site": "CH DE FLEYRIAT", "commune": "VIRIAT", "code_postal": "01440", "code_commune": "01451",
         "adresse": "900 RTE DE PARIS"},
        {"finess_site": "970100400", "identifiant_organisation": "F970100400", "finess_etablissement_juridique": "970100186",
         "raison_sociale_site": "C.H. LOUIS CONSTANT FLEMING", "commune": "ST MARTIN", "code_postal": "97150",
         "code_commune": None},
    ], "etablissement_sante.csv")


def finess() -> pl.DataFrame:
    return _bronze([
        {"nofinesset": "010000024", "nofinessej": "010780054", "rs": "CH DE FLEYRIAT", "departement": "01",
         "ligneacheminement": "01440 VIRIAT", "libcategetab": "Centre Hospitalier (C.H.)"},
        {"nofinesset": "970102018", "nofinessej": "970113015", "rs": "PMI SAINT BARTHELEMY", "departement": "9A",
         "ligneacheminement": "97133 ST BARTHELEMY", "libcategetab": "Protection Maternelle et Infantile (P.M.I.)"},
    ], "etalab-cs1100507-stock-20240101-0000.csv")


def consultations(year: int = 2019) -> pl.DataFrame:
    rows = [
        {"num_consultation": "501", "id_mut": "M1", "id_patient": "1", "id_prof_sante": "10001", "code_diag": "J45.0",
         "motif": "toux", "date": f"{year}-03-04", "heure_debut": "08:30", "heure_fin": "08:50"},
        {"num_consultation": "502", "id_mut": "M2", "id_patient": "2", "id_prof_sante": "10002", "code_diag": "ZZ9",
         "motif": "contrôle", "date": f"12/06/{year}", "heure_debut": "10:00", "heure_fin": "09:40"},
        {"num_consultation": "503", "id_mut": None, "id_patient": "99", "id_prof_sante": "77777", "code_diag": "K35",
         "motif": None, "date": f"{year}-12-31", "heure_debut": "14:00", "heure_fin": "14:30"},
    ]
    df = _bronze(rows + [rows[0]], "care:Consultation")
    return df.with_columns(pl.lit(year, dtype=pl.Int32).alias("year"))


def hospitalisations() -> pl.DataFrame:
    return _bronze([
        {"num_hospitalisation": "10546", "id_patient": "1", "identifiant_organisation": "F010000024",
         "code_diagnostic": "S02800", "suite_diagnostic_consultation": "Fracture de l'alveole dentaire, fermees",
         "date_entree": "27/09/2019", "jour_hospitalisation": "17"},
        {"num_hospitalisation": "52968", "id_patient": "3", "identifiant_organisation": "F999999999",
         "code_diagnostic": "Q902", "suite_diagnostic_consultation": "Trisomie 21, translocation",
         "date_entree": "16/08/2020", "jour_hospitalisation": "27"},
        {"num_hospitalisation": "46019", "id_patient": "2", "identifiant_organisation": "F970100400",
         "code_diagnostic": "K35", "suite_diagnostic_consultation": "Appendicite",
         "date_entree": "31/02/2019", "jour_hospitalisation": "1"},
    ], "Hospitalisations.csv")


def _death(name, sex, birth, birthplace, death, deathplace, act="12"):
    return {"nomprenom": name, "sexe": sex, "datenaiss": birth, "lieunaiss": birthplace, "commnaiss": "X",
            "paysnaiss": None, "datedeces": death, "lieudeces": deathplace, "actedeces": act, "_format": "insee_fixed"}


def deaths() -> pl.DataFrame:
    """Register files of 2019 and 2020: an exact duplicate across files, the same person declared
    twice (another act number), a late declaration of 2019 in the 2020 file, ``00`` date parts,
    an impossible date, Corse before 1976, overseas and abroad places."""
    y2019 = _bronze([
        _death("DUCRET*MARIE ANTOINETTE/", "2", "19220109", "01004", "20190110", "01053"),
        _death("GRANGEON*ERIC JEAN REMY/", "1", "19690329", "1004", "20190425", "69383"),
        _death("SANTONI*ANGE/", "1", "19420000", "20004", "20190700", "20033"),
        _death("HOAREAU*PAUL/", "1", "19500505", "97411", "20190231", "99138"),
    ], "deces-2019.txt").with_columns(pl.lit(2019, dtype=pl.Int32).alias("year"))
    y2020 = _bronze([
        _death("DUCRET*MARIE ANTOINETTE/", "2", "19220109", "01004", "20190110", "01053"),
        _death("GRANGEON*ERIC JEAN REMY/", "1", "19690329", "01004", "20190425", "69383", act="999"),
        _death("PRESSAVIN*LYDIE/", "2", "19700406", "01004", "20191230", "97411"),
        _death("VELLET*PHILIPPE/", "1", "19700201", "01004", "20200203", "2A004"),
    ], "deces-2020.txt", "2024-02-01T00:00:00").with_columns(pl.lit(2020, dtype=pl.Int32).alias("year"))
    return pl.concat([y2019, y2020])


ESATIS_HEADER = (
    "finess;rs_finess;finess_geo;rs_finess_geo;region;participation;depot;nb_rep_score_all_rea_ajust;"
    "score_all_rea_ajust;classement;evolution;nb_rep_score_accueil_rea_ajust;score_accueil_rea_ajust;"
    "nb_rep_score_pecinf_rea_ajust;score_pecinf_rea_ajust;nb_rep_score_pecmed_rea_ajust;score_pecmed_rea_ajust;"
    "nb_rep_score_chambre_rea_ajust;score_chambre_rea_ajust;nb_rep_score_repas_rea_ajust;score_repas_rea_ajust;"
    "nb_rep_score_sortie_rea_ajust;score_sortie_rea_ajust;taux_reco_brut;nb_reco_brut"
).split(";")

# Lines of the real 2019 file (decimal comma and dot mixed; one site without a score), plus an
# overseas site under the "Océan Indien" label and a site under a pre-2016 region label.
ESATIS_LINES = [
    "010780054;CH DE BOURG EN BRESSE FLEYRIAT;010000024;CENTRE HOSPITALIER DE FLEYRIAT;Auvergne-Rhône-Alpes;1- Obligatoire;1- Oui;81;75,09;B;3-Amélioration;81;71.36;81;82.45;81;80.72;81;74.86;81;64.99;81;68.85;51,9;81",
    "010780096;CH DE MONTPENSIER TREVOUX;010000065;CH DE TREVOUX - MONTPENSIER;Auvergne-Rhône-Alpes;2- Facultatif;1- Oui;;;DI;;;;;;;;;;;;;;;",
    "970408589;CHU REUNION;970408589;CHU SITE SUD;Océan Indien;1- Obligatoire;1- Oui;120;70.5;C;2-Stable;120;70;120;80;120;79;120;66;120;60;120;61;50,2;118",
    "13X;CLINIQUE X;;CLINIQUE SANS FINESS;Midi-Pyrénées;1- Obligatoire;1- Oui;40;72;C;2-Stable;;;;;;;;;;;;;;",
]


def satisfaction(year: int = 2019) -> pl.DataFrame:
    rows = [dict(zip(ESATIS_HEADER, line.split(";"), strict=True)) for line in ESATIS_LINES]
    return _bronze(rows, f"resultats-esatis48h-mco-open-data-{year}.csv").with_columns(
        pl.lit(year, dtype=pl.Int32).alias("year"))
