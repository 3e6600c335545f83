"""The eight questions in pandas, the naive baseline: whole tables in memory, no index.

Same definitions as ``benchmarks/peers/sql.py`` (itself following ``chu_platform/layers/marts``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl

from benchmarks.peers.sql import TABLES
from chu_platform.lib import delta_store

NAME = "pandas"
_BANDS = ([-1, 17, 39, 64, 79, np.inf], ["0-17", "18-39", "40-64", "65-79", "80+"])


class PandasEngine:
    def __init__(self, gold: dict[str, str]) -> None:
        needed = sorted({table for tables in TABLES.values() for table in tables})
        self.frames = {name: delta_store.read(gold[name]).to_pandas() for name in needed}

    def version(self) -> str:
        return f"pandas {pd.__version__}"

    def close(self) -> None:
        self.frames.clear()

    def run(self, name: str, params: dict[str, int]) -> pl.DataFrame:
        return pl.from_pandas(getattr(self, name)(params), include_index=False)

    def _facts(self, table: str, date_column: str, p) -> pd.DataFrame:
        f = self.frames[table]
        mask = f["year"].between(p["from_year"], p["to_year"]) & f[date_column].between(p["from_key"], p["to_key"])
        return f[mask]

    def _share(self, facts: pd.DataFrame, key: str, dimension: str, label: str) -> pd.DataFrame:
        counts = facts.groupby(key, dropna=False).size().rename("numerator").reset_index()
        counts["denominator"] = counts["numerator"].sum()
        labels = self.frames[dimension][[key, label]]
        return counts.merge(labels, on=key, how="left")[[label, "numerator", "denominator"]]

    def _patients(self) -> pd.DataFrame:
        patients = self.frames["dim_patient"]
        return patients.loc[patients["patient_key"] != -1, ["patient_key", "patient_pseudo", "sexe", "annee_naissance"]]

    def consultations_by_establishment(self, p) -> pd.DataFrame:
        facts = self._facts("fact_consultation", "date_key", p)
        facts = facts.assign(etablissement_key=facts["etablissement_key"].fillna(-1).astype("int64"))
        return self._share(facts, "etablissement_key", "dim_etablissement", "finess")

    def consultations_by_diagnosis(self, p) -> pd.DataFrame:
        return self._share(self._facts("fact_consultation", "date_key", p), "diagnostic_key", "dim_diagnostic", "code_diag")

    def hospitalisations_by_diagnosis(self, p) -> pd.DataFrame:
        facts = self._facts("fact_hospitalisation", "date_entree_key", p)
        return self._share(facts, "diagnostic_key", "dim_diagnostic", "code_diag")

    def hospitalisation_rate(self, p) -> pd.DataFrame:
        patients = self._patients()
        consulted = self._facts("fact_consultation", "date_key", p)[["patient_key"]].merge(patients, on="patient_key")
        stays = self._facts("fact_hospitalisation", "date_entree_key", p)[["patient_key"]].merge(patients, on="patient_key")
        hospitalised = set(stays["patient_pseudo"])
        seen = hospitalised | set(consulted["patient_pseudo"])
        return pd.DataFrame({"numerator": [len(hospitalised)], "denominator": [len(seen)]})

    def hospitalisations_by_sex_age(self, p) -> pd.DataFrame:
        patients = self._patients()
        consulted = self._facts("fact_consultation", "date_key", p).merge(patients, on="patient_key")
        consulted = consulted.assign(age=consulted["year"] - consulted["annee_naissance"], hospitalised=0)
        stays = self._facts("fact_hospitalisation", "date_entree_key", p).merge(patients, on="patient_key")
        stays = stays.assign(age=stays["age_a_l_admission"], hospitalised=1)
        columns = ["patient_pseudo", "sexe", "age", "hospitalised"]
        contacts = pd.concat([consulted[columns], stays[columns]])
        band = pd.cut(contacts["age"], _BANDS[0], labels=_BANDS[1]).astype(object)
        contacts = contacts.assign(
            sexe=contacts["sexe"].fillna("unknown"),
            age_band=band.where(contacts["age"].notna() & (contacts["age"] >= 0), "unknown"),
        ).drop(columns="age").drop_duplicates()
        contacts["hospitalised_pseudo"] = contacts["patient_pseudo"].where(contacts["hospitalised"] == 1)
        parts = []
        for keys, fill in ((["sexe", "age_band"], {}), (["sexe"], {"age_band": "all"}), (["age_band"], {"sexe": "all"})):
            grouped = contacts.groupby(keys).agg(
                numerator=("hospitalised_pseudo", "nunique"), denominator=("patient_pseudo", "nunique")
            )
            parts.append(grouped.reset_index().assign(**fill))
        return pd.concat(parts)[["sexe", "age_band", "numerator", "denominator"]]

    def consultations_by_professional(self, p) -> pd.DataFrame:
        facts = self._facts("fact_consultation", "date_key", p)
        counts = facts.groupby("professionnel_key").size().rename("numerator").reset_index()
        counts["denominator"] = counts["numerator"].sum()
        labels = self.frames["dim_professionnel"][["professionnel_key", "identifiant", "specialite"]]
        labelled = counts.merge(labels, on="professionnel_key", how="left")
        labelled["specialite"] = labelled["specialite"].fillna("Spécialité inconnue")
        professionals = labelled.assign(level="professional")
        specialties = (
            labelled.groupby("specialite").agg(numerator=("numerator", "sum"), denominator=("denominator", "max")).reset_index()
        ).assign(level="specialty", identifiant=None)
        columns = ["level", "identifiant", "specialite", "numerator", "denominator"]
        return pd.concat([professionals[columns], specialties[columns]])

    def deaths_by_region(self, p) -> pd.DataFrame:
        d = self.frames["fact_deces"]
        d = d[d["year"].between(p["from_year"], p["to_year"])]
        out = d["region_code"].fillna("unknown").value_counts().rename("deaths").reset_index()
        out["denominator"] = out["deaths"].sum()
        return out

    def satisfaction_by_region(self, p) -> pd.DataFrame:
        s = self.frames["fact_satisfaction"]
        s = s[s["year"].between(p["from_year"], p["to_year"]) & s["score_global"].notna() & (s["nb_reponses"] > 0)]
        s = s.assign(weighted=s["score_global"] * s["nb_reponses"], region_code=s["region_code"].fillna("unknown"))
        out = s.groupby("region_code").agg(
            weighted=("weighted", "sum"),
            nb_reponses=("nb_reponses", "sum"),
            nb_etablissements=("etablissement_key", "nunique"),
        )
        out["score"] = out["weighted"] / out["nb_reponses"]
        return out.reset_index()[["region_code", "score", "nb_reponses", "nb_etablissements"]]
