"""A small, seeded gold star schema written with delta_store, shaped like DESIGN.md's contract."""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from chu_platform.layers.gold.reference_dims import build_dim_geography
from chu_platform.lib import delta_store

FACT_YEARS = (2018, 2019, 2020, 2021)
DIAGNOSES = (("J45", "Asthme", "X"), ("J45.0", "Asthme allergique", "X"), ("I10", "Hypertension", "IX"),
             ("E11", "Diabète de type 2", "IV"), ("F32", "Épisode dépressif", "V"), ("C50", "Cancer du sein", "II"))
REGIONS = ("11", "84", "93", "76", "abroad", "unknown", "com")


@dataclass
class Gold:
    lake: str
    tables: dict[str, pl.DataFrame]

    def rows(self, table: str) -> list[dict]:
        return self.tables[table].to_dicts()


def _key(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


def _day(rng: random.Random, year: int) -> date:
    return date(year, 1, 1) + timedelta(days=rng.randrange(366 if year % 4 == 0 else 365))


def synthetic_gold(seed: int = 7) -> dict[str, pl.DataFrame]:
    rng = random.Random(seed)
    patients = []
    key = 0
    for person in range(60):
        versions = 2 if person % 7 == 0 else 1
        birth = rng.randrange(1925, 2019)
        sexe = rng.choice(["M", "F"]) if person % 13 else None
        for _ in range(versions):
            key += 1
            patients.append({"patient_key": key, "patient_pseudo": f"p{person:03d}", "sexe": sexe,
                             "annee_naissance": birth, "departement_code": "75", "region_code": "11",
                             "valid_from": date(2000, 1, 1), "valid_to": None, "is_current": True})
    patients.append({"patient_key": -1, "patient_pseudo": None, "sexe": None, "annee_naissance": None,
                     "departement_code": "unknown", "region_code": "unknown", "valid_from": None,
                     "valid_to": None, "is_current": True})
    births = {p["patient_key"]: p["annee_naissance"] for p in patients}
    etabs = [{"etablissement_key": k, "finess": f"75000000{k}", "raison_sociale": f"Hôpital {k}",
              "commune": "Paris", "code_postal": "75001", "departement_code": "75", "region_code": "11",
              "categorie": "CHU"} for k in range(1, 6)]
    etabs.append({"etablissement_key": -1, "finess": None, "raison_sociale": "Inconnu", "commune": None,
                  "code_postal": None, "departement_code": "unknown", "region_code": "unknown", "categorie": None})
    profs = [{"professionnel_key": k, "identifiant": f"1000{k:04d}", "civilite": "Dr",
              "categorie": "Civil", "profession": "Médecin",
              "specialite": ["Cardiologie", "Pneumologie", "Médecine générale"][k % 3],
              "etablissement_key": (k % 5) + 1 if k % 4 else -1} for k in range(1, 13)]
    diags = [{"diagnostic_key": k, "code_diag": c, "libelle": l, "chapitre": ch}
             for k, (c, l, ch) in enumerate(DIAGNOSES, start=1)]
    diags.append({"diagnostic_key": -1, "code_diag": None, "libelle": "Inconnu", "chapitre": None})
    patient_keys = [p["patient_key"] for p in patients]
    consultations = []
    for i in range(900):
        day = _day(rng, rng.choice(FACT_YEARS))
        prof = rng.choice(profs)
        consultations.append({
            "consultation_id": i + 1, "date_key": _key(day), "year": day.year,
            "patient_key": rng.choice(patient_keys), "professionnel_key": prof["professionnel_key"],
            "diagnostic_key": rng.choice([d["diagnostic_key"] for d in diags]),
            "etablissement_key": None if rng.random() < 0.1 else prof["etablissement_key"],
            "duree_minutes": rng.randrange(10, 60)})
    hospitalisations = []
    for i in range(420):
        day = _day(rng, rng.choice(FACT_YEARS))
        patient = rng.choice(patient_keys)
        birth = births[patient]
        hospitalisations.append({
            "hospitalisation_id": i + 1, "date_entree_key": _key(day),
            "date_sortie_key": _key(day + timedelta(days=3)), "year": day.year, "patient_key": patient,
            "etablissement_key": rng.choice([e["etablissement_key"] for e in etabs]),
            "diagnostic_key": rng.choice([d["diagnostic_key"] for d in diags]),
            "duree_sejour_jours": 3, "age_a_l_admission": None if birth is None else day.year - birth})
    deaths = []
    for i in range(400):
        day = _day(rng, rng.choice((2019, 2020)))
        deaths.append({"deces_id": i + 1, "date_deces_key": _key(day), "year": day.year,
                       "sexe": rng.choice(["M", "F"]), "age_au_deces": rng.randrange(0, 100),
                       "departement_code": None, "region_code": rng.choice(REGIONS)})
    satisfaction = []
    for year in (2019, 2020):
        for e in etabs[:-1]:
            scored = rng.random() > 0.2
            satisfaction.append({
                "etablissement_key": e["etablissement_key"], "year": year,
                "region_code": rng.choice(("11", "84")), "score_global": round(rng.uniform(60, 85), 2) if scored else None,
                "nb_reponses": rng.randrange(5, 400), "classement": "B",
                **{c: None for c in ("score_accueil", "score_pec_infirmier", "score_pec_medical", "score_chambre",
                                     "score_repas", "score_sortie", "taux_recommandation")}})
    return {
        "dim_geography": build_dim_geography(),
        "dim_patient": pl.DataFrame(patients, infer_schema_length=None).with_columns(
            pl.col("patient_key").cast(pl.Int64), pl.col("annee_naissance").cast(pl.Int32)),
        "dim_etablissement": pl.DataFrame(etabs, infer_schema_length=None),
        "dim_professionnel": pl.DataFrame(profs),
        "dim_diagnostic": pl.DataFrame(diags, infer_schema_length=None),
        "fact_consultation": _fact(consultations, "date_key"),
        "fact_hospitalisation": _fact(hospitalisations, "date_entree_key", "date_sortie_key"),
        "fact_deces": _fact(deaths, "date_deces_key"),
        "fact_satisfaction": pl.DataFrame(satisfaction, infer_schema_length=None).with_columns(
            pl.col("year").cast(pl.Int32), pl.col("nb_reponses").cast(pl.Int64),
            pl.col("score_global").cast(pl.Float64)),
    }


def _fact(rows: list[dict], *date_keys: str) -> pl.DataFrame:
    return pl.DataFrame(rows, infer_schema_length=None).with_columns(
        pl.col("year").cast(pl.Int32), *(pl.col(k).cast(pl.Int32) for k in date_keys))


def write_gold(lake: str, tables: dict[str, pl.DataFrame]) -> None:
    for name, df in tables.items():
        uri = delta_store.table_uri(lake, ["gold", name])
        if "year" in df.columns and name.startswith("fact_"):
            delta_store.write_years(df, uri, sorted(set(df["year"].to_list())))
        else:
            delta_store.write_table(df, uri)


@pytest.fixture(scope="module")
def gold(tmp_path_factory) -> Gold:
    lake = str(tmp_path_factory.mktemp("gold") / "lake")
    tables = synthetic_gold()
    write_gold(lake, tables)
    return Gold(lake, tables)


@pytest.fixture
def gold_in_env(chu_env: Path) -> Gold:
    """The synthetic gold written where the ``chu`` command and the assets look for it."""
    lake = str(chu_env / "lake")
    tables = synthetic_gold()
    write_gold(lake, tables)
    return Gold(lake, tables)
