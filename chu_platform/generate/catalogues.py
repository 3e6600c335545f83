"""Reference catalogues of the care base: CIM-10-shaped diagnoses, specialties, mutual
insurers and medicines."""

from __future__ import annotations

import numpy as np
import polars as pl

from chu_platform.generate.streams import stream

# CIM-10 chapters: letter ranges and the nature words their labels start with.
_CHAPTERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("AB", ("Infection", "Maladie infectieuse", "Infection virale", "Mycose")),
    ("C", ("Tumeur maligne",)),
    ("D", ("Tumeur benigne", "Carcinome in situ", "Anemie", "Trouble de la coagulation")),
    ("E", ("Diabete", "Trouble metabolique", "Carence", "Trouble thyroidien")),
    ("F", ("Trouble mental", "Episode depressif", "Trouble anxieux", "Trouble du comportement")),
    ("G", ("Affection du systeme nerveux", "Migraine", "Epilepsie", "Neuropathie")),
    ("H", ("Affection de l'oeil", "Otite", "Conjonctivite", "Cataracte")),
    ("I", ("Cardiopathie", "Hypertension", "Insuffisance cardiaque", "Thrombose")),
    ("J", ("Infection respiratoire", "Bronchite", "Pneumopathie", "Asthme")),
    ("K", ("Affection digestive", "Ulcere", "Gastrite", "Hernie")),
    ("L", ("Dermatite", "Infection cutanee", "Eczema")),
    ("M", ("Arthrose", "Lombalgie", "Affection musculo-squelettique", "Chondrocalcinose")),
    ("N", ("Infection urinaire", "Insuffisance renale", "Lithiase")),
    ("O", ("Complication de la grossesse", "Accouchement")),
    ("P", ("Affection perinatale",)),
    ("Q", ("Malformation congenitale", "Anomalie chromosomique")),
    ("R", ("Douleur", "Fievre", "Symptome", "Malaise")),
    ("ST", ("Fracture", "Luxation", "Plaie", "Contusion", "Brulure", "Effet toxique")),
    ("VWXY", ("Chute", "Accident de transport", "Exposition")),
    ("Z", ("Examen de controle", "Vaccination", "Suivi", "Surveillance")),
)
_SITES = (
    "de la tete", "du cou", "du thorax", "de l'abdomen", "du membre superieur", "du membre inferieur",
    "de la hanche", "du genou", "de l'epaule", "du poignet", "de la colonne", "du foie", "du poumon",
    "du rein", "de la vessie", "de l'estomac", "du colon", "de la peau", "de l'oeil", "de l'oreille",
    "du coeur", "du cerveau", "de la langue", "du sein", "de la prostate", "du pancreas",
)
_QUALIFIERS = (
    "", "", "", "aigue", "chronique", "sans precision", "avec complication", "sans complication",
    "recidivante", "bilaterale", "fermee", "ouverte", "region pelvienne et cuisse", "non classee ailleurs",
)


def diagnoses(seed: int, count: int) -> pl.DataFrame:
    """``count`` distinct codes ``L99`` + optional 1-3 digit subcode, with ASCII labels as in
    the CHU files. Row order is the popularity rank used for the skewed draws."""
    rng = stream(seed, "diagnoses")
    letters = [letter for letters, _ in _CHAPTERS for letter in letters]
    natures = {letter: natures for letters, natures in _CHAPTERS for letter in letters}
    letter_weight = np.array([3 if ch in "IJKMRSZ" else 1 for ch in letters], dtype=float)
    draw = max(count * 3, 1000)
    letter_idx = rng.choice(len(letters), size=draw, p=letter_weight / letter_weight.sum())
    head = rng.integers(0, 100, draw)
    sub_len = rng.choice([0, 1, 2, 3], size=draw, p=[0.25, 0.5, 0.15, 0.1])
    sub = rng.integers(0, 1000, draw)
    frame = pl.DataFrame({"letter": np.array(letters)[letter_idx], "head": head, "sub_len": sub_len, "sub": sub})
    frame = frame.with_columns(
        pl.concat_str([
            pl.col("letter"), pl.col("head").cast(pl.String).str.zfill(2),
            pl.col("sub").cast(pl.String).str.zfill(3).str.slice(0, pl.col("sub_len")),
        ]).alias("Code_diag")
    ).unique(subset="Code_diag", keep="first", maintain_order=True).head(count)
    n = frame.height
    nature_pick = rng.integers(0, 1 << 30, n)
    nature = [natures[l][k % len(natures[l])] for l, k in zip(frame["letter"].to_list(), nature_pick.tolist(), strict=True)]
    site = np.array(_SITES)[rng.integers(0, len(_SITES), n)]
    qualifier = np.array(_QUALIFIERS)[rng.integers(0, len(_QUALIFIERS), n)]
    return frame.with_columns(
        pl.Series("nature", nature), pl.Series("site", site), pl.Series("qualifier", qualifier),
    ).select(
        "Code_diag",
        pl.when(pl.col("qualifier") == "")
        .then(pl.concat_str([pl.col("nature"), pl.col("site")], separator=" "))
        .otherwise(pl.concat_str([pl.col("nature"), pl.lit(" "), pl.col("site"), pl.lit(", "), pl.col("qualifier")]))
        .alias("Diagnostic"),
    )


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
