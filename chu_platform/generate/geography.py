"""French geography for the simulation: départements weighted by population, communes with
their postal codes (La Poste base shipped in ``chu_platform.reference``), region labels as the
HAS files spell them, and the FINESS numbering of each département."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl

from chu_platform import reference
from chu_platform.generate.streams import weighted_choice

# Population in thousands (INSEE legal populations, about 2020, rounded): weights only.
POPULATION_K: dict[str, int] = {
    "01": 652, "02": 531, "03": 335, "04": 164, "05": 141, "06": 1094, "07": 328, "08": 270,
    "09": 153, "10": 310, "11": 374, "12": 279, "13": 2043, "14": 694, "15": 144, "16": 352,
    "17": 651, "18": 302, "19": 240, "2A": 158, "2B": 182, "21": 534, "22": 600, "23": 116,
    "24": 413, "25": 543, "26": 516, "27": 599, "28": 431, "29": 915, "30": 748, "31": 1400,
    "32": 191, "33": 1623, "34": 1175, "35": 1079, "36": 219, "37": 610, "38": 1271, "39": 259,
    "40": 413, "41": 329, "42": 765, "43": 227, "44": 1429, "45": 680, "46": 174, "47": 331,
    "48": 76, "49": 818, "50": 495, "51": 566, "52": 172, "53": 307, "54": 733, "55": 184,
    "56": 759, "57": 1046, "58": 204, "59": 2608, "60": 829, "61": 279, "62": 1468, "63": 662,
    "64": 682, "65": 229, "66": 479, "67": 1140, "68": 767, "69": 1875, "70": 235, "71": 551,
    "72": 566, "73": 436, "74": 826, "75": 2145, "76": 1255, "77": 1421, "78": 1448, "79": 375,
    "80": 570, "81": 389, "82": 260, "83": 1076, "84": 561, "85": 685, "86": 438, "87": 372,
    "88": 364, "89": 335, "90": 141, "91": 1301, "92": 1624, "93": 1644, "94": 1407, "95": 1249,
    "971": 384, "972": 361, "973": 286, "974": 863, "976": 279,
}

# FINESS extract "departement" field and number prefix of the overseas départements: "97"
# and the département's last digit, except Mayotte whose numbers start "9805" (its former
# code 985), as in the real extract (shared/real_samples/finess).
OVERSEAS_FINESS = {"971": ("9A", "9701"), "972": ("9B", "9702"), "973": ("9C", "9703"), "974": ("9D", "9704"),
                   "976": ("9F", "9805")}

# How HAS e-Satis files label regions besides the canonical 2016 name.
REGION_VARIANTS: dict[str, tuple[str, ...]] = {
    "11": ("Ile de France", "Ile-de-France"),
    "93": ("PACA", "Provence Alpes Côte d'Azur"),
    "32": ("Hauts de France", "Nord-Pas-de-Calais-Picardie"),
    "75": ("Nouvelle Aquitaine", "Aquitaine-Limousin-Poitou-Charentes"),
    "44": ("Alsace-Champagne-Ardenne-Lorraine", "Grand-Est"),
    "76": ("Languedoc-Roussillon-Midi-Pyrénées", "OCCITANIE"),
    "84": ("Auvergne Rhône Alpes",),
    "27": ("Bourgogne Franche Comté",),
    "24": ("Centre", "Centre Val de Loire"),
    "28": ("NORMANDIE",),
    "52": ("Pays de Loire",),
    "53": ("BRETAGNE",),
    "94": ("CORSE",),
    "01": ("GUADELOUPE",),
    "02": ("MARTINIQUE",),
    "03": ("GUYANE",),
    "04": ("Océan Indien",),
    "06": ("Océan Indien",),
}


def ascii_upper(text: str) -> str:
    """``"Côte-d'Or"`` -> ``"COTE-D'OR"``: the spelling of registers without accents."""
    stripped = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return stripped.upper()


def departement_of_commune(code: pl.Expr) -> pl.Expr:
    """INSEE commune code -> département code (3 characters overseas)."""
    return pl.when(code.str.starts_with("97") | code.str.starts_with("98")).then(code.str.slice(0, 3)).otherwise(code.str.slice(0, 2))


@dataclass(frozen=True)
class Geography:
    departements: pl.DataFrame  # departement_code, departement_nom, region_code, region_nom, weight
    communes: pl.DataFrame  # code_commune, commune, code_postal, departement_code
    commune_offsets: np.ndarray  # start index of each département's communes
    commune_counts: np.ndarray

    def sample_departements(self, rng: np.random.Generator, size: int, *, codes: list[str] | None = None) -> np.ndarray:
        """Indices into ``departements`` drawn by population (optionally among ``codes``)."""
        weights = self.departements["weight"].to_numpy().astype(np.float64)
        if codes is not None:
            weights = np.where(self.departements["departement_code"].is_in(codes).to_numpy(), weights, 0.0)
        return weighted_choice(rng, weights, size)

    def sample_communes(self, rng: np.random.Generator, departement_index: np.ndarray) -> pl.DataFrame:
        """One commune (uniform within its département) per drawn département index."""
        offsets = self.commune_offsets[departement_index]
        counts = self.commune_counts[departement_index]
        rows = offsets + np.floor(rng.random(len(departement_index)) * counts).astype(np.int64)
        return self.communes[rows]


@cache
def geography() -> Geography:
    deps = reference.departements().filter(pl.col("departement_code").is_in(list(POPULATION_K)))
    deps = deps.with_columns(
        pl.col("departement_code").replace_strict(POPULATION_K, return_dtype=pl.Int64).alias("weight")
    ).sort("departement_code")
    communes = (
        reference.communes()
        .rename({"code_commune_insee": "code_commune", "nom_commune": "commune"})
        .with_columns(departement_of_commune(pl.col("code_commune")).alias("departement_code"))
        .filter(pl.col("departement_code").is_in(deps["departement_code"].to_list()))
        .unique(subset=["code_commune"], keep="first", maintain_order=True)
        .sort(["departement_code", "code_commune"])
    )
    counts_by_dep = communes.group_by("departement_code", maintain_order=True).len()
    deps = deps.join(counts_by_dep, on="departement_code", how="inner").sort("departement_code")
    counts = deps["len"].to_numpy().astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return Geography(deps.drop("len"), communes.select("code_commune", "commune", "code_postal", "departement_code"), offsets, counts)
