"""The 22 chapters of the CIM-10 (ICD-10 as used by the ATIH), by code range."""

from __future__ import annotations

import polars as pl

# (first code, last code, chapter, title): a code belongs to the chapter whose range holds
# its first three characters.
CHAPTERS = (
    ("A00", "B99", "I", "Certaines maladies infectieuses et parasitaires"),
    ("C00", "D48", "II", "Tumeurs"),
    ("D50", "D89", "III", "Maladies du sang et des organes hématopoïétiques"),
    ("E00", "E90", "IV", "Maladies endocriniennes, nutritionnelles et métaboliques"),
    ("F00", "F99", "V", "Troubles mentaux et du comportement"),
    ("G00", "G99", "VI", "Maladies du système nerveux"),
    ("H00", "H59", "VII", "Maladies de l'œil et de ses annexes"),
    ("H60", "H95", "VIII", "Maladies de l'oreille et de l'apophyse mastoïde"),
    ("I00", "I99", "IX", "Maladies de l'appareil circulatoire"),
    ("J00", "J99", "X", "Maladies de l'appareil respiratoire"),
    ("K00", "K93", "XI", "Maladies de l'appareil digestif"),
    ("L00", "L99", "XII", "Maladies de la peau et du tissu cellulaire sous-cutané"),
    ("M00", "M99", "XIII", "Maladies du système ostéo-articulaire, des muscles et du tissu conjonctif"),
    ("N00", "N99", "XIV", "Maladies de l'appareil génito-urinaire"),
    ("O00", "O99", "XV", "Grossesse, accouchement et puerpéralité"),
    ("P00", "P96", "XVI", "Certaines affections dont l'origine se situe dans la période périnatale"),
    ("Q00", "Q99", "XVII", "Malformations congénitales et anomalies chromosomiques"),
    ("R00", "R99", "XVIII", "Symptômes, signes et résultats anormaux non classés ailleurs"),
    ("S00", "T98", "XIX", "Lésions traumatiques, empoisonnements et autres conséquences de causes externes"),
    ("V01", "Y98", "XX", "Causes externes de morbidité et de mortalité"),
    ("Z00", "Z99", "XXI", "Facteurs influant sur l'état de santé et motifs de recours aux services de santé"),
    ("U00", "U99", "XXII", "Codes d'utilisation particulière"),
)


def chapter(code: pl.Expr) -> list[pl.Expr]:
    """``chapitre`` (roman numeral) and ``chapitre_libelle`` of CIM-10 codes; null outside every range."""
    head = code.str.slice(0, 3)
    number = pl.lit(None, dtype=pl.String)
    title = pl.lit(None, dtype=pl.String)
    for first, last, roman, label in reversed(CHAPTERS):
        inside = (head >= first) & (head <= last)
        number = pl.when(inside).then(pl.lit(roman)).otherwise(number)
        title = pl.when(inside).then(pl.lit(label)).otherwise(title)
    return [number.alias("chapitre"), title.alias("chapitre_libelle")]
