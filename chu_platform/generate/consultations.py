"""Consultations and their prescriptions: seasonal dates, opening hours, skewed diagnoses."""

from __future__ import annotations

import numpy as np
import polars as pl

from chu_platform.generate import seasonality
from chu_platform.generate.streams import stream, weighted_choice, zipf_weights

MOTIFS = ("Consultation de suivi", "Renouvellement d'ordonnance", "Douleur", "Fievre", "Bilan annuel",
          "Controle post-operatoire", "Premiere consultation", "Avis specialise", "Resultats d'examens",
          "Certificat medical", "Vaccination", "Toux persistante", "Fatigue", "Urgence non vitale")


def build(seed: int, count: int, years: list[int], patients: pl.DataFrame, adher: pl.DataFrame,
          professionals: pl.DataFrame, diagnoses: pl.DataFrame) -> pl.DataFrame:
    """One row per consultation, numbered in time order (Consultation's columns)."""
    rng = stream(seed, "consultations")
    growth = {y: 1.0 + 0.02 * (y - min(years)) for y in years}
    day = seasonality.sample_days(rng, years, count, seasonality.CONSULTATION_MONTHS, seasonality.CONSULTATION_WEEKDAYS, growth)
    ages = patients["Age"].to_numpy()
    # Some patients come often, most rarely; the old more than the young.
    activity = rng.gamma(0.8, 1.0, patients.height) * (1 + ages / 40.0)
    patient = weighted_choice(rng, activity, count)
    birth = patients["birth_day"].to_numpy()
    unborn = np.flatnonzero(day < birth[patient])
    if len(unborn):
        adults = np.flatnonzero(birth < seasonality.days_of(years)[0])
        patient[unborn] = adults[weighted_choice(rng, activity[adults], len(unborn))]
    prof = weighted_choice(rng, rng.gamma(1.5, 1.0, professionals.height), count)
    diag = weighted_choice(rng, zipf_weights(diagnoses.height), count)
    start = seasonality.opening_minutes(rng, count)
    duration = rng.choice(np.array([15, 20, 30, 45]), size=count, p=[0.35, 0.3, 0.25, 0.1])
    # Numbered in time order; draws are already in random order, so a stable sort on one
    # integer key (minute of the period) orders ties randomly.
    order = np.argsort(day.astype(np.int64) * 1440 + start, kind="stable")
    patient, prof, diag, day, start, duration = (a[order] for a in (patient, prof, diag, day, start, duration))
    mutuelle = np.zeros(patients.height + 1, dtype=np.int32)
    mutuelle[adher["Id_patient"].to_numpy()] = adher["Id_mut"].to_numpy()
    patient_id = patients["Id_patient"].to_numpy()[patient]
    frame = pl.DataFrame({
        "Id_mut": mutuelle[patient_id],
        "Id_patient": patient_id,
        "Id_prof_sante": professionals["Identifiant"].gather(prof),
        "Code_diag": diagnoses["Code_diag"].gather(diag),
        "Motif": pl.Series(MOTIFS).gather(rng.integers(0, len(MOTIFS), count)),
        "day": day, "start": start, "end": start + duration,
    }).with_columns(pl.col("Id_mut").replace(0, None))
    return frame.select(
        pl.int_range(1, count + 1, dtype=pl.Int32).alias("Num_consultation"),
        "Id_mut", "Id_patient", "Id_prof_sante", "Code_diag", "Motif",
        seasonality.as_date(pl.col("day")).alias("Date"),
        seasonality.minutes_to_time(pl.col("start")).alias("Heure_debut"),
        seasonality.minutes_to_time(pl.col("end")).alias("Heure_fin"),
    )


def prescriptions(seed: int, consultations: pl.DataFrame, medicaments: pl.DataFrame) -> pl.DataFrame:
    """0-3 distinct medicines per consultation (popular medicines much more often)."""
    rng = stream(seed, "prescriptions")
    per = rng.choice(np.array([0, 1, 2, 3]), size=consultations.height, p=[0.35, 0.35, 0.2, 0.1])
    owner = np.repeat(np.arange(consultations.height), per)
    med = weighted_choice(rng, zipf_weights(medicaments.height, 0.9), len(owner))
    return pl.DataFrame({
        "Num_consultation": consultations["Num_consultation"].gather(owner),
        "Code_CIS": medicaments["Code_CIS"].gather(med),
    }).unique(maintain_order=True)
