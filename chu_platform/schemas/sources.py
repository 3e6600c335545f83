"""The source contract: which files the CHU delivers, what they are called and their layout.

Both the simulator (``chu generate``) and the parsers (bronze) use these constants, so the
two cannot drift apart. Layouts follow the real files (``shared/real_samples``) and
DESIGN.md "Sources and their real formats".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

# --- FTP flat files -------------------------------------------------------------------

ESTABLISHMENT_FILE = "etablissement_sante.csv"
ESTABLISHMENT_COLUMNS = (
    "adresse", "cedex", "code_commune", "code_postal", "commune", "complement_destinataire",
    "complement_point_geographique", "email", "enseigne_commerciale_site",
    "finess_etablissement_juridique", "finess_site", "identifiant_organisation",
    "indice_repetition_voie", "mention_distribution", "numero_voie", "pays",
    "raison_sociale_site", "siren_site", "siret_site", "telecopie", "telephone",
    "telephone_2", "type_voie", "voie",
)

PROFESSIONAL_FILE = "professionnel_sante.csv"
PROFESSIONAL_COLUMNS = (
    "identifiant", "civilite", "categorie_professionnelle", "nom", "prenom", "commune",
    "profession", "specialite", "type_identifiant",
)

ACTIVITY_FILE = "activite_professionnel_sante.csv"
ACTIVITY_COLUMNS = ("identifiant", "identifiant_organisation", "mode_exercice")

HOSPITALISATION_FILE = "Hospitalisations.csv"
HOSPITALISATION_COLUMNS = (
    "Num_Hospitalisation", "Id_patient", "identifiant_organisation", "Code_diagnostic",
    "Suite_diagnostic_consultation", "Date_Entree", "Jour_Hospitalisation",
)

# FINESS etalab extract: no header; first line "finess;etalab;<n>;<date>"; then
# "structureet" lines of 32 ';' fields and "geolocalisation" lines of 6 fields.
FINESS_FILE_RE = re.compile(r"^etalab-cs\d{7}-stock-(?P<stamp>\d{8}-\d{4})\.csv$")
FINESS_STRUCTUREET_FIELDS = (
    "section", "nofinesset", "nofinessej", "rs", "rslongue", "complrs", "compldistrib",
    "numvoie", "typvoie", "voie", "compvoie", "lieuditbp", "commune", "departement",
    "libdepartement", "ligneacheminement", "telephone", "telecopie", "categetab",
    "libcategetab", "categagretab", "libcategagretab", "siret", "codeape", "codemft",
    "libmft", "codesph", "libsph", "dateouv", "dateautor", "datemaj", "numuai",
)
FINESS_GEOLOCALISATION_FIELDS = (
    "section", "nofinesset", "coordxet", "coordyet", "sourcecoordet", "datemaj",
)

# HAS e-Satis 48h MCO results (CP1252, ';' — some years ',' —, decimal comma and dot mixed,
# empty scores below the publication threshold). 2017 has the first 23 columns only.
ESATIS_COLUMNS = (
    "finess", "rs_finess", "finess_geo", "rs_finess_geo", "region", "participation", "Depot",
    "nb_rep_score_all_rea_ajust", "score_all_rea_ajust", "classement", "evolution",
    "nb_rep_score_accueil_rea_ajust", "score_accueil_rea_ajust",
    "nb_rep_score_PECinf_rea_ajust", "score_PECinf_rea_ajust",
    "nb_rep_score_PECmed_rea_ajust", "score_PECmed_rea_ajust",
    "nb_rep_score_chambre_rea_ajust", "score_chambre_rea_ajust",
    "nb_rep_score_repas_rea_ajust", "score_repas_rea_ajust",
    "nb_rep_score_sortie_rea_ajust", "score_sortie_rea_ajust",
    "taux_reco_brut", "nb_reco_brut",
)
ESATIS_ENCODING = "cp1252"
ESATIS_MIN_ANSWERS = 30

# INSEE register of deaths, fixed width (1-based inclusive positions).
DEATHS_FIXED_WIDTH = (
    ("nomprenom", 1, 80),
    ("sexe", 81, 81),
    ("datenaiss", 82, 89),
    ("lieunaiss", 90, 94),
    ("commnaiss", 95, 124),
    ("paysnaiss", 125, 154),
    ("datedeces", 155, 162),
    ("lieudeces", 163, 167),
    ("actedeces", 168, 176),
)
DEATHS_LINE_WIDTH = 176
# INSEE CSV variant: ';', every field quoted, same names as the fixed-width fields.
DEATHS_INSEE_CSV_COLUMNS = tuple(name for name, _, _ in DEATHS_FIXED_WIDTH)
# The CHU's own deces.csv: ',' with a header.
DEATHS_CHU_FILE = "deces.csv"
DEATHS_CHU_COLUMNS = (
    "nom", "prenom", "sexe", "date_naissance", "code_lieu_naissance", "lieu_naissance",
    "pays_naissance", "date_deces", "code_lieu_deces", "numero_acte_deces",
)

# --- care-records database (PostgreSQL, schema public, quoted names) -------------------

CARE_TABLES: dict[str, tuple[str, ...]] = {
    "Patient": (
        "Id_patient", "Nom", "Prenom", "Sexe", "Adresse", "Ville", "Code_postal", "Pays",
        "EMail", "Tel", "Date", "Age", "Num_Secu", "Groupe_sanguin", "Poid", "Taille",
    ),
    "Consultation": (
        "Num_consultation", "Id_mut", "Id_patient", "Id_prof_sante", "Code_diag", "Motif",
        "Date", "Heure_debut", "Heure_fin",
    ),
    "Diagnostic": ("Code_diag", "Diagnostic"),
    "Professionnel_de_sante": (
        "Identifiant", "Civilite", "Categorie_professionnelle", "Nom", "Prenom", "Profession",
        "Type_identifiant", "Code_specialite",
    ),
    "Specialites": ("Code_specialite", "Fonction", "Specialite"),
    "Mutuelle": ("Id_Mut", "Nom", "Adresse"),
    "Adher": ("Id_patient", "Id_mut"),
    "Prescription": ("Num_consultation", "Code_CIS"),
    "Medicaments": (
        "Code_CIS", "Denomination", "Forme_pharmaceutique", "Voies_administration",
        "Statut_AMM", "Type_procedure_AMM", "Etat_commercialisation", "Date_AMM",
        "Titulaire",
    ),
}

# --- bronze naming ----------------------------------------------------------------------

# The lineage columns every bronze row carries after its source columns, in this order (the
# parsers number lines in ``_source_row``: ``chu_platform/layers/bronze/lines.py`` ``ROW``).
LINEAGE_COLUMNS = ("_source_file", "_source_row", "_ingested_at", "_run_id")


def bronze_column(name: str) -> str:
    """Bronze column name of a source column: ``"Num_Secu"`` -> ``num_secu``,
    ``"score_PECinf_rea_ajust"`` -> ``score_pecinf_rea_ajust``, ``"EMail"`` -> ``email``."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


# --- recognising a delivered file ------------------------------------------------------

SOURCES = ("care", "establishments", "professionals", "hospitalisations", "satisfaction", "deaths")


@dataclass(frozen=True)
class Recognised:
    """What a delivered file is: its source entity and, when the name says it, its year."""

    source: str
    entity: str
    year: int | None
    fmt: str


_YEAR = r"(?P<year>(?:19|20)\d{2})"
_RULES: tuple[tuple[re.Pattern[str], str, str, str], ...] = (
    (re.compile(r"^etablissement_sante\.csv$", re.I), "establishments", "establishments", "csv"),
    (FINESS_FILE_RE, "establishments", "finess", "finess"),
    (re.compile(r"^professionnel_sante\.csv$", re.I), "professionals", "professionals", "csv"),
    (re.compile(r"^activite_professionnel_sante\.csv$", re.I), "professionals", "professional_activities", "csv"),
    (re.compile(r"^hospitalisations\.csv$", re.I), "hospitalisations", "hospitalisations", "csv"),
    # Any four digits: a register file of a year no partition holds (deces-1850.txt,
    # deces-2031.txt) is a deaths file with a wrong year, listed as such, not an unknown name.
    (re.compile(r"^deces-(?P<year>\d{4})(?:-m\d{2})?\.txt$", re.I), "deaths", "deaths", "insee_fixed"),
    (re.compile(r"^deces-(?P<year>\d{4})(?:-m\d{2})?\.csv$", re.I), "deaths", "deaths", "insee_csv"),
    (re.compile(r"^deces\.csv$", re.I), "deaths", "deaths", "chu_csv"),
    (re.compile(rf"^resultats-esatis48h-mco-open-data-{_YEAR}\.(?:csv|xlsx)$", re.I), "satisfaction", "satisfaction", "esatis"),
    (re.compile(rf"^esatis48h_mco_recueil{_YEAR}_donnees\.(?:csv|xlsx)$", re.I), "satisfaction", "satisfaction", "esatis"),
)


def recognise(path: str) -> Recognised | None:
    """Recognise a delivered file from its path relative to the drop (``None`` if unknown).

    For satisfaction files whose name carries no year, a year-named parent folder gives it.
    """
    pure = PurePosixPath(path)
    for pattern, source, entity, fmt in _RULES:
        match = pattern.match(pure.name)
        if match is None:
            continue
        year = match.groupdict().get("year")
        if year is None and source == "satisfaction":
            folder = next((p for p in reversed(pure.parts[:-1]) if re.fullmatch(r"(19|20)\d{2}", p)), None)
            year = folder
        fmt_full = fmt + ("_xlsx" if pure.suffix.lower() == ".xlsx" else "")
        return Recognised(source, entity, int(year) if year else None, fmt_full)
    return None
