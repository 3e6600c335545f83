"""The SQL of the eight analyses, over the gold star schema (DESIGN.md "The analyses").

Every query takes the named parameters ``$from_key``/``$to_key`` (YYYYMMDD, inclusive) and
``$from_year``/``$to_year`` (the same bounds as years, so DuckDB reads only those year
partitions), plus ``$establishment`` (a FINESS number) and ``$diagnosis`` (a CIM-10 code or
code prefix) where the analysis accepts them, NULL meaning "no filter".

A filter restricts the events counted, numerator and denominator alike — except the filter
on the dimension an analysis is broken down by, which only selects which rows are shown
(``consultations_by_establishment --establishment F`` shows F's share of all consultations).

People are counted by ``dim_patient.patient_pseudo``, never by ``patient_key``: the patient
dimension is SCD type 2, so one person may have several keys. Events of the unknown patient
(key -1) count as events but not as people.
"""

from __future__ import annotations

_PERIOD = "f.year BETWEEN $from_year AND $to_year AND f.{date} BETWEEN $from_key AND $to_key"
_BY_ESTABLISHMENT = (
    "($establishment IS NULL OR f.etablissement_key IN "
    "(SELECT etablissement_key FROM dim_etablissement WHERE finess = $establishment))"
)
_BY_DIAGNOSIS = (
    "($diagnosis IS NULL OR f.diagnostic_key IN "
    "(SELECT diagnostic_key FROM dim_diagnostic WHERE starts_with(code_diag, $diagnosis)))"
)


def where(date_column: str, *filters: str) -> str:
    return " AND ".join([_PERIOD.format(date=date_column), *filters])


CONSULTATIONS = where("date_key", _BY_ESTABLISHMENT, _BY_DIAGNOSIS)
HOSPITALISATIONS = where("date_entree_key", _BY_ESTABLISHMENT, _BY_DIAGNOSIS)

_UNKNOWN_ESTABLISHMENT = "'Établissement inconnu'"

# Each share analysis is a ``counts`` CTE (key, numerator, denominator) over the facts, then
# labels and order; the key column stays in the result (run_analysis drops it) so that the
# per-year pre-aggregates (marts/aggregates.py), which store these rows, can add years up.
def establishment_shares(counts: str) -> str:
    return f"""
WITH counts AS ({counts})
SELECT c.etablissement_key,
       e.finess,
       coalesce(e.raison_sociale, {_UNKNOWN_ESTABLISHMENT}) AS raison_sociale,
       e.commune,
       c.numerator,
       c.denominator::BIGINT AS denominator,
       c.numerator / c.denominator AS rate
FROM counts c
LEFT JOIN dim_etablissement e ON e.etablissement_key = c.etablissement_key
WHERE $establishment IS NULL OR e.finess = $establishment
ORDER BY c.numerator DESC, e.finess NULLS LAST
"""


CONSULTATIONS_BY_ESTABLISHMENT = establishment_shares(f"""
    SELECT coalesce(f.etablissement_key, -1) AS etablissement_key,
           count(*) AS numerator,
           sum(count(*)) OVER () AS denominator
    FROM fact_consultation f
    WHERE {where("date_key", _BY_DIAGNOSIS)}
    GROUP BY 1
""")


def diagnosis_shares(counts: str) -> str:
    return f"""
WITH counts AS ({counts})
SELECT c.diagnostic_key,
       d.code_diag,
       coalesce(d.libelle, 'Diagnostic inconnu') AS libelle,
       d.chapitre,
       c.numerator,
       c.denominator::BIGINT AS denominator,
       c.numerator / c.denominator AS rate
FROM counts c
LEFT JOIN dim_diagnostic d ON d.diagnostic_key = c.diagnostic_key
WHERE $diagnosis IS NULL OR starts_with(d.code_diag, $diagnosis)
ORDER BY c.numerator DESC, d.code_diag NULLS LAST
"""


def _by_diagnosis(fact: str, where: str) -> str:
    return diagnosis_shares(f"""
    SELECT coalesce(f.diagnostic_key, -1) AS diagnostic_key, count(*) AS numerator,
           sum(count(*)) OVER () AS denominator
    FROM {fact} f
    WHERE {where}
    GROUP BY 1
""")


CONSULTATIONS_BY_DIAGNOSIS = _by_diagnosis("fact_consultation", where("date_key", _BY_ESTABLISHMENT))
HOSPITALISATIONS_BY_DIAGNOSIS = _by_diagnosis(
    "fact_hospitalisation", where("date_entree_key", _BY_ESTABLISHMENT)
)

_PATIENTS = "SELECT patient_key, patient_pseudo, sexe, annee_naissance FROM dim_patient WHERE patient_key <> -1"

# Distinct patient keys first (integers, cheap), then the few keys to their person: the
# pseudonym strings are compared only once per key, not once per event.
HOSPITALISATION_RATE = f"""
WITH patients AS ({_PATIENTS}),
hospitalised AS (
    SELECT DISTINCT f.patient_key FROM fact_hospitalisation f WHERE {HOSPITALISATIONS}
),
seen AS (
    SELECT f.patient_key FROM fact_consultation f WHERE {CONSULTATIONS}
    UNION
    SELECT patient_key FROM hospitalised
),
counts AS (
    SELECT (SELECT count(DISTINCT p.patient_pseudo) FROM hospitalised k JOIN patients p USING (patient_key)) AS numerator,
           (SELECT count(DISTINCT p.patient_pseudo) FROM seen k JOIN patients p USING (patient_key)) AS denominator
)
SELECT numerator, denominator, numerator / nullif(denominator, 0) AS rate FROM counts
"""

_AGE_BAND = """CASE
        WHEN age IS NULL OR age < 0 THEN 'unknown'
        WHEN age < 18 THEN '0-17'
        WHEN age < 40 THEN '18-39'
        WHEN age < 65 THEN '40-64'
        WHEN age < 80 THEN '65-79'
        ELSE '80+' END"""

# A patient belongs to the (sex, age band) of each of his contacts in the period: age at
# admission for a stay, consultation year minus birth year for a consultation. A patient
# whose band changes within the period is counted in each band, once; the per-sex and
# per-band totals ('all') count him once.
HOSPITALISATIONS_BY_SEX_AGE = f"""
WITH patients AS ({_PATIENTS}),
consulted AS (
    SELECT DISTINCT f.patient_key, f.year FROM fact_consultation f WHERE {CONSULTATIONS}
),
hospitalised AS (
    SELECT DISTINCT f.patient_key, f.age_a_l_admission AS age FROM fact_hospitalisation f WHERE {HOSPITALISATIONS}
),
contacts AS (
    SELECT p.patient_pseudo, p.sexe, c.year - p.annee_naissance AS age, false AS hospitalised
    FROM consulted c JOIN patients p ON p.patient_key = c.patient_key
    UNION ALL
    SELECT p.patient_pseudo, p.sexe, h.age, true
    FROM hospitalised h JOIN patients p ON p.patient_key = h.patient_key
),
memberships AS (
    SELECT patient_pseudo, coalesce(sexe, 'unknown') AS sexe, {_AGE_BAND} AS age_band,
           bool_or(hospitalised) AS hospitalised
    FROM contacts
    GROUP BY 1, 2, 3
),
by_sex AS (SELECT patient_pseudo, sexe, bool_or(hospitalised) AS hospitalised FROM memberships GROUP BY 1, 2),
by_band AS (SELECT patient_pseudo, age_band, bool_or(hospitalised) AS hospitalised FROM memberships GROUP BY 1, 2),
groups AS (
    SELECT sexe, age_band, count(*) FILTER (WHERE hospitalised) AS numerator, count(*) AS denominator
    FROM memberships GROUP BY 1, 2
    UNION ALL
    SELECT sexe, 'all', count(*) FILTER (WHERE hospitalised), count(*) FROM by_sex GROUP BY 1
    UNION ALL
    SELECT 'all', age_band, count(*) FILTER (WHERE hospitalised), count(*) FROM by_band GROUP BY 2
)
SELECT sexe, age_band, numerator, denominator, numerator / denominator AS rate
FROM groups
ORDER BY sexe = 'all', sexe, age_band = 'all', age_band
"""

# No ORDER BY: with tens of thousands of professionals, most with a handful of consultations,
# DuckDB's sort on the string tie-breakers cost more than the whole query; run_analysis sorts
# the result in Polars (specialties first, then by consultations, specialty, identifier).
def professional_shares(counts: str) -> str:
    return f"""
WITH counts AS ({counts}),
total AS (SELECT sum(numerator)::BIGINT AS denominator FROM counts),
labelled AS MATERIALIZED (
    SELECT c.professionnel_key, p.identifiant, p.civilite, p.profession,
           coalesce(p.specialite, 'Spécialité inconnue') AS specialite,
           e.raison_sociale, c.numerator
    FROM counts c
    LEFT JOIN dim_professionnel p ON p.professionnel_key = c.professionnel_key
    LEFT JOIN dim_etablissement e ON e.etablissement_key = p.etablissement_key
),
levels AS (
    SELECT 'professional' AS level, professionnel_key, identifiant, civilite, profession, specialite, raison_sociale, numerator
    FROM labelled
    UNION ALL
    SELECT 'specialty', NULL, NULL, NULL, NULL, specialite, NULL, sum(numerator)::BIGINT
    FROM labelled
    GROUP BY specialite
)
SELECT l.level, l.professionnel_key, l.identifiant, l.civilite, l.profession, l.specialite, l.raison_sociale,
       l.numerator, t.denominator, l.numerator / t.denominator AS rate
FROM levels l, total t
"""


CONSULTATIONS_BY_PROFESSIONAL = professional_shares(f"""
    SELECT f.professionnel_key, count(*) AS numerator
    FROM fact_consultation f
    WHERE {CONSULTATIONS}
    GROUP BY 1
""")

_REGION_NAMES = "SELECT region_code, any_value(region_nom) AS region_nom FROM dim_geography GROUP BY 1"

def region_deaths(counts: str) -> str:
    return f"""
WITH counts AS ({counts})
SELECT c.region_code, coalesce(g.region_nom, c.region_code) AS region_nom,
       c.deaths, c.deaths AS numerator, c.denominator::BIGINT AS denominator,
       c.deaths / c.denominator AS rate
FROM counts c LEFT JOIN ({_REGION_NAMES}) g ON g.region_code = c.region_code
ORDER BY c.region_code IN ('abroad', 'unknown'), c.region_code
"""


# A yearly analysis: a death is counted in its year of death, by ``year`` and not by its date
# key, which is -1 when INSEE gives the day or the month as 00 (the year is still known).
DEATHS_BY_REGION = region_deaths("""
    SELECT coalesce(f.region_code, 'unknown') AS region_code, count(*) AS deaths,
           sum(count(*)) OVER () AS denominator
    FROM fact_deces f
    WHERE f.year BETWEEN $from_year AND $to_year
    GROUP BY 1
""")

def region_satisfaction(regions: str) -> str:
    return f"""
WITH regions AS ({regions})
SELECT r.region_code, coalesce(g.region_nom, r.region_code) AS region_nom,
       r.numerator / r.nb_reponses AS score, r.nb_reponses, r.nb_etablissements,
       r.numerator, r.nb_reponses AS denominator, r.numerator / r.nb_reponses AS rate
FROM regions r LEFT JOIN ({_REGION_NAMES}) g ON g.region_code = r.region_code
ORDER BY r.region_code IN ('abroad', 'unknown'), r.region_code
"""


# Establishments below HAS's publication threshold have no score: they are not in the mean
# and not counted in nb_etablissements / nb_reponses.
SATISFACTION_BY_REGION = region_satisfaction(f"""
    SELECT coalesce(f.region_code, 'unknown') AS region_code, count(DISTINCT f.etablissement_key) AS nb_etablissements,
           sum(f.nb_reponses)::BIGINT AS nb_reponses,
           sum(f.score_global * f.nb_reponses) AS numerator
    FROM fact_satisfaction f
    WHERE f.year BETWEEN $from_year AND $to_year AND {_BY_ESTABLISHMENT}
      AND f.score_global IS NOT NULL AND f.nb_reponses > 0
    GROUP BY 1
""")
