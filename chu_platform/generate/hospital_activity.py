"""The shape of French hospital (MCO) activity the generated stays follow: months, weekdays,
length of stay and 30-day readmissions. Each figure names the publication it is taken from;
the generated data reproduces the shape, not the exact national value (a CHU's case mix and a
scaled-down population differ from the national one).

- Length of stay: mean length of a full (≥ 1 night) MCO stay about 5.6 days, median about 3-4
  days, long right tail (DREES, *Les établissements de santé*, 2022 edition, fiche 16
  "La médecine, chirurgie, obstétrique": DMS of full hospitalisation ~5.6 days in 2019-2021).
  Drawn from a log-normal whose mean rises with age (2.9 days at 20, 8 days past 80).
- 30-day readmissions: about one stay in ten is followed by another stay of the same patient
  within 30 days of discharge, more after 75 (DGOS/ATIH, *Les réhospitalisations à 30 jours
  (RH30), guide méthodologique*, 2018, all-cause MCO readmissions; HAS/ATIH RH7 indicator for
  the 1-7 day share). Modelled as a second stay drawn for ~10 % of stays, gaps short-weighted.
- Months: a winter peak (December-March, respiratory epidemics) and a summer trough, August
  about 18 % under the monthly mean (ATIH, *Analyse de l'activité hospitalière*, monthly MCO
  stays, 2017-2019).
- Weekdays: admissions concentrated on weekdays (scheduled activity); Saturday and Sunday
  about 40-50 % of a weekday, from emergency admissions (same ATIH source, entries by day).

The numbers are quoted as read in those publications; the tests check the generated shape
(``chu_platform_tests/generate/test_realism.py``), not the national value.

Checked against the sources on 2026-12-05 (public copies found by search; docs/activity.md,
"Where the generated sources get their shape", lists them):

- DMS 5.6 days: **unverified**. Found instead: DREES, *L'activité des établissements de santé
  en 2005*: the mean length of stay fell "below 6 days"; ATIH, *Analyse de l'activité
  hospitalière 2015*: medicine stays in full hospitalisation last 7.2 days on average. The
  5.6 figure and the fiche number are not confirmed.
- RH30 about one stay in ten: the guide exists (DGOS/ATIH, *Les réhospitalisations à 30 jours
  (RH30) : guide méthodologique de calcul de l'indicateur et présentation des principaux
  résultats*, 2018), but its national rate was not read: **unverified**. Its definition
  (index stay = the patient's first stay of the year, transfers excluded) is confirmed by the
  ministry's RH7 page (solidarites-sante.gouv.fr, "Les indicateurs de réhospitalisation et de
  coordination").
- August about 18 % under the monthly mean, weekend admissions 40-50 % of a weekday:
  **unverified**, no source found.
"""

from __future__ import annotations

import numpy as np

# Relative admissions per month, January..December (mean 1).
HOSPITAL_MONTHS = np.array([1.10, 1.05, 1.04, 0.99, 0.98, 0.99, 0.93, 0.82, 0.99, 1.04, 1.04, 1.03])
# Relative admissions per weekday, Monday..Sunday.
ADMISSION_WEEKDAYS = np.array([1.25, 1.20, 1.15, 1.15, 1.10, 0.55, 0.45])
# Log-normal spread of stay lengths (P90 about 2.3 times the mean).
LENGTH_SIGMA = 0.85
READMISSION_SHARE = 0.10
# Days from discharge to the readmission: exponential, mostly within the first two weeks.
READMISSION_MEAN_GAP = 8.0
SAME_ESTABLISHMENT = 0.85


def mean_stay_days(age: np.ndarray) -> np.ndarray:
    """Mean length of a stay at ``age``: about 2.9 days at 20, 6.9 at 70, 8 days past 80."""
    return 1.9 + np.minimum(age, 85) / 14.0


def lengths(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    """Whole days (≥ 1), log-normal around ``mean_stay_days(age)``."""
    mu = np.log(mean_stay_days(age)) - LENGTH_SIGMA**2 / 2
    return np.maximum(1, np.rint(rng.lognormal(mu, LENGTH_SIGMA))).astype(np.int32)


def readmission_probability(age: np.ndarray) -> np.ndarray:
    """Chance that a stay is followed by a readmission: ~6 % at 20, ~14 % past 80 (mean ~10 %)."""
    return np.clip(READMISSION_SHARE * (0.5 + np.minimum(age, 90) / 80.0), 0.0, 0.3)


def readmission_gaps(rng: np.random.Generator, size: int) -> np.ndarray:
    """Days from discharge to readmission: 0 (same day) to a few months, short gaps most likely."""
    return np.floor(rng.exponential(READMISSION_MEAN_GAP, size)).astype(np.int32)
