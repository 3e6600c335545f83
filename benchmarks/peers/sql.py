"""The eight questions in portable SQL, as a PostgreSQL or Spark SQL user would write them.

They follow the definitions of ``chu_platform/layers/marts/sql.py`` (the platform's own answers)
and return its identifying columns and raw counts, without labels or secrecy masking, so
that every engine's answer is compared row by row with ours. Parameters are the integers of
``chu_platform.layers.marts.periods.Period.params()``, formatted in as literals (integers only).
"""

from __future__ import annotations

_PERIOD = "f.year BETWEEN {{from_year}} AND {{to_year}} AND f.{date} BETWEEN {{from_key}} AND {{to_key}}"
_CONSULTATIONS = _PERIOD.format(date="date_key")
_HOSPITALISATIONS = _PERIOD.format(date="date_entree_key")

# People are counted by pseudonym (a patient who moved has several dim_patient versions);
# the unknown patient (-1) is an event, not a person.
_PATIENTS = "SELECT patient_key, patient_pseudo, sexe, annee_naissance FROM dim_patient WHERE patient_key <> -1"

_SHARE = """
    SELECT {key} AS k, COUNT(*) AS numerator, SUM(COUNT(*)) OVER () AS denominator
    FROM {fact} f WHERE {where} GROUP BY {key}
"""

_BANDED = f"""
    WITH patients AS ({_PATIENTS}),
    contacts AS (
        SELECT p.patient_pseudo, p.sexe, f.year - p.annee_naissance AS age, 0 AS hospitalised
        FROM fact_consultation f JOIN patients p ON p.patient_key = f.patient_key
        WHERE {_CONSULTATIONS}
        UNION ALL
        SELECT p.patient_pseudo, p.sexe, f.age_a_l_admission AS age, 1 AS hospitalised
        FROM fact_hospitalisation f JOIN patients p ON p.patient_key = f.patient_key
        WHERE {_HOSPITALISATIONS}
    ),
    banded AS (
        SELECT DISTINCT patient_pseudo, COALESCE(sexe, 'unknown') AS sexe, hospitalised,
               CASE WHEN age IS NULL OR age < 0 THEN 'unknown'
                    WHEN age < 18 THEN '0-17' WHEN age < 40 THEN '18-39'
                    WHEN age < 65 THEN '40-64' WHEN age < 80 THEN '65-79'
                    ELSE '80+' END AS age_band
        FROM contacts
    )
"""
_GROUP_RATE = (
    "COUNT(DISTINCT CASE WHEN hospitalised = 1 THEN patient_pseudo END) AS numerator, "
    "COUNT(DISTINCT patient_pseudo) AS denominator"
)

QUERIES: dict[str, str] = {
    "consultations_by_establishment": f"""
        SELECT e.finess, c.numerator, c.denominator
        FROM ({_SHARE.format(key="COALESCE(f.etablissement_key, -1)", fact="fact_consultation", where=_CONSULTATIONS)}) c
        LEFT JOIN dim_etablissement e ON e.etablissement_key = c.k
    """,
    "consultations_by_diagnosis": f"""
        SELECT d.code_diag, c.numerator, c.denominator
        FROM ({_SHARE.format(key="f.diagnostic_key", fact="fact_consultation", where=_CONSULTATIONS)}) c
        LEFT JOIN dim_diagnostic d ON d.diagnostic_key = c.k
    """,
    "hospitalisation_rate": f"""
        WITH patients AS ({_PATIENTS}),
        hospitalised AS (
            SELECT DISTINCT p.patient_pseudo
            FROM fact_hospitalisation f JOIN patients p ON p.patient_key = f.patient_key
            WHERE {_HOSPITALISATIONS}
        ),
        seen AS (
            SELECT p.patient_pseudo
            FROM fact_consultation f JOIN patients p ON p.patient_key = f.patient_key
            WHERE {_CONSULTATIONS}
            UNION
            SELECT patient_pseudo FROM hospitalised
        )
        SELECT (SELECT COUNT(*) FROM hospitalised) AS numerator, (SELECT COUNT(*) FROM seen) AS denominator
    """,
    "hospitalisations_by_diagnosis": f"""
        SELECT d.code_diag, c.numerator, c.denominator
        FROM ({_SHARE.format(key="f.diagnostic_key", fact="fact_hospitalisation", where=_HOSPITALISATIONS)}) c
        LEFT JOIN dim_diagnostic d ON d.diagnostic_key = c.k
    """,
    "hospitalisations_by_sex_age": f"""
        {_BANDED}
        SELECT sexe, age_band, {_GROUP_RATE} FROM banded GROUP BY sexe, age_band
        UNION ALL
        SELECT sexe, 'all', {_GROUP_RATE} FROM banded GROUP BY sexe
        UNION ALL
        SELECT 'all', age_band, {_GROUP_RATE} FROM banded GROUP BY age_band
    """,
    "consultations_by_professional": f"""
        WITH labelled AS (
            SELECT p.identifiant, COALESCE(p.specialite, 'Spécialité inconnue') AS specialite,
                   c.numerator, c.denominator
            FROM ({_SHARE.format(key="f.professionnel_key", fact="fact_consultation", where=_CONSULTATIONS)}) c
            LEFT JOIN dim_professionnel p ON p.professionnel_key = c.k
        )
        SELECT 'professional' AS level, identifiant, specialite, numerator, denominator FROM labelled
        UNION ALL
        SELECT 'specialty', NULL, specialite, SUM(numerator), MAX(denominator) FROM labelled GROUP BY specialite
    """,
    "deaths_by_region": f"""
        SELECT c.k AS region_code, c.numerator AS deaths, c.denominator
        FROM ({_SHARE.format(key="COALESCE(f.region_code, 'unknown')", fact="fact_deces", where="f.year BETWEEN {from_year} AND {to_year}")}) c
    """,
    "satisfaction_by_region": """
        SELECT COALESCE(f.region_code, 'unknown') AS region_code,
               SUM(f.score_global * f.nb_reponses) / SUM(f.nb_reponses) AS score,
               SUM(f.nb_reponses) AS nb_reponses,
               COUNT(DISTINCT f.etablissement_key) AS nb_etablissements
        FROM fact_satisfaction f
        WHERE f.year BETWEEN {from_year} AND {to_year} AND f.score_global IS NOT NULL AND f.nb_reponses > 0
        GROUP BY COALESCE(f.region_code, 'unknown')
    """,
}

_FACTS_AND_PATIENTS = ("fact_consultation", "fact_hospitalisation", "dim_patient")

# The gold tables each question reads (what a peer engine must load).
TABLES: dict[str, tuple[str, ...]] = {
    "consultations_by_establishment": ("fact_consultation", "dim_etablissement"),
    "consultations_by_diagnosis": ("fact_consultation", "dim_diagnostic"),
    "hospitalisation_rate": _FACTS_AND_PATIENTS,
    "hospitalisations_by_diagnosis": ("fact_hospitalisation", "dim_diagnostic"),
    "hospitalisations_by_sex_age": _FACTS_AND_PATIENTS,
    "consultations_by_professional": ("fact_consultation", "dim_professionnel"),
    "deaths_by_region": ("fact_deces",),
    "satisfaction_by_region": ("fact_satisfaction",),
}


def render(name: str, params: dict[str, int]) -> str:
    """The question's SQL with its integer parameters in place."""
    values = {key: int(value) for key, value in params.items()}
    return QUERIES[name].format(**values)
