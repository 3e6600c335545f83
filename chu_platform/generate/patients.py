"""Patients of the care base, their mutual insurers, and their ages through time."""

from __future__ import annotations

import numpy as np
import polars as pl

from chu_platform.generate import geography as geo
from chu_platform.generate.people import ascii_expr, first_names, french_phone, name_pools, sample
from chu_platform.generate.streams import stream, weighted_choice

_BLOOD = (("O+", 0.36), ("A+", 0.37), ("B+", 0.09), ("AB+", 0.03), ("O-", 0.06), ("A-", 0.07), ("B-", 0.01), ("AB-", 0.01))
_DOMAINS = ("gmail.com", "orange.fr", "free.fr", "laposte.net", "sfr.fr", "hotmail.fr", "yahoo.fr", "wanadoo.fr")


def age_weights(max_age: int = 105) -> np.ndarray:
    """Population pyramid (flat to 60, then thinning) times hospital use rising with age."""
    age = np.arange(max_age)
    pyramid = np.where(age < 60, 1.0, np.exp(-(((age - 60) / 22.0) ** 2)))
    return pyramid * (1 + age / 45.0)


def build(seed: int, count: int, reference_day: int) -> pl.DataFrame:
    """One row per patient; ``birth_day`` (days since epoch) kept for the other generators.

    ``Age`` is the age on ``reference_day`` (the day after the last generated year): the real
    base stores a stale age next to the birth date, which is text ``dd/mm/yyyy``.
    """
    rng = stream(seed, "patients")
    g = geo.geography()
    male = rng.random(count) < 0.48
    age_days = weighted_choice(rng, age_weights(), count) * 365 + rng.integers(0, 365, count)
    birth_day = (reference_day - 1 - age_days).astype(np.int32)
    communes = g.sample_communes(rng, g.sample_departements(rng, count))
    last = sample(name_pools().last, rng, count)
    first = first_names(rng, male)
    frame = pl.DataFrame({
        "Id_patient": np.arange(1, count + 1, dtype=np.int32),
        "Nom": last, "Prenom": first,
        "Sexe": np.where(male, "M", "F"),
        "num": rng.integers(1, 200, count).astype(str),
        "street_type": sample(name_pools().street_types, rng, count),
        "street": sample(name_pools().street_names, rng, count),
        "Ville": communes["commune"], "Code_postal": communes["code_postal"],
        "code_commune": communes["code_commune"],
        "Pays": ["France"] * count,
        "domain": sample(pl.Series(_DOMAINS), rng, count),
        "Tel": french_phone(rng, count),
        "birth_day": birth_day,
        "order": rng.integers(1, 1000, count),
        "Groupe_sanguin": rng.choice(np.array([b for b, _ in _BLOOD]), size=count, p=[p for _, p in _BLOOD]),
        "height_cm": np.clip(np.where(male, rng.normal(176, 7, count), rng.normal(163, 6.5, count)), 140, 205).astype(int),
        "bmi": np.clip(rng.normal(25, 4, count), 16, 45),
        "male": male,
    })
    birth = pl.col("birth_day").cast(pl.Date)
    # Children are shorter: scale the adult height down before 18.
    age_years = ((reference_day - pl.col("birth_day")) / 365.25).floor().cast(pl.Int32)
    height = (pl.col("height_cm") * pl.min_horizontal(pl.lit(1.0), 0.45 + age_years.cast(pl.Float64) * 0.031)).round(0).cast(pl.Int32)
    weight = (pl.col("bmi") * (height.cast(pl.Float64) / 100) ** 2).round(0).cast(pl.Int32)
    nir_head = pl.concat_str([
        pl.when(pl.col("male")).then(pl.lit("1")).otherwise(pl.lit("2")),
        birth.dt.strftime("%y%m"), pl.col("code_commune"), pl.col("order").cast(pl.String).str.zfill(3),
    ])
    numeric = nir_head.str.replace("2A", "19").str.replace("2B", "18").cast(pl.Int64)
    frame = frame.with_columns(
        pl.concat_str([pl.col("num"), pl.col("street_type"), pl.col("street")], separator=" ").alias("Adresse"),
        pl.concat_str([
            ascii_expr(pl.col("Prenom").str.to_uppercase()), pl.lit("."), ascii_expr(pl.col("Nom").str.to_uppercase()),
        ]).str.to_lowercase().str.replace_all(" ", "-").str.replace_all("'", "").add("@").add(pl.col("domain")).alias("EMail"),
        birth.dt.strftime("%d/%m/%Y").alias("Date"),
        age_years.alias("Age"),
        pl.concat_str([nir_head, (97 - numeric % 97).cast(pl.String).str.zfill(2)]).alias("Num_Secu"),
        weight.cast(pl.String).alias("Poid"),
        height.cast(pl.String).alias("Taille"),
    )
    return frame


def patient_table(patients: pl.DataFrame) -> pl.DataFrame:
    from chu_platform.schemas.sources import CARE_TABLES

    return patients.select(CARE_TABLES["Patient"])


def adherents(seed: int, patients: pl.DataFrame, mutuelle_count: int) -> pl.DataFrame:
    """Nine patients in ten adhere to one mutual insurer (the insurers' sizes are skewed)."""
    rng = stream(seed, "adher")
    n = patients.height
    weights = 1.0 / np.arange(1, mutuelle_count + 1) ** 0.9
    member = rng.random(n) < 0.9
    mut = weighted_choice(rng, weights, n) + 1
    return pl.DataFrame({"Id_patient": patients["Id_patient"], "Id_mut": mut.astype(np.int32)}).filter(pl.Series(member))
