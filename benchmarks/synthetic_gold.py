"""Gold-shaped star schema synthesised at a chosen volume, for benchmarks and tests.

Scale 1 is the reference volume of the benchmark: 1 M consultations, 100 k patients,
300 k hospitalisations and 6 M deaths over ten years. The tables follow the gold contract of
DESIGN.md column for column, so the analyses and the peer engines read them exactly as they
read real gold. Same scale and seed, same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from chu_platform.layers.gold.reference_dims import build_dim_date, build_dim_geography
from chu_platform.lib import delta_store

FACTS = ("fact_consultation", "fact_hospitalisation", "fact_deces", "fact_satisfaction")
DIMENSIONS = ("dim_date", "dim_geography", "dim_patient", "dim_etablissement", "dim_professionnel", "dim_diagnostic")


@dataclass(frozen=True)
class Volumes:
    consultations: int
    patients: int
    hospitalisations: int
    deaths: int
    establishments: int
    professionals: int
    diagnoses: int

    @classmethod
    def at_scale(cls, scale: float) -> Volumes:
        def n(base: int, floor: int) -> int:
            return max(floor, int(round(base * scale)))

        return cls(
            consultations=n(1_000_000, 200),
            patients=n(100_000, 60),
            hospitalisations=n(300_000, 80),
            deaths=n(6_000_000, 200),
            establishments=min(2_000, n(1_000, 12)),
            professionals=min(50_000, n(5_000, 20)),
            diagnoses=min(15_000, n(8_000, 15)),
        )


def _day_keys(rng: np.random.Generator, year: int, size: int) -> np.ndarray:
    start = np.datetime64(date(year, 1, 1))
    days = (np.datetime64(date(year + 1, 1, 1)) - start).astype(int)
    picked = start + rng.integers(0, days, size).astype("timedelta64[D]")
    # Facts are written in date order, as the gold assets write them.
    picked.sort()
    as_text = np.datetime_as_string(picked, unit="D")
    return np.char.replace(as_text, "-", "").astype(np.int32)


def _date_key_plus(keys: np.ndarray, days: np.ndarray) -> np.ndarray:
    months = ((keys // 10000 - 1970) * 12 + keys // 100 % 100 - 1).astype("datetime64[M]")
    shifted = months.astype("datetime64[D]") + (keys % 100 - 1 + days).astype("timedelta64[D]")
    return np.char.replace(np.datetime_as_string(shifted, unit="D"), "-", "").astype(np.int32)


def dimensions(volumes: Volumes, years: Sequence[int], seed: int) -> dict[str, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    geography = build_dim_geography()
    metro = geography.filter(pl.col("departement_code").str.len_chars() == 2)
    dep_codes = metro["departement_code"].to_numpy()
    region_of = dict(zip(metro["departement_code"], metro["region_code"], strict=True))

    n_est = volumes.establishments
    est_dep = rng.choice(dep_codes, n_est)
    etablissements = pl.DataFrame(
        {
            "etablissement_key": np.arange(1, n_est + 1, dtype=np.int64),
            "finess": [f"{d}{i:07d}" for i, d in enumerate(est_dep)],
            "raison_sociale": [f"Établissement {i}" for i in range(1, n_est + 1)],
            "commune": [f"Commune {d}" for d in est_dep],
            "code_postal": [f"{d}000" for d in est_dep],
            "departement_code": est_dep,
            "region_code": [region_of[d] for d in est_dep],
            "categorie": rng.choice(["CHU", "CH", "Clinique", "Centre de santé"], n_est),
        }
    )

    n_prof = volumes.professionals
    specialites = np.array([f"Spécialité {i:02d}" for i in range(1, 41)])
    professionnels = pl.DataFrame(
        {
            "professionnel_key": np.arange(1, n_prof + 1, dtype=np.int64),
            "identifiant": [f"{10000000000 + i}" for i in range(n_prof)],
            "civilite": rng.choice(["M", "Mme", "Dr"], n_prof),
            "categorie": rng.choice(["Civil", "Militaire"], n_prof),
            "profession": rng.choice(["Médecin", "Infirmier", "Sage-femme", "Kinésithérapeute"], n_prof),
            "specialite": rng.choice(specialites, n_prof),
            # A tenth of the professionals have no known establishment (-1, the unknown member).
            "etablissement_key": np.where(rng.random(n_prof) < 0.1, -1, rng.integers(1, n_est + 1, n_prof)),
        }
    )

    n_diag = volumes.diagnoses
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    chapter = rng.integers(0, 22, n_diag)
    diagnostics = pl.DataFrame(
        {
            "diagnostic_key": np.arange(1, n_diag + 1, dtype=np.int64),
            "code_diag": [f"{letters[c]}{i:04d}" for i, c in enumerate(chapter)],
            "libelle": [f"Diagnostic {i}" for i in range(1, n_diag + 1)],
            "chapitre": [f"Chapitre {c + 1}" for c in chapter],
        }
    )

    patients = _dim_patient(rng, volumes.patients, dep_codes, region_of, years)
    return {
        "dim_date": build_dim_date(min(years) - 1, max(years) + 1),
        "dim_geography": geography,
        "dim_patient": patients,
        "dim_etablissement": etablissements,
        "dim_professionnel": professionnels,
        "dim_diagnostic": diagnostics,
    }


def _dim_patient(rng, n: int, dep_codes, region_of: dict, years: Sequence[int]) -> pl.DataFrame:
    """One row per patient version; one patient in twenty moved once (SCD type 2)."""
    # 64 hex characters of random bytes, like the HMAC-SHA256 pseudonyms of silver.
    digits = rng.bytes(32 * n).hex()
    pseudo = np.array([digits[i : i + 64] for i in range(0, 64 * n, 64)])
    sexe = rng.choice(["M", "F"], n)
    birth = rng.integers(1925, max(years) + 1, n).astype(np.int32)
    dep = rng.choice(dep_codes, n)
    moved = np.flatnonzero(rng.random(n) < 0.05)
    move_year = rng.integers(min(years), max(years) + 1, moved.size)
    far_future, far_past = date(9999, 12, 31), date(1900, 1, 1)
    first = pl.DataFrame(
        {
            "patient_pseudo": pseudo,
            "sexe": sexe,
            "annee_naissance": birth,
            "departement_code": dep,
            "valid_from": [far_past] * n,
            "valid_to": [far_future] * n,
            "is_current": np.ones(n, dtype=bool),
        }
    )
    moves = np.full(n, 0, dtype=np.int32)
    moves[moved] = move_year
    first = first.with_columns(
        valid_to=pl.when(pl.Series(moves) > 0)
        .then(pl.date(pl.Series(moves), 1, 1))
        .otherwise(pl.col("valid_to")),
        is_current=pl.Series(moves) == 0,
    )
    second = pl.DataFrame(
        {
            "patient_pseudo": pseudo[moved],
            "sexe": sexe[moved],
            "annee_naissance": birth[moved],
            "departement_code": rng.choice(dep_codes, moved.size),
            "valid_from": [date(int(y), 1, 1) for y in move_year],
            "valid_to": [far_future] * moved.size,
            "is_current": np.ones(moved.size, dtype=bool),
        },
        schema=first.schema,
    )
    both = pl.concat([first, second]).sort("patient_pseudo", "valid_from")
    return both.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("patient_key"),
        "patient_pseudo",
        "sexe",
        "annee_naissance",
        "departement_code",
        pl.col("departement_code").replace_strict(region_of, return_dtype=pl.String).alias("region_code"),
        "valid_from",
        "valid_to",
        "is_current",
    )


def _patient_keys_at(patients: pl.DataFrame, rng, year: int, size: int) -> np.ndarray:
    """Keys of the patient versions valid during ``year`` (drawn uniformly)."""
    valid = patients.filter(
        (pl.col("valid_from") <= date(year, 12, 31)) & (pl.col("valid_to") > date(year, 1, 1))
    ).unique("patient_pseudo", keep="last", maintain_order=True)
    keys = valid["patient_key"].to_numpy()
    return keys[rng.integers(0, keys.size, size)]


def fact_years(name: str, volumes: Volumes, dims: dict[str, pl.DataFrame], years: Sequence[int], seed: int):
    """Yield ``(year, frame)`` for one fact table, a year at a time to bound memory."""
    per_year = {
        "fact_consultation": volumes.consultations,
        "fact_hospitalisation": volumes.hospitalisations,
        "fact_deces": volumes.deaths,
        "fact_satisfaction": volumes.establishments,
    }[name] // len(years)
    build = {
        "fact_consultation": _consultations,
        "fact_hospitalisation": _hospitalisations,
        "fact_deces": _deaths,
        "fact_satisfaction": _satisfaction,
    }[name]
    for offset, year in enumerate(years):
        rng = np.random.default_rng([seed, FACTS.index(name), year])
        frame = build(rng, year, max(per_year, 1), dims, offset * 10_000_000)
        yield year, frame.with_columns(pl.lit(year, dtype=pl.Int32).alias(delta_store.YEAR))


def _consultations(rng, year, n, dims, id_base) -> pl.DataFrame:
    prof = dims["dim_professionnel"]
    prof_index = rng.integers(0, prof.height, n)
    est = prof["etablissement_key"].to_numpy()[prof_index]
    return pl.DataFrame(
        {
            "consultation_id": np.arange(id_base + 1, id_base + n + 1, dtype=np.int64),
            "date_key": _day_keys(rng, year, n),
            "patient_key": _patient_keys_at(dims["dim_patient"], rng, year, n),
            "professionnel_key": prof["professionnel_key"].to_numpy()[prof_index],
            # Skewed towards frequent diagnoses, as in real activity.
            "diagnostic_key": np.minimum(rng.zipf(1.3, n), dims["dim_diagnostic"].height).astype(np.int64),
            "etablissement_key": pl.Series(est).replace(-1, None),
            "duree_minutes": rng.integers(10, 60, n).astype(np.int32),
        }
    )


def _hospitalisations(rng, year, n, dims, id_base) -> pl.DataFrame:
    patients = dims["dim_patient"]
    keys = _patient_keys_at(patients, rng, year, n)
    # patient_key runs 1..n, so the birth year of key k is at index k - 1.
    birth = patients["annee_naissance"].to_numpy()
    stay = rng.geometric(0.25, n).astype(np.int32) - 1
    entry = _day_keys(rng, year, n)
    return pl.DataFrame(
        {
            "hospitalisation_id": np.arange(id_base + 1, id_base + n + 1, dtype=np.int64),
            "date_entree_key": entry,
            "date_sortie_key": _date_key_plus(entry, stay),
            "patient_key": keys,
            "etablissement_key": rng.integers(1, dims["dim_etablissement"].height + 1, n).astype(np.int64),
            "diagnostic_key": np.minimum(rng.zipf(1.3, n), dims["dim_diagnostic"].height).astype(np.int64),
            "duree_sejour_jours": stay,
            "age_a_l_admission": np.maximum(0, year - birth[keys - 1]).astype(np.int32),
        }
    )


def _deaths(rng, year, n, dims, id_base) -> pl.DataFrame:
    geography = dims["dim_geography"]
    # Mostly metropolitan and overseas départements, some abroad and unknown places.
    dep = geography["departement_code"].to_numpy()[rng.integers(0, geography.height, n)]
    region_of = dict(zip(geography["departement_code"], geography["region_code"], strict=True))
    return pl.DataFrame(
        {
            "deces_id": np.arange(id_base + 1, id_base + n + 1, dtype=np.int64),
            "date_deces_key": _day_keys(rng, year, n),
            "sexe": rng.choice(["M", "F"], n),
            "age_au_deces": np.clip(rng.normal(79, 14, n), 0, 110).astype(np.int32),
            "departement_code": dep,
        }
    ).with_columns(region_code=pl.col("departement_code").replace_strict(region_of, return_dtype=pl.String))


def _satisfaction(rng, year, n, dims, id_base) -> pl.DataFrame:
    est = dims["dim_etablissement"]
    count = est.height
    scores = rng.normal(73, 6, (count, 7)).clip(0, 100).round(2)
    answers = rng.integers(0, 400, count).astype(np.int64)
    published = answers >= 30
    return pl.DataFrame(
        {
            "etablissement_key": est["etablissement_key"],
            "region_code": est["region_code"],
            "score_global": np.where(published, scores[:, 0], np.nan),
            "nb_reponses": answers,
            "classement": rng.choice(["A", "B", "C", "D"], count),
            "score_accueil": scores[:, 1],
            "score_pec_infirmier": scores[:, 2],
            "score_pec_medical": scores[:, 3],
            "score_chambre": scores[:, 4],
            "score_repas": scores[:, 5],
            "score_sortie": scores[:, 6],
            "taux_recommandation": rng.uniform(50, 100, count).round(1),
        }
    ).with_columns(pl.col("score_global").fill_nan(None))


def write_gold(lake: str, scale: float, seed: int = 7, years: Sequence[int] = tuple(range(2015, 2025))) -> dict[str, int]:
    """Write the synthetic star schema under ``<lake>/gold``; returns rows per table."""
    volumes = Volumes.at_scale(scale)
    dims = dimensions(volumes, years, seed)
    rows: dict[str, int] = {}
    for name, frame in dims.items():
        delta_store.write_table(frame, delta_store.table_uri(lake, ["gold", name]))
        rows[name] = frame.height
    for name in FACTS:
        uri = delta_store.table_uri(lake, ["gold", name])
        rows[name] = 0
        for year, frame in fact_years(name, volumes, dims, years, seed):
            delta_store.write_years(frame, uri, [year])
            rows[name] += frame.height
    return rows
