"""The shape of French hospital (MCO) activity the generated stays follow: months, weekdays,
length of stay and 30-day readmissions. Each parameter is either **sourced** (a figure read in
the publication named, with its address and the sentence it comes from) or an **assumption**
(the platform's choice, with the reason for the value); nothing here is attributed to a
publication that was not read. The generated data reproduces the shape, not the exact national
value (a CHU's case mix and a scaled-down population differ from the national one). Sources
read on 2026-12-05 (public copies found by search); docs/activity.md, "Where the generated
sources get their shape", has the same table.

- Mean length of a full (≥ 1 night) MCO stay, 5.5 days: **sourced**.
  evaluation.securite-sociale.fr, programme « Maladie », indicator 1.6.2 "Séjours dans les
  établissements de santé par région, discipline et catégorie d'hospitalisation" (edition on
  2022 data), https://evaluation.securite-sociale.fr/home/maladie/1.6.2.%20S%C3%A9jours%20dans%20les%20%C3%A9tabliss.html:
  "entre 2013 et 2019 [...] la durée moyenne de séjour passait de 5,7 à 5,5 nuitées" and
  "Après une augmentation en 2020, la durée moyenne de séjour en hospitalisation complète
  maintient le niveau de 2019 retrouvé en 2021 à 5,5 nuitées." A press report of the ATIH 2018
  fiche gives the same value (https://medecin-occitanie.org/?p=652: "10,7 millions de séjours
  [...] pour une durée moyenne de séjour de 5,5 jours, selon la fiche de l'ATIH"). The length
  drawn is the number of nights (discharge day minus admission day), so the generated mean is
  set to 5.5 (measured 5.48-5.57 over four seeds of 100,000 patients). The earlier attribution
  to "DREES, Les établissements de santé 2022, fiche 16, 5.6 days" was never read and is gone.
  **Assumption**: the rise with age (``mean_stay_days``) and the log-normal spread
  (``LENGTH_SIGMA``, median 4, P90 12): no published distribution was read; the long right tail
  is the usual shape of lengths of stay.
- 30-day readmissions, 14.7 % of stays of patients aged 65 and over: **sourced, for that
  sub-population**. M. K. Gusmano, V. G. Rodwin, D. Weisz, J. Cottenet, C. Quantin,
  "Comparison of rehospitalization rates in France and the United States", Journal of Health
  Services Research & Policy 20(1): 18-25 (2015), abstract at
  https://wagner.nyu.edu/impact/research/publications/comparison-rehospitalization-rates-france-and-united-states:
  30-day all-cause rehospitalization of patients aged 65 or more hospitalized in France in
  2010, "Rates of rehospitalization in France (14.7%) are lower than among Medicare
  beneficiaries in the US (20%)." It is the nearest figure found: national, all causes, 30
  days, but only for 65+ and 2010. No all-ages national rate was read (the DGOS/ATIH RH30
  guide, 2018, exists but its results were not in the copies found). ``READMISSION_SHARE`` is
  set so that the generated stays of patients aged 65+ are followed by another stay of the same
  patient 1-30 days after discharge in 14.7 % of cases (measured 14.5-14.9 %, four seeds of
  100,000 patients; any later stay counts, the source's rate being all-cause; whether its
  denominator is stays or patients was not read). **Assumption**: the age
  slope of ``readmission_probability``, hence the all-ages share (about 12.3-12.5 %) and the
  under-65 share (about 11 %); for comparison, a nationwide study found 30-day
  readmissions of 5.9 % after surgery in 2010 ("Readmissions After Surgery: A French Nationwide
  Cross-Sectional Study of 1,686,602 Procedures Performed in 2010", World Journal of Surgery,
  2017, https://www.springermedicine.com/link?doi=10.1007/s00268-016-3740-6: "Thirty-day
  readmission rate was 5.9 %."), so the under-65 share here is probably high.
- August: admissions 0.81 times the mean of the other months (18 % under the 12-month mean):
  **assumption derived from a sub-population figure**. P. Caillet, C. Payet, S. Polazzi,
  M. J. Carty, J.-C. Lifante, A. Duclos, "Increased Mortality for Elective Surgery during
  Summer Vacation: A Longitudinal Analysis of Nationwide Data", PLOS ONE 10(9) (2015),
  https://pmc.ncbi.nlm.nih.gov/articles/PMC4583258: open elective surgery in 609 French
  hospitals, 2007-2012, "Hospital activity decreased substantially in August (78,126 inpatient
  stays, 75,298–80,954) in relation to other months (128,142, 125,697–130,586, p<.001)", i.e.
  August at 0.61 of the other months. No monthly series of all MCO stays was read. The
  platform applies that elective drop to half of the stays and keeps the other half (emergency
  and medical stays) flat: 0.5 x 0.61 + 0.5 = 0.81; the half is the assumption. The rest of
  the monthly profile (winter peak December-March) is an assumption too.
- Weekends: a Saturday or Sunday has 0.57 of a weekday's admissions: **sourced, nearest
  figure (England, not France)**. "Weekend admission to hospital has a higher risk of death in
  the elective setting than in the emergency setting: a retrospective database study of
  national health service hospitals in England", BMC Health Services Research 12:87,
  https://bmchealthservres.biomedcentral.com/article/10.1186/1472-6963-12-87: all acute
  hospitals in England, April 2008-March 2009, "Of the 1,535,267 elective admissions, 91.7%
  (1,407,705) were admitted on the weekday and 8.3% (127,562) were admitted on the weekend.
  [...] Of the 3,105,249 emergency admissions, 76.3% (2,369,316) were admitted on the weekday
  and 23.7% (735,933) were admitted on the weekend." (emergency stays of 0 days discharged
  alive excluded). Per day, weekend 863,495 / 2 against weekday 3,777,021 / 5: 0.57 (elective
  0.23, emergency 0.78). No French figure by day of the week was found; this is the nearest:
  a national, all-admissions count. The Swiss Federal Statistical Office reports the same order
  for emergencies (https://competence.ch/fr/?p=51802&post_type=post: "les samedis et dimanches
  ou les jours fériés, qui enregistrent quelque 20% d'admissions d'urgence en moins").
  ``ADMISSION_WEEKDAYS`` is set so that all generated stays (readmissions, which fall on any
  day, included) give 0.57 (measured 0.56-0.57, four seeds of 100,000 patients).
  **Assumption**: Monday the busiest weekday and Saturday above Sunday (the split inside each
  group).

Consultations keep their own months and opening days (``seasonality.CONSULTATION_MONTHS`` and
``CONSULTATION_WEEKDAYS``), not covered by these sources.

The tests check the generated shape against these values
(``chu_platform_tests/generate/test_realism.py``).
"""

from __future__ import annotations

import numpy as np

# Relative admissions per month, January..December (mean 1). August 0.82 = 0.81 x the mean of
# the other months (see the docstring: Caillet et al. for elective surgery, applied to half the
# stays); the rest of the profile is an assumption.
HOSPITAL_MONTHS = np.array([1.10, 1.05, 1.04, 0.99, 0.98, 0.99, 0.93, 0.82, 0.99, 1.04, 1.04, 1.03])
# Relative admissions per weekday, Monday..Sunday: weekend days at 0.51 of the weekday mean for
# first admissions, 0.57 once readmissions (any day) are added (England 2008-09, see above).
ADMISSION_WEEKDAYS = np.array([1.25, 1.20, 1.15, 1.15, 1.10, 0.66, 0.54])
# Log-normal spread of stay lengths (median 4, P90 about 2.2 times the mean): assumption.
LENGTH_SIGMA = 0.85
# Scale of the readmission probability: 14.7 % of the stays of patients aged 65+ readmitted
# within 30 days (Gusmano et al., France 2010).
READMISSION_SHARE = 0.115
# Days from discharge to the readmission: exponential, mostly within the first two weeks
# (assumption).
READMISSION_MEAN_GAP = 8.0
# Share of readmissions in the same establishment (assumption).
SAME_ESTABLISHMENT = 0.85


def mean_stay_days(age: np.ndarray) -> np.ndarray:
    """Mean length of a stay at ``age``: about 2.9 days at 20, 6.5 at 70, 7.5 days past 85
    (overall mean of the generated stays 5.5 days, the national DMS)."""
    return 1.46 + np.minimum(age, 85) / 14.0


def lengths(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    """Whole days (≥ 1), log-normal around ``mean_stay_days(age)``."""
    mu = np.log(mean_stay_days(age)) - LENGTH_SIGMA**2 / 2
    return np.maximum(1, np.rint(rng.lognormal(mu, LENGTH_SIGMA))).astype(np.int32)


def readmission_probability(age: np.ndarray) -> np.ndarray:
    """Chance that a stay is followed by a drawn readmission: about 9 % at 20, 17 % at 80, 19 % past
    90 (scale sourced for 65+, slope assumed; see the module docstring)."""
    return np.clip(READMISSION_SHARE * (0.5 + np.minimum(age, 90) / 80.0), 0.0, 0.3)


def readmission_gaps(rng: np.random.Generator, size: int) -> np.ndarray:
    """Days between the day after discharge and the readmission (so it falls 1 day to a few months
    after discharge), short gaps most likely."""
    return np.floor(rng.exponential(READMISSION_MEAN_GAP, size)).astype(np.int32)
