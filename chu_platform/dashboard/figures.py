"""The pages and charts of the dashboard: titles and how each figure is computed, in French
and English. The page's script draws each chart under the id given here."""

from __future__ import annotations

PAGES = (
    ("overview", "Vue d'ensemble", "Overview"),
    ("consultations", "Consultations", "Consultations"),
    ("hospitalisations", "Hospitalisations", "Hospitalisations"),
    ("deaths", "Décès", "Deaths"),
    ("satisfaction", "Satisfaction", "Satisfaction"),
    ("quality", "Qualité des données", "Data quality"),
    ("latency", "Temps de réponse", "Response times"),
)

# id, page, (title fr, how fr), (title en, how en)
CHARTS = (
    ("ov-trend", "overview",
     ("Évolution annuelle", "Consultations et hospitalisations de chaque année de la période, sur le périmètre choisi (groupe, région ou établissement). Les chiffres clés ci-dessus sont ceux de la dernière année, comparés à l'année précédente."),
     ("Yearly trend", "Consultations and hospitalisations of each year of the period, over the chosen scope (group, region or establishment). The headline figures above are the last year's, compared with the year before.")),
    ("c-est", "consultations",
     ("Taux de consultation par établissement", "Consultations à l'établissement / toutes les consultations du périmètre, sur la période. Les 12 premiers, puis les autres."),
     ("Consultation rate per establishment", "Consultations at the establishment / all consultations of the scope, over the period. Top 12, then the others.")),
    ("c-diag", "consultations",
     ("Taux de consultation par diagnostic", "Consultations avec le diagnostic / toutes les consultations du périmètre, sur la période. Les 12 premiers."),
     ("Consultation rate per diagnosis", "Consultations with the diagnosis / all consultations of the scope, over the period. Top 12.")),
    ("c-spec", "consultations",
     ("Taux de consultation par spécialité", "Consultations des professionnels de la spécialité / toutes les consultations du périmètre, sur la période."),
     ("Consultation rate per specialty", "Consultations by professionals of the specialty / all consultations of the scope, over the period.")),
    ("c-year", "consultations",
     ("Consultations par année", "Nombre de consultations de chaque année de la période, sur le périmètre."),
     ("Consultations per year", "Number of consultations in each year of the period, over the scope.")),
    ("c-month", "consultations",
     ("Consultations par mois", "Nombre de consultations de chaque mois de la période (date de consultation), groupe ou région."),
     ("Consultations per month", "Number of consultations in each month of the period (consultation date), group or region.")),
    ("h-year", "hospitalisations",
     ("Taux global d'hospitalisation par année", "Patients distincts hospitalisés / patients distincts vus (consultés ou hospitalisés), chaque année."),
     ("Global hospitalisation rate per year", "Distinct patients hospitalised / distinct patients seen (consulted or hospitalised), each year.")),
    ("h-diag", "hospitalisations",
     ("Taux d'hospitalisation par diagnostic", "Séjours avec le diagnostic / tous les séjours du périmètre, sur la période. Les 12 premiers."),
     ("Hospitalisation rate per diagnosis", "Stays with the diagnosis / all stays of the scope, over the period. Top 12.")),
    ("h-pyr", "hospitalisations",
     ("Taux d'hospitalisation par sexe et âge", "Patients hospitalisés du groupe / patients du groupe vus sur la période ; âge au contact (admission, ou année de consultation moins année de naissance)."),
     ("Hospitalisation rate by sex and age", "Hospitalised patients of the group / patients of the group seen in the period; age at the contact (admission, or consultation year minus birth year).")),
    ("d-map", "deaths",
     ("Décès par région", "Décès dont le lieu est dans la région (lieu de décès → département → région), sur la période. Outre-mer en vignettes."),
     ("Deaths per region", "Deaths whose place is in the region (place of death → département → region), over the period. Overseas as tiles.")),
    ("d-rank", "deaths",
     ("Classement des régions", "Décès de la région / tous les décès enregistrés sur la période (étranger et inconnu à part)."),
     ("Regions ranked", "Deaths in the region / all deaths registered in the period (abroad and unknown apart).")),
    ("d-year", "deaths",
     ("Décès par année", "Décès de chaque année de la période, dans la région choisie ou au total."),
     ("Deaths per year", "Deaths of each year of the period, in the chosen region or in total.")),
    ("s-map", "satisfaction",
     ("Satisfaction par région (e-Satis)", "Moyenne des scores globaux des établissements pondérée par leur nombre de réponses, sur la période."),
     ("Satisfaction per region (e-Satis)", "Mean of the establishments' global scores weighted by their number of answers, over the period.")),
    ("s-spread", "satisfaction",
     ("Dispersion des établissements par région", "Score global de chaque établissement publié (10 réponses ou plus), dernière année de la période."),
     ("Spread of establishments per region", "Global score of each published establishment (10 answers or more), last year of the period.")),
    ("s-quint", "satisfaction",
     ("Position de l'établissement (quintiles)", "Score de l'établissement choisi face aux quintiles des établissements de sa région et de la France, chaque année."),
     ("Where the establishment stands (quintiles)", "Score of the chosen establishment against the quintiles of its region's and the nation's establishments, each year.")),
    ("q-rejects", "quality",
     ("Lignes mises de côté par fichier livré", "Lignes illisibles mises de côté, sur les lignes reçues, pour chaque fichier livré (les 25 qui en ont le plus)."),
     ("Lines set aside per delivered file", "Unreadable lines set aside, out of the lines received, for each delivered file (the 25 with the most).")),
    ("r-lat", "latency",
     ("Temps de réponse de chaque analyse", "Temps médian, en millisecondes (échelle logarithmique), pour répondre à chaque analyse : sur cette plateforme et ses données (dernière mesure), et pour comparaison d'autres moteurs sur les mêmes questions, mesurés sur 1 million de consultations (documentation, « Benchmarks »)."),
     ("Response time of each analysis", "Median time, in milliseconds (log scale), to answer each analysis: on this platform and its data (latest measurement), and for comparison other engines on the same questions, measured on 1 million consultations (documentation, \"Benchmarks\").")),
)


def catalogue() -> dict:
    return {
        "pages": [{"id": p, "fr": fr, "en": en} for p, fr, en in PAGES],
        "charts": [{"id": c, "page": page, "fr": {"title": fr[0], "how": fr[1]}, "en": {"title": en[0], "how": en[1]}}
                   for c, page, fr, en in CHARTS],
    }
