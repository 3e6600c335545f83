"""The quality and response-time pages in a director's words, French and English: what each
check verifies and what its failure means, which data it is about, the sources and analyses
by name, ages of deliveries, without code names, thresholds' variables or layer jargon."""

from __future__ import annotations

import re

# (family, pattern on the check name, (what is checked fr, en), (what a failure means fr, en))
FAMILIES: tuple[tuple[str, str, tuple[str, str], tuple[str, str]], ...] = (
    ("secrecy", r"secrecy_applied$",
     ("Aucun effectif de 1 à 9 n'est publié (secret statistique).", "No count from 1 to 9 is published (statistical secrecy)."),
     ("Un effectif de moins de 10 personnes serait lisible : ne pas diffuser avant correction.",
      "A count of fewer than 10 people would be readable: do not circulate before it is fixed.")),
    ("stay_dates", r"every_stay_placed$",
     ("Chaque séjour a une date d'entrée valide, donc une année.", "Every stay has a valid admission date, hence a year."),
     ("Des séjours ont une date d'entrée impossible : ils ne sont comptés dans aucune année. "
      "Le fichier des hospitalisations est à corriger à la source.",
      "Some stays have an impossible admission date: they count in no year. "
      "The hospitalisation file must be corrected at its source.")),
    ("lines", r"lines_reconcile$",
     ("Chaque ligne reçue est gardée ou mise de côté avec sa raison : aucune ne se perd.",
      "Every line received is kept or set aside with its reason: none is lost."),
     ("Des lignes reçues ne sont ni gardées ni mises de côté : les chiffres de cette source sont incomplets.",
      "Some lines received are neither kept nor set aside: this source's figures are incomplete.")),
    ("rejects", r"rejected_share$",
     ("La part de lignes illisibles dans chaque fichier reste sous le seuil admis.",
      "The share of unreadable lines in each file stays under the accepted limit."),
     ("Trop de lignes illisibles dans un fichier : les chiffres de cette source peuvent être sous-estimés.",
      "Too many unreadable lines in a file: this source's figures may be too low.")),
    ("volume", r"volume_vs_neighbour_years$",
     ("Le volume de chaque année est comparable à celui des années voisines.",
      "Each year's volume is comparable to the neighbouring years'."),
     ("Une année s'écarte nettement des autres : livraison incomplète, ou vrai changement d'activité à confirmer.",
      "One year stands apart from the others: an incomplete delivery, or a real change of activity to confirm.")),
    ("delivery", r"volume_vs_previous_delivery$",
     ("Une nouvelle livraison d'une année ne change pas brutalement son volume.",
      "A new delivery of a year does not change its volume abruptly."),
     ("La dernière livraison change beaucoup le volume d'une année déjà reçue : à confirmer avec le fournisseur.",
      "The latest delivery changes a year already received a lot: to confirm with the supplier.")),
    ("duplicates", r"unique_key$",
     ("Aucune ligne n'est chargée deux fois.", "No row is loaded twice."),
     ("Des lignes sont chargées deux fois : les chiffres peuvent être gonflés.",
      "Some rows are loaded twice: figures may be inflated.")),
    ("format", r"contract$",
     ("Types, codes et plages de valeurs conformes au modèle de données.",
      "Types, codes and value ranges match the data model."),
     ("Des valeurs sortent du format attendu : les lignes concernées sont à examiner.",
      "Some values are not in the expected format: the rows concerned need review.")),
    ("complete", r"completeness$",
     ("Presque toutes les lignes renseignent {what}.", "Almost every row gives {what_en}."),
     ("Trop de lignes sans {what} : elles manquent aux analyses qui en dépendent.",
      "Too many rows without {what_en}: they are missing from the analyses that need it.")),
    ("unknown", r"unknown_share$",
     ("Peu de lignes sans {what} connu.", "Few rows without a known {what_en}."),
     ("Trop de lignes sans {what} connu : les analyses par {what} les comptent à part.",
      "Too many rows without a known {what_en}: analyses by {what_en} count them apart.")),
    ("plausible", r"plausible$",
     ("Valeurs plausibles pour {what}.", "Plausible values for {what_en}."),
     ("Des valeurs impossibles pour {what} : ces lignes sont à vérifier.",
      "Impossible values for {what_en}: these rows need checking.")),
    ("register", r"reconciles_with_register$",
     ("Les décès comptés par région sont exactement ceux du registre.",
      "Deaths counted by region are exactly the register's."),
     ("Les décès par région ne retrouvent pas le registre : chiffres à ne pas utiliser avant correction.",
      "Deaths per region do not match the register: do not use them before it is fixed.")),
    ("steps", r"reconciles_with_silver$|keys_in_dimensions$",
     ("Rien n'est perdu ni doublé d'une étape de traitement à la suivante.",
      "Nothing is lost or doubled from one processing step to the next."),
     ("Des lignes sont perdues ou doublées en cours de traitement : chiffres à ne pas utiliser avant correction.",
      "Rows are lost or doubled during processing: do not use the figures before it is fixed.")),
    ("threshold", r"scores_above_publication_threshold$",
     ("Aucun score e-Satis n'est retenu sous 30 réponses (seuil de la HAS).",
      "No e-Satis score is kept below 30 answers (HAS threshold)."),
     ("Un score fondé sur moins de 30 réponses serait affiché.", "A score based on fewer than 30 answers would be shown.")),
)

# What a column is, for the checks that name one (fr, en).
WHAT = {
    "departement_code": ("un département", "a département"),
    "annee_naissance": ("une année de naissance", "a birth year"),
    "sexe": ("un sexe", "a sex"),
    "date_deces_key": ("une date de décès", "a death date"),
    "diagnostic_key": ("diagnostic", "diagnosis"),
    "etablissement_key": ("établissement", "establishment"),
    "patient_key": ("patient", "patient"),
    "duree_minutes": ("la durée des consultations", "consultation durations"),
    "age_au_deces": ("l'âge au décès", "the age at death"),
    "age_a_l_admission": ("l'âge à l'admission", "the age at admission"),
    "duree_sejour_jours": ("la durée des séjours", "stay lengths"),
    "nb_reponses": ("le nombre de réponses", "the number of answers"),
}

# What each table is about (fr, en); the layer says at which step.
SUBJECTS = {
    "care_consultations": ("Consultations", "Consultations"), "consultations": ("Consultations", "Consultations"),
    "fact_consultation": ("Consultations", "Consultations"),
    "care_patients": ("Patients", "Patients"), "patients": ("Patients", "Patients"), "dim_patient": ("Patients", "Patients"),
    "care_diagnostics": ("Diagnostics", "Diagnoses"), "diagnoses": ("Diagnostics", "Diagnoses"),
    "dim_diagnostic": ("Diagnostics", "Diagnoses"),
    "care_professionals": ("Professionnels", "Professionals"), "professionals": ("Professionnels", "Professionals"),
    "dim_professionnel": ("Professionnels", "Professionals"),
    "professional_activities": ("Activité des professionnels", "Professionals' activity"),
    "care_specialties": ("Spécialités", "Specialties"), "care_mutuals": ("Mutuelles", "Mutual insurers"),
    "care_memberships": ("Adhésions aux mutuelles", "Mutual memberships"),
    "care_medications": ("Médicaments", "Medicines"), "care_prescriptions": ("Prescriptions", "Prescriptions"),
    "establishments": ("Établissements", "Establishments"), "dim_etablissement": ("Établissements", "Establishments"),
    "finess_establishments": ("Établissements (FINESS)", "Establishments (FINESS)"),
    "finess_geolocations": ("Localisation des établissements (FINESS)", "Establishment locations (FINESS)"),
    "hospitalisations": ("Hospitalisations", "Hospitalisations"), "fact_hospitalisation": ("Hospitalisations", "Hospitalisations"),
    "deaths": ("Décès", "Deaths"), "death_declarations": ("Déclarations de décès", "Death declarations"),
    "fact_deces": ("Décès", "Deaths"),
    "satisfaction": ("Satisfaction (e-Satis)", "Satisfaction (e-Satis)"),
    "fact_satisfaction": ("Satisfaction (e-Satis)", "Satisfaction (e-Satis)"),
    "dim_date": ("Calendrier", "Calendar"), "dim_geography": ("Géographie", "Geography"),
    "consultations_by_establishment": ("Consultations par établissement", "Consultations per establishment"),
    "consultations_by_diagnosis": ("Consultations par diagnostic", "Consultations per diagnosis"),
    "consultations_by_professional": ("Consultations par professionnel", "Consultations per professional"),
    "hospitalisation_rate": ("Taux d'hospitalisation", "Hospitalisation rate"),
    "hospitalisations_by_diagnosis": ("Hospitalisations par diagnostic", "Hospitalisations per diagnosis"),
    "hospitalisations_by_sex_age": ("Hospitalisations par sexe et âge", "Hospitalisations by sex and age"),
    "deaths_by_region": ("Décès par région", "Deaths per region"),
    "satisfaction_by_region": ("Satisfaction par région", "Satisfaction per region"),
}
STEPS = {
    "bronze": ("fichiers reçus", "files received"), "silver": ("données nettoyées", "cleaned data"),
    "gold": ("entrepôt", "warehouse"), "marts": ("chiffres publiés", "published figures"),
}
SOURCES = {
    "care": ("Base de soins (consultations, patients…)", "Care records (consultations, patients…)"),
    "care_db": ("Base de soins (consultations, patients…)", "Care records (consultations, patients…)"),
    "deaths": ("Registre des décès (INSEE)", "Death register (INSEE)"),
    "establishments": ("Établissements", "Establishments"), "finess": ("Répertoire FINESS", "FINESS directory"),
    "hospitalisations": ("Hospitalisations", "Hospitalisations"),
    "professionals": ("Professionnels de santé", "Health professionals"),
    "satisfaction": ("Satisfaction (e-Satis, HAS)", "Satisfaction (e-Satis, HAS)"),
}
ANALYSES = {
    "consultations_by_establishment": ("Consultations par établissement", "Consultations per establishment"),
    "consultations_by_diagnosis": ("Consultations par diagnostic", "Consultations per diagnosis"),
    "hospitalisation_rate": ("Taux global d'hospitalisation", "Global hospitalisation rate"),
    "hospitalisations_by_diagnosis": ("Hospitalisations par diagnostic", "Hospitalisations per diagnosis"),
    "hospitalisations_by_sex_age": ("Hospitalisations par sexe et âge", "Hospitalisations by sex and age"),
    "consultations_by_professional": ("Consultations par professionnel", "Consultations per professional"),
    "deaths_by_region": ("Décès par région", "Deaths per region"),
    "satisfaction_by_region": ("Satisfaction par région", "Satisfaction per region"),
}
_LANG = {"fr": 0, "en": 1}


def _what(check: str) -> tuple[str, str]:
    for column, words in sorted(WHAT.items(), key=lambda kv: -len(kv[0])):
        if column in check:
            return words
    return ("une valeur", "a value")


def family(check: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """The check's family and, per language, what it verifies and what its failure means."""
    what, what_en = _what(check)
    for name, pattern, checked, failing in FAMILIES:
        if re.search(pattern, check):
            fill = {"what": what, "what_en": what_en}
            return (name, {lang: checked[i].format(**fill) for lang, i in _LANG.items()},
                    {lang: failing[i].format(**fill) for lang, i in _LANG.items()})
    fallback = ("Contrôle de cohérence des données.", "Data consistency check.")
    meaning = ("Une anomalie est à examiner.", "An anomaly needs review.")
    return "other", dict(zip(_LANG, fallback, strict=True)), dict(zip(_LANG, meaning, strict=True))


def subject(asset: str) -> dict[str, str]:
    """``bronze/deaths`` -> "Décès — fichiers reçus" / "Deaths — files received"."""
    layer, _, table = asset.partition("/")
    name = SUBJECTS.get(table) or SUBJECTS.get(table.removeprefix("agg_")) or (table.replace("_", " ").capitalize(),) * 2
    step = STEPS.get(layer, (layer, layer))
    return {lang: f"{name[i]} — {step[i]}" for lang, i in _LANG.items()}


def source(name: str) -> dict[str, str]:
    words = SOURCES.get(name, (name.replace("_", " ").capitalize(),) * 2)
    return {lang: words[i] for lang, i in _LANG.items()}


def analysis(name: str) -> dict[str, str]:
    words = ANALYSES.get(name, (name.replace("_", " "),) * 2)
    return {lang: words[i] for lang, i in _LANG.items()}


def plural(n: int, one: str, many: str, lang: str) -> str:
    """``n`` with the right form: French puts 0 and 1 in the singular, English only 1."""
    single = n <= 1 if lang == "fr" else n == 1
    return f"{n} {one if single else many}"


def age(days: float, lang: str) -> str:
    """How long ago, in whole units: "aujourd'hui", "hier", "il y a 3 jours" / "today", "yesterday", "3 days ago"."""
    whole = int(days)
    if whole <= 0:
        return "aujourd'hui" if lang == "fr" else "today"
    if whole == 1:
        return "hier" if lang == "fr" else "yesterday"
    return f"il y a {whole} jours" if lang == "fr" else f"{whole} days ago"
