"""silver/deaths: one row per deceased person, counted in the year of death.

A year's register file also holds late declarations of earlier years, and the same death
can appear in several files (exact copies, or a second declaration of the same person).
Each file year is typed once into declarations keyed by person (``declarations``:
silver/death_declarations); a year of death then compares persons across the whole
register by key only (``kept``) and keeps one declaration each (``deaths_in_year``).
"""

from __future__ import annotations

import polars as pl

from chu_platform.layers.silver import conform, geography
from chu_platform.layers.silver.pseudonym import keyed_int64

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
                           geography.from_insee_commune(pl.col("_lieunaiss")).alias("_dep_naissance")],
        "_deces_raw": conform.insee_date_parts("_deces_raw", "deces"),
        "_lieudeces_raw": [conform.text("_lieudeces_raw").alias("_lieudeces"),
                           geography.from_insee_commune(pl.col("_lieudeces")).alias("_dep_deces")],
        "_pays_raw": [conform.text("_pays_raw").alias("pays_naissance")],
    }
    for column, exprs in per_value.items():
        typed = conform.per_distinct(typed, column, exprs)
    return typed.drop([*per_value, "_lieudeces"])


IDENTITY = ("_name", "sexe", "_naiss", "_lieunaiss")


def identity(df: pl.DataFrame) -> pl.Series:
    """The text that identifies a person (name, sex, birth date, birth place)."""
    return df.select(
        pl.concat_str([pl.col(c).fill_null("") for c in IDENTITY], separator="|").alias("_identity")
    ).to_series()


def _age(df: pl.DataFrame) -> pl.Expr:
    exact = conform.age_years(pl.col("naissance_date"), pl.col("deces_date"))
    months_known = pl.col("naissance_mois").is_not_null() & pl.col("deces_mois").is_not_null()
    before = months_known & (pl.col("deces_mois") < pl.col("naissance_mois"))
    approx = (pl.col("deces_annee").cast(pl.Int32) - pl.col("naissance_annee").cast(pl.Int32) - before.cast(pl.Int32))
    return pl.coalesce(exact.cast(pl.Int32), approx).cast(pl.Int16)


# The declaration kept when a person is declared several times: the latest file's, then
# the last line of it (a correction follows what it corrects).
KEPT_FIRST = ("annee_fichier", "source_file", "source_row")
# What choosing the kept declarations needs, for every declaration of the register.
KEY_COLUMNS = ("deces_id", "deces_annee", *KEPT_FIRST)

DECLARATION_COLUMNS = (
    "deces_id", "date_deces", "deces_annee", "deces_mois", "deces_jour", "sexe", "annee_naissance",
    "age_au_deces", "departement_code", "region_code", "departement_naissance_code", "pays_naissance",
    "annee_fichier", "source_file", "source_row", "year",
)


def declarations(bronze: pl.DataFrame, key: str) -> pl.DataFrame:
    """Every declaration of register lines typed, the person keyed (``deces_id``, an HMAC of
    name, sex, birth date and birth place, which are then dropped) and ``year`` = the year
    of the file it came in.

    Typing a file year once and keeping only this is what lets a year of silver/deaths read
    the whole register cheaply: the persons are compared by ``deces_id``, never in clear.
    Rows are sorted by year of death so a reader of one year skips most row groups.
    """
    typed = type_deaths(bronze)
    typed = typed.with_columns(keyed_int64(identity(typed), key).alias("deces_id"))
    return typed.select(
        "deces_id",
        pl.col("deces_date").alias("date_deces"),
        "deces_annee", "deces_mois", "deces_jour", "sexe",
        pl.col("naissance_annee").alias("annee_naissance"),
        _age(typed).alias("age_au_deces"),
        *geography.settle(pl.col("_dep_deces")),
        pl.col("_dep_naissance").fill_null(geography.UNKNOWN).alias("departement_naissance_code"),
        "pays_naissance", "annee_fichier", "source_file",
        pl.col("_row").alias("source_row"),
        pl.col("annee_fichier").alias("year"),
    ).select(DECLARATION_COLUMNS).sort(["deces_annee", "deces_id", "source_row"], nulls_last=True)


def kept(keys: pl.DataFrame, year: int) -> pl.DataFrame:
    """The declaration kept for each person who died in ``year`` (``keys``: ``KEY_COLUMNS`` of
    every declaration of the register), with how many declarations they have.

    A person declared dead in ``year`` by one file and in another year by a later one
    belongs to the later one's year: only persons whose kept declaration says ``year`` stay.
    """
    ids = keys.filter(pl.col("deces_annee") == year).get_column("deces_id").unique()
    candidates = keys.filter(pl.col("deces_id").is_in(ids.implode()))
    # Most people are declared once: only the repeated ones are sorted.
    repeated = candidates.get_column("deces_id").is_duplicated()
    once = candidates.filter(~repeated).with_columns(pl.lit(1, dtype=pl.Int32).alias("nb_declarations"))
    several = candidates.filter(repeated)
    counts = several.group_by("deces_id").agg(pl.len().cast(pl.Int32).alias("nb_declarations"))
    chosen = (
        several.sort(list(KEPT_FIRST), descending=True, nulls_last=True)
        .unique("deces_id", keep="first", maintain_order=True)
        .join(counts, on="deces_id")
    )
    return (
        pl.concat([once, chosen.select(once.columns)])
        .filter(pl.col("deces_annee") == year)
        .select("deces_id", *KEPT_FIRST, "nb_declarations")
    )


def deaths_in_year(declared: pl.DataFrame, kept_ones: pl.DataFrame, year: int) -> pl.DataFrame:
    """silver/deaths of ``year``: the kept declarations (``kept``) among ``declared``, the
    declarations saying ``year``; ``year`` becomes the year of death."""
    return (
        declared.filter(pl.col("deces_annee") == year)
        .join(kept_ones, on=["deces_id", *KEPT_FIRST], how="inner")
        .with_columns(pl.col("deces_annee").cast(pl.Int32).alias("year"))
        .select(_COLUMNS)
        .sort("deces_id")
    )


def build_deaths(bronze: pl.DataFrame, key: str, year: int | None = None) -> pl.DataFrame:
    """silver/deaths from a whole register at once: every person once (only those who died in
    ``year`` when given), in the year of death. The assets build the same from the stored
    declarations, one year at a time; persons without a usable year of death are left out
    (they cannot be placed: silver/deaths reports them)."""
    declared = declarations(bronze, key)
    keys = declared.select(KEY_COLUMNS)
    years = [year] if year is not None else sorted(declared["deces_annee"].drop_nulls().unique().to_list())
    frames = [deaths_in_year(declared, kept(keys, y), y) for y in years]
    return pl.concat(frames) if frames else deaths_in_year(declared.clear(), kept(keys.clear(), 0), 0)


def deaths_of_year(deaths: pl.DataFrame, year: int) -> pl.DataFrame:
    return deaths.filter(pl.col("year") == year)


def register_summary(keys: pl.DataFrame) -> dict[str, int]:
    """Declarations, distinct persons and declarations without a year of death, over the
    register (``keys``: ``KEY_COLUMNS`` of every declaration)."""
    people = keys.get_column("deces_id").n_unique()
    return {
        "register_lines": keys.height,
        "people_in_register": people,
        "duplicate_declarations": keys.height - people,
        "without_year_of_death": int(keys["deces_annee"].is_null().sum()),
    }


def year_reconciliation(keys: pl.DataFrame, year: int) -> dict[str, int]:
    """How the register lines whose date of death says ``year`` become the deaths counted in it
    (``keys``: ``KEY_COLUMNS`` of every declaration): the lines, less the repeated declarations
    of a person, less the persons whose kept declaration (a later file's) says another year.
    Nobody moves in: a person counted in ``year`` has a kept declaration saying ``year``."""
    lines = keys.filter(pl.col("deces_annee") == year)
    persons = lines.get_column("deces_id").n_unique()
    counted = kept(keys, year).height
    return {"register_lines": lines.height, "repeated_declarations": lines.height - persons,
            "moved_to_another_year": persons - counted, "deaths_expected": counted}
