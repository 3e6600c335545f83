"""Health professionals (care base table and ``professionnel_sante.csv``, the same people) and
their activities in establishments (``activite_professionnel_sante.csv``)."""

from __future__ import annotations

import numpy as np
import polars as pl

from chu_platform.generate.catalogues import SPECIALTIES
from chu_platform.generate.people import first_names, name_pools, sample
from chu_platform.generate.streams import stream, weighted_choice, zipf_weights


def build(seed: int, count: int, establishments: pl.DataFrame) -> pl.DataFrame:
    """One row per professional; ``commune`` is the commune of their first establishment."""
    rng = stream(seed, "professionals")
    spec = rng.choice(len(SPECIALTIES), size=count, p=np.array([s[4] for s in SPECIALTIES]) / sum(s[4] for s in SPECIALTIES))
    male = rng.random(count) < 0.48
    profession = pl.Series([s[3] for s in SPECIALTIES]).gather(spec)
    # RPPS numbers (11 digits, type 8) for doctors, ADELI (9 digits, type 0) for part of the others.
    adeli = (~profession.is_in(["Médecin", "Pharmacien", "Sage-Femme", "Chirurgien-Dentiste"]).to_numpy()) & (rng.random(count) < 0.4)
    serial = 100_000_000 + rng.choice(900_000_000, size=count, replace=False)
    identifiant = np.where(adeli, serial.astype(str), np.char.add("10", serial.astype(str)))
    est_index = weighted_choice(rng, zipf_weights(establishments.height, 0.8), count)
    return pl.DataFrame({
        "Identifiant": identifiant,
        "Civilite": np.where(male, "M", "MME"),
        "Categorie_professionnelle": rng.choice(np.array(["C", "M", "E"]), size=count, p=[0.97, 0.02, 0.01]),
        "Nom": sample(name_pools().last, rng, count).str.to_uppercase(),
        "Prenom": first_names(rng, male),
        "Profession": profession,
        "Type_identifiant": np.where(adeli, "0", "8"),
        "Code_specialite": pl.Series([s[0] for s in SPECIALTIES]).gather(spec),
        "specialite": pl.Series([s[2] for s in SPECIALTIES]).gather(spec),
        "identifiant_organisation": establishments["identifiant_organisation"].gather(est_index),
        "commune": establishments["commune"].gather(est_index),
    })


def activities(seed: int, professionals: pl.DataFrame, establishments: pl.DataFrame, without_rate: float) -> tuple[pl.DataFrame, int]:
    """Activity rows (identifiant, identifiant_organisation, mode_exercice) and the number of
    professionals deliberately left without any activity."""
    rng = stream(seed, "activities")
    n = professionals.height
    has_activity = rng.random(n) >= without_rate
    second = rng.random(n) < 0.1
    first = professionals.select(
        pl.col("Identifiant").alias("identifiant"), "identifiant_organisation",
        pl.Series("mode_exercice", rng.choice(np.array(["S", "L", "B"]), size=n, p=[0.7, 0.28, 0.02])),
        pl.Series("keep", has_activity),
    )
    other = weighted_choice(rng, zipf_weights(establishments.height, 0.8), n)
    extra = professionals.select(
        pl.col("Identifiant").alias("identifiant"),
        establishments["identifiant_organisation"].gather(other).alias("identifiant_organisation"),
        pl.lit("L").alias("mode_exercice"),
        pl.Series("keep", has_activity & second),
    )
    rows = (
        pl.concat([first, extra]).filter(pl.col("keep")).drop("keep")
        .unique(subset=["identifiant", "identifiant_organisation"], keep="first", maintain_order=True)
        .sort("identifiant", maintain_order=True)
    )
    return rows, int((~has_activity).sum())


def professional_csv(professionals: pl.DataFrame) -> pl.DataFrame:
    """The columns of ``professionnel_sante.csv`` (sources.PROFESSIONAL_COLUMNS)."""
    return professionals.select(
        pl.col("Identifiant").alias("identifiant"), pl.col("Civilite").alias("civilite"),
        pl.col("Categorie_professionnelle").alias("categorie_professionnelle"),
        pl.col("Nom").alias("nom"), pl.col("Prenom").alias("prenom"), "commune",
        pl.col("Profession").alias("profession"), "specialite",
        pl.col("Type_identifiant").alias("type_identifiant"),
    )
