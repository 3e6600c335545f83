"""Département and 2016 region from codes: INSEE commune codes, postal codes, FINESS numbers.

A label ("PACA", "Ile de France", "Rhône-Alpes") is only a fallback when no code is there.
Places abroad are ``abroad``; places that no code or label identifies are ``unknown`` —
both are members of the geography dimension, so no row is lost for lack of a place.
"""

from __future__ import annotations

import unicodedata
from functools import cache

import polars as pl

from chu_platform import reference

ABROAD = "abroad"
UNKNOWN = "unknown"

# FINESS writes the overseas départements with a letter in its "departement" field.
FINESS_OVERSEAS = {"9A": "971", "9B": "972", "9C": "973", "9D": "974", "9E": "975", "9F": "976"}

# Region labels met in the files, normalised (see _normalise), to 2016 region codes.
# "Océan Indien" (the former ARS of both La Réunion and Mayotte) names no single region.
_REGION_ALIASES = {
    "paca": "93", "provencealpescotedazur": "93", "iledefrance": "11", "idf": "11",
    "hautsdefrance": "32", "nordpasdecalais": "32", "picardie": "32", "nordpasdecalaispicardie": "32",
    "grandest": "44", "alsace": "44", "lorraine": "44", "champagneardenne": "44",
    "alsacechampagneardennelorraine": "44", "acal": "44",
    "nouvelleaquitaine": "75", "aquitaine": "75", "limousin": "75", "poitoucharentes": "75",
    "aquitainelimousinpoitoucharentes": "75", "alpc": "75",
    "auvergnerhonealpes": "84", "auvergne": "84", "rhonealpes": "84", "ara": "84",
    "bourgognefranchecomte": "27", "bourgogne": "27", "franchecomte": "27", "bfc": "27",
    "normandie": "28", "bassenormandie": "28", "hautenormandie": "28",
    "occitanie": "76", "languedocroussillon": "76", "midipyrenees": "76",
    "languedocroussillonmidipyrenees": "76", "lrmp": "76",
    "centrevaldeloire": "24", "centre": "24", "bretagne": "53", "paysdelaloire": "52",
    "corse": "94", "guadeloupe": "01", "martinique": "02", "guyane": "03",
    "lareunion": "04", "reunion": "04", "mayotte": "06",
}


def _normalise(label: str) -> str:
    plain = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


@cache
def known_departements() -> frozenset[str]:
    return frozenset(reference.departements()["departement_code"].to_list())


@cache
def _region_of_departement() -> dict[str, str]:
    deps = reference.departements()
    return dict(zip(deps["departement_code"], deps["region_code"], strict=True))


@cache
def _corse_before_1976() -> dict[str, str]:
    """``20xxx`` -> ``2A``/``2B``: Corsican communes kept their number when 20 was split."""
    codes = reference.communes()["code_commune_insee"].unique()
    corse = codes.filter(codes.str.contains(r"^2[AB]\d{3}$")).to_list()
    return {"20" + code[2:]: code[:2] for code in corse}


@cache
def _postal_departement() -> dict[str, str]:
    """Postal code -> département of its communes (the most frequent one when they differ)."""
    communes = reference.communes().with_columns(
        departement_code=pl.when(pl.col("code_commune_insee").str.contains(r"^9[78]"))
        .then(pl.col("code_commune_insee").str.slice(0, 3))
        .otherwise(pl.col("code_commune_insee").str.slice(0, 2))
    )
    counted = (
        communes.group_by("code_postal", "departement_code").len()
        .sort(["code_postal", "len", "departement_code"], descending=[False, True, False])
        .unique("code_postal", keep="first", maintain_order=True)
    )
    return dict(zip(counted["code_postal"], counted["departement_code"], strict=True))


def _known(code: pl.Expr) -> pl.Expr:
    return pl.when(code.is_in(list(known_departements()))).then(code).otherwise(pl.lit(UNKNOWN))


def _clean(expr: pl.Expr) -> pl.Expr:
    value = expr.cast(pl.String).str.strip_chars().str.to_uppercase()
    return pl.when(value == "").then(None).otherwise(value)


def from_insee_commune(expr: pl.Expr) -> pl.Expr:
    """Département of an INSEE commune code; ``abroad`` for 99xxx; null when absent.

    Four-digit codes get their lost leading zero back (spreadsheets drop it: ``1004``).
    """
    code = _clean(expr)
    code = pl.when(code.str.contains(r"^\d{4}$")).then("0" + code).otherwise(code)
    corse = code.replace_strict(_corse_before_1976(), default=None, return_dtype=pl.String)
    dep = (
        pl.when(code.str.contains(r"^99\d{3}$")).then(pl.lit(ABROAD))
        .when(code.str.contains(r"^9[78]\d{3}$")).then(code.str.slice(0, 3))
        .when(code.str.contains(r"^2[AB]\d{3}$")).then(code.str.slice(0, 2))
        .when(code.str.contains(r"^20\d{3}$")).then(corse.fill_null(pl.lit(UNKNOWN)))
        .when(code.str.contains(r"^\d{5}$")).then(code.str.slice(0, 2))
        .otherwise(None)
    )
    return pl.when(code.is_null()).then(None).otherwise(_known(dep.fill_null(pl.lit(UNKNOWN))))


def from_postal_code(expr: pl.Expr) -> pl.Expr:
    """Département of a postal code: La Poste's base, else its leading digits; null when absent."""
    code = _clean(expr)
    code = pl.when(code.str.contains(r"^\d{4}$")).then("0" + code).otherwise(code)
    looked_up = code.replace_strict(_postal_departement(), default=None, return_dtype=pl.String)
    prefix3 = code.str.slice(0, 3).cast(pl.Int32, strict=False)
    fallback = (
        pl.when(~code.str.contains(r"^\d{5}$")).then(pl.lit(UNKNOWN))
        .when(code.str.starts_with("97")).then(code.str.slice(0, 3))
        .when(prefix3.is_between(200, 201)).then(pl.lit("2A"))
        .when(prefix3.is_between(202, 206)).then(pl.lit("2B"))
        .otherwise(code.str.slice(0, 2))
    )
    return pl.when(code.is_null()).then(None).otherwise(_known(pl.coalesce(looked_up, fallback)))


def from_finess(expr: pl.Expr) -> pl.Expr:
    """Département of a FINESS number: its first two characters, ``97`` + 4th char overseas,
    ``9805`` (Mayotte's former code 985) for 976."""
    code = _clean(expr)
    code = pl.when(code.str.contains(r"^[0-9AB]{8}$")).then("0" + code).otherwise(code)
    dep = (
        pl.when(~code.str.contains(r"^[0-9][0-9AB][0-9]{7}$")).then(pl.lit(UNKNOWN))
        .when(code.str.starts_with("97")).then(pl.lit("97") + code.str.slice(3, 1))
        # Mayotte kept its former code 985 in FINESS numbers (98 05 ...).
        .when(code.str.starts_with("9805")).then(pl.lit("976"))
        .otherwise(code.str.slice(0, 2))
    )
    return pl.when(code.is_null()).then(None).otherwise(_known(dep))


def from_finess_field(expr: pl.Expr) -> pl.Expr:
    """The FINESS extract's own "departement" field: ``01``..``95``, ``2A``/``2B``, ``9A``..``9F``."""
    code = _clean(expr)
    mapped = code.replace_strict(FINESS_OVERSEAS, default=code, return_dtype=pl.String)
    return pl.when(code.is_null()).then(None).otherwise(_known(mapped))


def region_code_from_label(labels: pl.Series) -> pl.Series:
    """2016 region code of region labels (canonical or not); null when the label names none."""
    canonical = {
        _normalise(name): code
        for name, code in reference.departements().select("region_nom", "region_code").unique().iter_rows()
        if code not in (ABROAD, UNKNOWN)
    }
    table = {**canonical, **_REGION_ALIASES}
    mapping = {label: table.get(_normalise(label)) for label in labels.drop_nulls().unique().to_list()}
    return labels.replace_strict(mapping, default=None, return_dtype=pl.String)


def settle(departement: pl.Expr, region_fallback: pl.Expr | None = None) -> list[pl.Expr]:
    """``departement_code`` and ``region_code`` columns from the best département candidate.

    ``departement`` is usually ``pl.coalesce`` of the candidates in order of trust; its
    region comes from the reference table. Only when it is unknown does the label-derived
    ``region_fallback`` give the region.
    """
    dep = departement.fill_null(pl.lit(UNKNOWN))
    region = dep.replace_strict(_region_of_departement(), default=UNKNOWN, return_dtype=pl.String)
    if region_fallback is not None:
        region = pl.when(dep == UNKNOWN).then(region_fallback.fill_null(pl.lit(UNKNOWN))).otherwise(region)
    return [dep.alias("departement_code"), region.alias("region_code")]
