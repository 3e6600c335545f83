"""Health establishments: ``etablissement_sante.csv`` and the FINESS etalab extract.

FINESS numbers start with their département (``2A``/``2B`` in Corse, ``970N`` overseas, ``9805``
for Mayotte), the commune and postal code come from one La Poste row, and
``identifiant_organisation`` is ``"F" + finess_site`` as in the CHU's hospitalisation file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from chu_platform.generate import geography as geo
from chu_platform.generate.people import ascii_expr, french_phone, name_pools, sample
from chu_platform.generate.streams import stream

# (categetab, libcategetab, categagretab, libcategagretab, is a hospital with stays, weight, name prefix)
CATEGORIES = (
    ("101", "Centre Hospitalier Régional (C.H.R.)", "1101", "Centres Hospitaliers Régionaux", True, 0.04, "CHU DE"),
    ("355", "Centre Hospitalier (C.H.)", "1102", "Centres Hospitaliers", True, 0.30, "CENTRE HOSPITALIER DE"),
    ("365", "Etablissement de Soins Pluridisciplinaire", "1106", "Autres Etablissements de Soins Pluridisciplinaires", True, 0.26, "CLINIQUE DE"),
    ("128", "Etablissement de Soins Chirurgicaux", "1105", "Etablissements de Soins Chirurgicaux", True, 0.10, "CLINIQUE CHIRURGICALE DE"),
    ("124", "Centre de Santé", "2201", "Centres de Santé", False, 0.30, "CENTRE DE SANTE DE"),
)


@dataclass(frozen=True)
class Establishments:
    frame: pl.DataFrame  # one row per site, every column needed by the two files + helpers

    @property
    def hospitals(self) -> pl.DataFrame:
        return self.frame.filter(pl.col("hospital"))


def build(seed: int, count: int) -> Establishments:
    rng = stream(seed, "establishments")
    g = geo.geography()
    dep_index = g.sample_departements(rng, count)
    communes = g.sample_communes(rng, dep_index)
    deps = g.departements[dep_index]
    cat = rng.choice(len(CATEGORIES), size=count, p=[c[5] for c in CATEGORIES])
    cats = pl.DataFrame([c[:5] for c in CATEGORIES], schema=["categetab", "libcategetab", "categagretab", "libcategagretab", "hospital"], orient="row")[cat]
    prefixes = pl.Series([c[6] for c in CATEGORIES]).gather(cat)
    dep_code = deps["departement_code"]
    finess_prefix = dep_code.replace_strict({k: v[1] for k, v in geo.OVERSEAS_FINESS.items()}, default=dep_code)
    finess_dep_field = dep_code.replace_strict({k: v[0] for k, v in geo.OVERSEAS_FINESS.items()}, default=dep_code)
    # Unique 9-character numbers: distinct serials, padded after the prefix.
    # Below 10^5 so that the 4-character overseas prefixes still leave every number distinct.
    serial = 1 + rng.choice(99_998, size=count * 2, replace=False)
    site_serial, ej_serial = serial[:count], serial[count:]
    # A third of sites belong to the legal entity of another site of the same département.
    frame = pl.DataFrame({
        "departement_code": dep_code, "departement_nom": deps["departement_nom"],
        "region_code": deps["region_code"], "region_nom": deps["region_nom"],
        "finess_prefix": finess_prefix, "finess_departement": finess_dep_field,
        "site_serial": site_serial, "ej_serial": ej_serial,
        "code_commune": communes["code_commune"], "commune": communes["commune"],
        "code_postal": communes["code_postal"], "prefix": prefixes,
        "numero_voie": rng.integers(1, 250, count).astype(str),
        "type_voie": sample(pl.Series(["RUE", "AV", "BD", "RTE", "PL", "CHE", "ALL"]), rng, count),
        "voie": sample(name_pools().street_names, rng, count).str.to_uppercase(),
        "telephone": french_phone(rng, count).str.replace_all(" ", ""),
        "telecopie": french_phone(rng, count).str.replace_all(" ", ""),
        "siren": (100_000_000 + rng.choice(900_000_000, size=count, replace=False)).astype(str),
        "siret_tail": rng.integers(10, 99999, count),
        "shares_ej": rng.random(count) < 0.3,
        "dateouv": rng.integers(-20000, 18000, count),
    }).hstack(cats)
    frame = frame.with_columns(
        pl.concat_str([pl.col("finess_prefix"), pl.col("site_serial").cast(pl.String).str.zfill(9)
                       .str.slice(pl.col("finess_prefix").str.len_chars())]).alias("finess_site"),
        pl.concat_str([pl.col("finess_prefix"), pl.col("ej_serial").cast(pl.String).str.zfill(9)
                       .str.slice(pl.col("finess_prefix").str.len_chars())]).alias("finess_ej_own"),
    )
    first_ej = frame.group_by("departement_code", maintain_order=True).agg(pl.col("finess_ej_own").first().alias("ej_shared"))
    frame = frame.join(first_ej, on="departement_code", how="left", maintain_order="left").with_columns(
        pl.when(pl.col("shares_ej")).then(pl.col("ej_shared")).otherwise(pl.col("finess_ej_own")).alias("finess_etablissement_juridique"),
        pl.concat_str([pl.lit("F"), pl.col("finess_site")]).alias("identifiant_organisation"),
        pl.concat_str([pl.col("prefix"), pl.lit(" "), pl.col("commune")]).alias("raison_sociale_site"),
        pl.concat_str([pl.col("numero_voie"), pl.col("type_voie"), pl.col("voie")], separator=" ").alias("adresse"),
        pl.concat_str([pl.col("siren"), pl.col("siret_tail").cast(pl.String).str.zfill(5)]).alias("siret_site"),
        pl.concat_str([pl.lit("contact@"), pl.col("finess_site"), pl.lit(".sante.fr")]).alias("email"),
        (pl.date(1970, 1, 1) + pl.duration(days=pl.col("dateouv"))).alias("dateouv"),
    )
    return Establishments(frame.sort("finess_site"))


def establishment_csv(est: Establishments) -> pl.DataFrame:
    """The columns of ``etablissement_sante.csv`` (sources.ESTABLISHMENT_COLUMNS), as text."""
    f = est.frame
    return f.select(
        "adresse", pl.lit("").alias("cedex"), "code_commune", "code_postal", "commune",
        pl.lit("").alias("complement_destinataire"), pl.lit("").alias("complement_point_geographique"),
        "email", pl.lit("").alias("enseigne_commerciale_site"), "finess_etablissement_juridique",
        "finess_site", "identifiant_organisation", pl.lit("").alias("indice_repetition_voie"),
        pl.lit("").alias("mention_distribution"), "numero_voie", pl.lit("FRANCE").alias("pays"),
        "raison_sociale_site", pl.col("siren").alias("siren_site"), "siret_site", "telecopie", "telephone",
        pl.lit("").alias("telephone_2"), "type_voie", "voie",
    )


def finess_structureet(est: Establishments) -> pl.DataFrame:
    """The 32 fields of the extract's ``structureet`` lines (sources.FINESS_STRUCTUREET_FIELDS)."""
    f = est.frame
    date = pl.col("dateouv").dt.strftime("%Y-%m-%d")
    return f.select(
        pl.lit("structureet").alias("section"), pl.col("finess_site").alias("nofinesset"),
        pl.col("finess_etablissement_juridique").alias("nofinessej"), pl.col("raison_sociale_site").alias("rs"),
        pl.col("raison_sociale_site").alias("rslongue"), pl.lit("").alias("complrs"), pl.lit("").alias("compldistrib"),
        pl.col("numero_voie").alias("numvoie"), pl.col("type_voie").alias("typvoie"), "voie",
        pl.lit("").alias("compvoie"), pl.lit("").alias("lieuditbp"),
        pl.col("code_commune").str.slice(pl.col("code_commune").str.len_chars() - 3).alias("commune"),
        pl.col("finess_departement").alias("departement"),
        ascii_expr(pl.col("departement_nom").str.to_uppercase()).str.replace_all("-", " ").alias("libdepartement"),
        pl.concat_str([pl.col("code_postal"), pl.col("commune")], separator=" ").alias("ligneacheminement"),
        "telephone", "telecopie", "categetab", "libcategetab", "categagretab", "libcategagretab",
        pl.col("siret_site").alias("siret"), pl.lit("8610Z").alias("codeape"), pl.lit("03").alias("codemft"),
        pl.lit("ARS établissements Publics de santé dotation globale").alias("libmft"),
        pl.lit("1").alias("codesph"), pl.lit("Etablissement public de santé").alias("libsph"),
        date.alias("dateouv"), date.alias("dateautor"), pl.lit("2024-01-15").alias("datemaj"), pl.lit("").alias("numuai"),
    )


def finess_geolocalisation(est: Establishments, seed: int) -> pl.DataFrame:
    rng = stream(seed, "finess-geo")
    n = est.frame.height
    return pl.DataFrame({
        "section": ["geolocalisation"] * n,
        "nofinesset": est.frame["finess_site"],
        "coordxet": np.round(rng.uniform(100_000, 1_200_000, n), 1).astype(str),
        "coordyet": np.round(rng.uniform(6_100_000, 7_100_000, n), 1).astype(str),
        "sourcecoordet": ["1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,LAMBERT_93"] * n,
        "datemaj": ["2024-01-15"] * n,
    })
