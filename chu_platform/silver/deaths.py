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


def _field(df: pl.DataFrame, name: str) -> pl.Expr:
    sources = [c for c in (name, _CHU_ALIASES.get(name)) if c and c in df.columns]
    if not sources:
        return pl.lit(None, dtype=pl.String)
    return pl.coalesce([conform.text(c) for c in sources])


def _identity_name(df: pl.DataFrame) -> pl.Expr:
    """Upper-case name with separators unified: ``DUCRET*MARIE ANTOINETTE/`` and
    nom ``Ducret`` + prenom ``Marie Antoinette`` give the same text."""
    parts = []
    if "nomprenom" in df.columns:
        parts.append(conform.text("nomprenom"))
    if "nom" in df.columns and "prenom" in df.columns:
        parts.append(pl.concat_str([conform.text("nom"), conform.text("prenom")], separator=" ", ignore_nulls=True))
    raw = pl.coalesce(parts) if parts else pl.lit(None, dtype=pl.String)
    return raw.str.to_uppercase().str.replace_all(r"[^\p{L}]+", " ").str.strip_chars()


def type_deaths(bronze: pl.DataFrame) -> pl.DataFrame:
    """Every declaration typed, with the fields that identify the person (still in clear:
    this frame never leaves the silver builder)."""
    df = bronze
    file_year = pl.col("year").cast(pl.Int32) if "year" in df.columns else pl.lit(None, dtype=pl.Int32)
    typed = df.select(
        _identity_name(df).alias("_name"),
        conform.sex("sexe").alias("sexe"),
        _field(df, "datenaiss").alias("_naiss"),
        _field(df, "lieunaiss").alias("_lieunaiss"),
        _field(df, "datedeces").alias("_deces"),
        _field(df, "lieudeces").alias("_lieudeces"),
        _field(df, "paysnaiss").alias("pays_naissance"),
        file_year.alias("annee_fichier"),
        (pl.col("_source_file") if "_source_file" in df.columns else pl.lit(None, dtype=pl.String)).alias("source_file"),
        (pl.col("_source_row").cast(pl.Int64) if "_source_row" in df.columns else pl.lit(0, dtype=pl.Int64)).alias("_row"),
    )
    # Spreadsheet copies drop the leading zero of commune codes (1004 for 01004).
    place = pl.col("_lieunaiss")
    typed = typed.with_columns(pl.when(place.str.contains(r"^\d{4}$")).then("0" + place).otherwise(place).alias("_lieunaiss"))
    typed = conform.per_distinct(typed, "_naiss", conform.insee_date_parts("_naiss", "naissance"))
    typed = conform.per_distinct(typed, "_deces", conform.insee_date_parts("_deces", "deces"))
    typed = conform.per_distinct(typed, "_lieudeces", [geography.from_insee_commune(pl.col("_lieudeces")).alias("_dep_deces")])
    return conform.per_distinct(
        typed, "_lieunaiss", [geography.from_insee_commune(pl.col("_lieunaiss")).alias("_dep_naissance")]
    )


def deduplicate(typed: pl.DataFrame) -> pl.DataFrame:
    """One row per person (name, sex, birth date, birth place): the latest file's declaration."""
    identity = pl.concat_str(
        [pl.col(c).fill_null("") for c in ("_name", "sexe", "_naiss", "_lieunaiss")], separator="|"
    )
    with_id = typed.with_columns(identity.alias("_identity"))
    counts = with_id.group_by("_identity").agg(pl.len().cast(pl.Int32).alias("nb_declarations"))
    return (
        with_id.sort(["annee_fichier", "source_file", "_row"], descending=True, nulls_last=True)
        .unique("_identity", keep="first", maintain_order=True)
        .join(counts, on="_identity")
    )


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
    people = people.with_columns(keyed_int64(people["_identity"], key).alias("deces_id"))
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
