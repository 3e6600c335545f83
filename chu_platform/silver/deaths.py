"""silver/deaths: one row per deceased person, counted in the year of death.

A year's register file also holds late declarations of earlier years, and the same death
can appear in several files (exact copies, or a second declaration of the same person).
So the whole register is de-duplicated at once and each person lands in the year of death.
"""

from __future__ import annotations

import polars as pl

from chu_platform.silver import conform, geography
from chu_platform.silver.pseudonym import keyed_int64

# bronze column of the INSEE layouts <- the CHU deces.csv column carrying the same field
_CHU_ALIASES = {
    "datenaiss": "date_naissance",
    "lieunaiss": "code_lieu_naissance",
    "commnaiss": "lieu_naissance",
    "paysnaiss": "pays_naissance",
    "datedeces": "date_deces",
    "lieudeces": "code_lieu_deces",
}

_COLUMNS = (
    "deces_id", "date_deces", "deces_annee", "deces_mois", "deces_jour", "year", "sexe", "annee_naissance",
    "age_au_deces", "departement_code", "region_code", "departement_naissance_code", "pays_naissance",
    "nb_declarations", "annee_fichier", "source_file",
)


def _raw(df: pl.DataFrame, name: str) -> pl.Expr:
    """A register field as delivered (the CHU alias column fills in where the INSEE one is empty)."""
    sources = [c for c in (name, _CHU_ALIASES.get(name)) if c and c in df.columns]
    if not sources:
        return pl.lit(None, dtype=pl.String)
    if len(sources) == 1:
        return pl.col(sources[0])
    return pl.coalesce([conform.text(c) for c in sources])


def _identity_name(df: pl.DataFrame) -> pl.Expr:
    """Upper-case name with separators unified: ``DUCRET*MARIE ANTOINETTE/`` and
    nom ``Ducret`` + prenom ``Marie Antoinette`` give the same text (runs of anything but
    letters, spaces included, become one space; empty becomes null)."""
    parts = []
    if "nomprenom" in df.columns:
        parts.append(pl.col("nomprenom"))
    if "nom" in df.columns and "prenom" in df.columns:
        parts.append(pl.concat_str([conform.text("nom"), conform.text("prenom")], separator=" ", ignore_nulls=True))
    raw = pl.coalesce(parts) if parts else pl.lit(None, dtype=pl.String)
    name = raw.str.to_uppercase().str.replace_all(r"[^\p{L}]+", " ").str.strip_chars()
    return pl.when(name == "").then(None).otherwise(name)


def type_deaths(bronze: pl.DataFrame) -> pl.DataFrame:
    """Every declaration typed, with the fields that identify the person (still in clear:
    this frame never leaves the silver builder).

    Dates, places, sex and country repeat a lot (36,500 days a century, 35,000 communes):
    each is cleaned and parsed once per distinct delivered value and joined back, so a
    register of millions of lines costs a few passes, not a regex per line and field.
    """
    df = bronze
    file_year = pl.col("year").cast(pl.Int32) if "year" in df.columns else pl.lit(None, dtype=pl.Int32)
    typed = conform.select_in_slices(df, [
        _identity_name(df).alias("_name"),
        _raw(df, "sexe").alias("_sexe_raw"),
        _raw(df, "datenaiss").alias("_naiss_raw"),
        _raw(df, "lieunaiss").alias("_lieunaiss_raw"),
        _raw(df, "datedeces").alias("_deces_raw"),
        _raw(df, "lieudeces").alias("_lieudeces_raw"),
        _raw(df, "paysnaiss").alias("_pays_raw"),
        file_year.alias("annee_fichier"),
        (pl.col("_source_file") if "_source_file" in df.columns else pl.lit(None, dtype=pl.String)).alias("source_file"),
        (pl.col("_source_row").cast(pl.Int64) if "_source_row" in df.columns else pl.lit(0, dtype=pl.Int64)).alias("_row"),
    ])
    # Spreadsheet copies drop the leading zero of commune codes (1004 for 01004).
    place = conform.text("_lieunaiss_raw")
    birth_place = pl.when(place.str.contains(r"^\d{4}$")).then("0" + place).otherwise(place)
    per_value = {
        "_sexe_raw": [conform.sex("_sexe_raw").alias("sexe")],
        "_naiss_raw": [conform.text("_naiss_raw").alias("_naiss"), *conform.insee_date_parts("_naiss_raw", "naissance")],
        "_lieunaiss_raw": [birth_place.alias("_lieunaiss"),
                           geography.from_insee_commune(birth_place).alias("_dep_naissance")],
        "_deces_raw": conform.insee_date_parts("_deces_raw", "deces"),
        "_lieudeces_raw": [geography.from_insee_commune(conform.text("_lieudeces_raw")).alias("_dep_deces")],
        "_pays_raw": [conform.text("_pays_raw").alias("pays_naissance")],
    }
    for column, exprs in per_value.items():
        typed = conform.per_distinct(typed, column, exprs)
    return typed.drop(list(per_value))


IDENTITY = ("_name", "sexe", "_naiss", "_lieunaiss")


def identity(df: pl.DataFrame) -> pl.Series:
    """The text that identifies a person (name, sex, birth date, birth place)."""
    return df.select(
        pl.concat_str([pl.col(c).fill_null("") for c in IDENTITY], separator="|").alias("_identity")
    ).to_series()


def deduplicate(typed: pl.DataFrame) -> pl.DataFrame:
    """One row per person (name, sex, birth date, birth place): the latest file's declaration.

    Most people are declared once: only the rows whose identity repeats are sorted (latest
    file, then last line first) to pick the declaration kept.
    """
    key = pl.struct([pl.col(c).fill_null("") for c in IDENTITY])
    repeated = typed.select(key.is_duplicated()).to_series()
    once = typed.filter(~repeated).with_columns(pl.lit(1, dtype=pl.Int32).alias("nb_declarations"))
    several = typed.filter(repeated).with_columns(key.alias("_key"))
    counts = several.group_by("_key").agg(pl.len().cast(pl.Int32).alias("nb_declarations"))
    kept = (
        several.sort(["annee_fichier", "source_file", "_row"], descending=True, nulls_last=True)
        .unique("_key", keep="first", maintain_order=True)
        .join(counts, on="_key")
        .drop("_key")
    )
    return pl.concat([once, kept.select(once.columns)])


def _age(df: pl.DataFrame) -> pl.Expr:
    exact = conform.age_years(pl.col("naissance_date"), pl.col("deces_date"))
    months_known = pl.col("naissance_mois").is_not_null() & pl.col("deces_mois").is_not_null()
    before = months_known & (pl.col("deces_mois") < pl.col("naissance_mois"))
    approx = (pl.col("deces_annee").cast(pl.Int32) - pl.col("naissance_annee").cast(pl.Int32) - before.cast(pl.Int32))
    return pl.coalesce(exact.cast(pl.Int32), approx).cast(pl.Int16)


def register_people(bronze: pl.DataFrame) -> pl.DataFrame:
    """The whole register typed and de-duplicated (identifying fields still in clear)."""
    return deduplicate(type_deaths(bronze))


def build_deaths(bronze: pl.DataFrame, key: str, year: int | None = None,
                 people: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every person once (only those who died in ``year`` when given), with the year of death
    as ``year`` (null when the death date has no usable year — such rows are reported, they
    cannot be placed). De-duplication always spans the whole register; the keyed id is
    computed only for the rows returned, which keeps a one-year run cheap. ``people`` is
    ``register_people(bronze)`` when the caller already has it."""
    people = register_people(bronze) if people is None else people
    if year is not None:
        people = people.filter(pl.col("deces_annee").cast(pl.Int32) == year)
    people = people.with_columns(keyed_int64(identity(people), key).alias("deces_id"))
    return people.select(
        "deces_id",
        pl.col("deces_date").alias("date_deces"),
        "deces_annee", "deces_mois", "deces_jour",
        pl.col("deces_annee").cast(pl.Int32).alias("year"),
        "sexe",
        pl.col("naissance_annee").alias("annee_naissance"),
        _age(people).alias("age_au_deces"),
        *geography.settle(pl.col("_dep_deces")),
        pl.col("_dep_naissance").fill_null(geography.UNKNOWN).alias("departement_naissance_code"),
        "pays_naissance", "nb_declarations", "annee_fichier", "source_file",
    ).select(_COLUMNS).sort("deces_id")


def deaths_of_year(deaths: pl.DataFrame, year: int) -> pl.DataFrame:
    return deaths.filter(pl.col("year") == year)


def register_summary(bronze: pl.DataFrame, people: pl.DataFrame | None = None) -> dict[str, int]:
    """Declarations, distinct people and people without a year of death, over the whole register."""
    people = register_people(bronze) if people is None else people
    return {
        "register_lines": bronze.height,
        "people_in_register": people.height,
        "duplicate_declarations": bronze.height - people.height,
        "without_year_of_death": int(people["deces_annee"].is_null().sum()),
    }
