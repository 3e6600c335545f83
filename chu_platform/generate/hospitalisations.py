"""Hospital stays (``Hospitalisations.csv``): probability and length rising with age, the
months, weekdays, lengths and readmissions of French MCO activity (``hospital_activity``)."""

from __future__ import annotations

import numpy as np
import polars as pl

from chu_platform.generate import seasonality, hospital_activity
from chu_platform.generate.streams import pick_lines, stream, weighted_choice, zipf_weights


def admission_probability(age: np.ndarray) -> np.ndarray:
    """Yearly probability of at least one stay: newborns, then rising steadily after 40."""
    return np.where(age < 1, 0.08, 0.012 + 0.0011 * age + 0.00004 * np.maximum(age - 60, 0) ** 2)


def build(seed: int, years: list[int], patients: pl.DataFrame, hospitals: pl.DataFrame,
          diagnoses: pl.DataFrame, unknown_rate: float) -> tuple[pl.DataFrame, np.ndarray]:
    """One row per stay (the file's columns, ``Date_Entree`` still a day number), and the
    rows whose diagnosis code is deliberately unknown to the care base."""
    rng = stream(seed, "hospitalisations")
    birth = patients["birth_day"].to_numpy()
    patient_rows, days = [], []
    for year in years:
        start = int(np.datetime64(f"{year}-01-01").astype(np.int64))
        age = np.maximum((start + 182 - birth) / 365.25, 0)
        alive = birth < start + 365
        stays = rng.poisson(admission_probability(age) * alive)
        rows = np.repeat(np.arange(patients.height), stays)
        patient_rows.append(rows)
        days.append(seasonality.sample_days(rng, [year], len(rows), hospital_activity.HOSPITAL_MONTHS,
                                         hospital_activity.ADMISSION_WEEKDAYS))
    patient = np.concatenate(patient_rows)
    day = np.concatenate(days)
    day = np.maximum(day, birth[patient])
    age = (day - birth[patient]) / 365.25
    length = hospital_activity.lengths(rng, age)
    hospital = weighted_choice(rng, zipf_weights(hospitals.height, 0.7), len(patient))
    patient, day, length, hospital = _with_readmissions(rng, years, patient, day, length, hospital, birth, hospitals.height)
    count = len(patient)
    diag = weighted_choice(rng, zipf_weights(diagnoses.height, 1.0)[rng.permutation(diagnoses.height)], count)
    unknown = pick_lines(rng, np.arange(count), unknown_rate)
    code = diagnoses["Code_diag"].gather(diag)
    label = diagnoses["Diagnostic"].gather(diag)
    # An unknown code is a real category with a 4-digit subcode (known codes have at most
    # 3), as when a coder types too precise a code: the label still matches.
    mask = np.zeros(count, dtype=bool)
    mask[unknown] = True
    extra = rng.integers(1000, 10_000, count)
    frame = pl.DataFrame({
        "Num_Hospitalisation": (1 + rng.choice(count * 3, size=count, replace=False)).astype(np.int64),
        "Id_patient": patients["Id_patient"].gather(patient),
        "identifiant_organisation": hospitals["identifiant_organisation"].gather(hospital),
        "code": code, "extra": extra, "unknown": mask,
        "Suite_diagnostic_consultation": label,
        "day": day.astype(np.int32),
        "Jour_Hospitalisation": length.astype(np.int32),
    }).with_columns(
        pl.when(pl.col("unknown")).then(pl.concat_str([pl.col("code").str.slice(0, 3), pl.col("extra").cast(pl.String)]))
        .otherwise(pl.col("code")).alias("Code_diagnostic")
    ).sort(["day", "Num_Hospitalisation"])
    unknown_rows = np.flatnonzero(frame["unknown"].to_numpy())
    return frame.select(
        "Num_Hospitalisation", "Id_patient", "identifiant_organisation", "Code_diagnostic",
        "Suite_diagnostic_consultation", "day", "Jour_Hospitalisation",
    ), unknown_rows


def _with_readmissions(rng: np.random.Generator, years: list[int], patient: np.ndarray, day: np.ndarray,
                       length: np.ndarray, hospital: np.ndarray, birth: np.ndarray, hospitals: int):
    """The stays plus one readmission for a share of them (same patient, mostly the same
    establishment, a few days after discharge); readmissions after the last year are not kept."""
    age = (day - birth[patient]) / 365.25
    again = rng.random(len(patient)) < hospital_activity.readmission_probability(age)
    entry = day[again] + length[again] + 1 + hospital_activity.readmission_gaps(rng, int(again.sum()))
    inside = entry < seasonality.days_of(years)[-1] + 1
    source = np.flatnonzero(again)[inside]
    entry = entry[inside]
    moved = rng.random(len(source)) >= hospital_activity.SAME_ESTABLISHMENT
    elsewhere = weighted_choice(rng, zipf_weights(hospitals, 0.7), len(source))
    return (
        np.concatenate([patient, patient[source]]),
        np.concatenate([day, entry.astype(day.dtype)]),
        np.concatenate([length, hospital_activity.lengths(rng, (entry - birth[patient[source]]) / 365.25)]),
        np.concatenate([hospital, np.where(moved, elsewhere, hospital[source])]),
    )


def impossible_dates(dates: pl.Series, rng: np.random.Generator, rows: np.ndarray) -> pl.Series:
    """``dd/mm/yyyy`` strings with some replaced by days that do not exist (31/02, 31/04...)."""
    mask = np.zeros(len(dates), dtype=bool)
    mask[rows] = True
    bad = pl.Series(np.array(["31/02/", "30/02/", "31/04/", "31/06/", "31/09/", "31/11/"])[rng.integers(0, 6, len(dates))])
    return pl.select(
        pl.when(pl.lit(pl.Series(mask))).then(pl.concat_str([pl.lit(bad), pl.lit(dates).str.slice(6, 4)]))
        .otherwise(pl.lit(dates))
    ).to_series()
