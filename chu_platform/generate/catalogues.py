"""Reference catalogues of the care base: real CIM-10 diagnoses, specialties, mutual
insurers and medicines."""

from __future__ import annotations

from importlib import resources

import numpy as np
import polars as pl

from chu_platform.generate.streams import stream

DIAGNOSES_FILE = "cim10_diagnoses.csv"
# Chapters drawn three times as often: circulatory, respiratory, digestive, musculoskeletal,
# symptoms, injuries and contacts with health services fill most of a hospital's activity.
_COMMON_CHAPTERS = "IJKMRSZ"


def reference_diagnoses() -> pl.DataFrame:
    """The real CIM-10 code/label pairs shipped in ``chu_platform/reference`` (SOURCES.md):
    ``Code_diag``, ``Diagnostic``, one row per code."""
    text = resources.files("chu_platform.reference").joinpath(DIAGNOSES_FILE).read_bytes()
    return pl.read_csv(text, separator=";", schema={"code": pl.String, "libelle": pl.String}).select(
        pl.col("code").alias("Code_diag"), pl.col("libelle").alias("Diagnostic"))


def diagnoses(seed: int, count: int) -> pl.DataFrame:
    """``count`` real CIM-10 codes with their labels (at most the reference's size), ASCII as in
    the CHU files, so every code means what its label says. Row order is the popularity rank
    used for the skewed draws."""
    reference = reference_diagnoses()
    rng = stream(seed, "diagnoses")
    weight = np.array([3.0 if code[0] in _COMMON_CHAPTERS else 1.0 for code in reference["Code_diag"].to_list()])
    picked = rng.choice(reference.height, size=min(count, reference.height), replace=False, p=weight / weight.sum())
    return reference[picked.tolist()]


# (code, fonction, spécialité, profession, share of professionals)
SPECIALTIES: tuple[tuple[str, str, str, str, float], ...] = (
    ("SM54", "Médecin", "Médecine Générale", "Médecin", 0.30),
    ("SM04", "Médecin", "Cardiologie et maladies vasculaires", "Médecin", 0.03),
    ("SM15", "Médecin", "Dermatologie et vénéréologie", "Médecin", 0.02),
    ("SM19", "Médecin", "Gastro-entérologie et hépatologie", "Médecin", 0.02),
    ("SM20", "Médecin", "Gynécologie-obstétrique", "Médecin", 0.03),
    ("SM26", "Médecin", "Anesthésie-réanimation", "Médecin", 0.03),
    ("SM32", "Médecin", "Neurologie", "Médecin", 0.01),
    ("SM38", "Médecin", "Ophtalmologie", "Médecin", 0.02),
    ("SM40", "Médecin", "Pédiatrie", "Médecin", 0.03),
    ("SM42", "Médecin", "Pneumologie", "Médecin", 0.01),
    ("SM43", "Médecin", "Psychiatrie", "Médecin", 0.03),
    ("SM44", "Médecin", "Radiodiagnostic et imagerie médicale", "Médecin", 0.02),
    ("SM47", "Médecin", "Rhumatologie", "Médecin", 0.01),
    ("SM53", "Médecin", "Médecine d'urgence", "Médecin", 0.02),
    ("SM08", "Chirurgien", "Chirurgie orthopédique et traumatologie", "Médecin", 0.02),
    ("SM09", "Chirurgien", "Chirurgie viscérale et digestive", "Médecin", 0.01),
    ("SM48", "Médecin", "Gériatrie", "Médecin", 0.02),
    ("SI01", "Infirmier", "Infirmier diplômé d'État", "Infirmier", 0.20),
    ("SK01", "Masseur-kinésithérapeute", "Masseur-kinésithérapeute", "Masseur-Kinésithérapeute", 0.07),
    ("SD01", "Chirurgien-dentiste", "Orthopédie dento-faciale", "Chirurgien-Dentiste", 0.05),
    ("SF01", "Sage-femme", "Sage-femme", "Sage-Femme", 0.03),
    ("SP01", "Pharmacien", "Pharmacie hospitalière", "Pharmacien", 0.06),
)


def specialties() -> pl.DataFrame:
    return pl.DataFrame(
        [(c, f, s) for c, f, s, _, _ in SPECIALTIES],
        schema=["Code_specialite", "Fonction", "Specialite"], orient="row",
    )


_MUTUELLES = ("MGEN", "Harmonie Mutuelle", "MAAF Santé", "Malakoff Humanis", "AG2R La Mondiale",
              "Mutuelle Générale", "Intériale", "MNT", "Mutuelle Bleue", "Apivia", "Groupama Santé",
              "MACSF", "Swiss Life Santé", "Eovi MCD", "Mutuelle de France", "Mutualia",
              "Solimut", "Mutuelle des Motards", "UNEO", "Matmut Santé")


def mutuelles(seed: int, count: int) -> pl.DataFrame:
    """Mutual insurers: real names first, then numbered regional branches; a head-office address."""
    from chu_platform.generate.geography import geography
    from chu_platform.generate.people import name_pools, sample

    rng = stream(seed, "mutuelles")
    base = pl.Series(_MUTUELLES)
    index = np.arange(count)
    names = base.gather(index % len(base))
    suffix = pl.Series(np.where(index < len(base), "", " " + (index // len(base) + 1).astype(str)))
    g = geography()
    town = g.sample_communes(rng, g.sample_departements(rng, count))
    street = pl.concat_str([
        pl.lit(pl.Series(rng.integers(1, 200, count))).cast(pl.String), pl.lit(sample(name_pools().street_types, rng, count)),
        pl.lit(sample(name_pools().street_names, rng, count)),
    ], separator=" ")
    address = pl.select(pl.concat_str([street, pl.lit(town["code_postal"]), pl.lit(town["commune"])], separator=" ")).to_series()
    return pl.DataFrame({"Id_Mut": np.arange(1, count + 1, dtype=np.int32), "Nom": names + suffix, "Adresse": address})


_MOLECULES = ("PARACETAMOL", "IBUPROFENE", "AMOXICILLINE", "METFORMINE", "ATORVASTATINE", "OMEPRAZOLE",
              "LEVOTHYROXINE", "RAMIPRIL", "AMLODIPINE", "TRAMADOL", "PREDNISOLONE", "SALBUTAMOL",
              "BISOPROLOL", "FUROSEMIDE", "APIXABAN", "SERTRALINE", "ESOMEPRAZOLE", "CODEINE",
              "DOLIPRANE", "KETOPROFENE", "CETIRIZINE", "MACROGOL", "ALPRAZOLAM", "ZOLPIDEM")
_FORMS = ("comprimé", "comprimé pelliculé", "gélule", "solution buvable", "solution injectable", "sirop", "pommade")
_ROUTES = ("orale", "orale", "orale", "injectable", "cutanée", "inhalée")
_LABS = ("SANOFI AVENTIS FRANCE", "BIOGARAN", "SANDOZ", "TEVA SANTE", "MYLAN SAS", "ARROW GENERIQUES",
         "ZENTIVA FRANCE", "PFIZER HOLDING FRANCE", "SERVIER", "UPSA SAS")


def medicaments(seed: int, count: int) -> pl.DataFrame:
    rng = stream(seed, "medicaments")
    codes = 60_000_000 + np.sort(rng.choice(10_000_000, size=count, replace=False))
    dose = rng.choice([5, 10, 20, 25, 40, 50, 100, 200, 250, 400, 500, 1000], size=count)
    amm_days = rng.integers(0, 365 * 40, count)
    frame = pl.DataFrame({
        "Code_CIS": codes.astype(str),
        "mol": np.array(_MOLECULES)[rng.integers(0, len(_MOLECULES), count)],
        "dose": dose,
        "Forme_pharmaceutique": np.array(_FORMS)[rng.integers(0, len(_FORMS), count)],
        "Voies_administration": np.array(_ROUTES)[rng.integers(0, len(_ROUTES), count)],
        "Statut_AMM": np.where(rng.random(count) < 0.9, "Autorisation active", "Autorisation abrogée"),
        "Type_procedure_AMM": np.array(["Procédure nationale", "Procédure de reconnaissance mutuelle",
                                        "Procédure décentralisée", "Procédure centralisée"])[rng.integers(0, 4, count)],
        "Etat_commercialisation": np.where(rng.random(count) < 0.85, "Commercialisée", "Non commercialisée"),
        "Titulaire": np.array(_LABS)[rng.integers(0, len(_LABS), count)],
    })
    return frame.with_columns(
        pl.concat_str([pl.col("mol"), pl.lit(" "), pl.col("dose").cast(pl.String), pl.lit(" mg, "), pl.col("Forme_pharmaceutique")]).alias("Denomination"),
        (pl.date(1985, 1, 1) + pl.duration(days=pl.lit(pl.Series(amm_days)))).alias("Date_AMM"),
    ).select("Code_CIS", "Denomination", "Forme_pharmaceutique", "Voies_administration", "Statut_AMM",
             "Type_procedure_AMM", "Etat_commercialisation", "Date_AMM", "Titulaire")
