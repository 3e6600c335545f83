"""Conforming raw text values: trimmed text, sex, dates, numbers, CIM-10 codes.

Every function returns a Polars expression so that cleaning stays vectorised; a value that
cannot be conformed becomes null (the silver checks count those), never a guess.
"""

from __future__ import annotations

import os

import polars as pl

_MALE = ("1", "M", "H", "HOMME", "MASCULIN", "MALE", "MAN")
_FEMALE = ("2", "F", "FEMME", "FEMININ", "FÉMININ", "FEMALE", "WOMAN")

# A CIM-10 code as the ATIH writes it without its dot: a letter, two digits, then up to
# four extension characters (digits, or '+' and '*' markers removed beforehand).
CIM10_PATTERN = r"^[A-Z][0-9]{2}[0-9A-Z]{0,4}$"


def text(column: str) -> pl.Expr:
    """Trimmed text with inner runs of spaces collapsed; empty becomes null."""
    cleaned = pl.col(column).str.strip_chars().str.replace_all(r"\s+", " ")
    return pl.when(cleaned == "").then(None).otherwise(cleaned)


def sex(column: str) -> pl.Expr:
    """'M' or 'F' from 1/2, M/F, H/F, Homme/Femme...; anything else null."""
    value = text(column).str.to_uppercase()
    return (
        pl.when(value.is_in(_MALE)).then(pl.lit("M"))
        .when(value.is_in(_FEMALE)).then(pl.lit("F"))
        .otherwise(None)
    )


def number(column: str) -> pl.Expr:
    """Float from text with a decimal comma or dot ("75,09", "71.36"); null if not a number."""
    value = text(column).str.replace_all(r"[\s\u00a0]", "").str.replace(",", ".", literal=True)
    return value.cast(pl.Float64, strict=False)


def integer(column: str) -> pl.Expr:
    """Integer from text ("17", " 17 ", "17.0"); null if not a whole number."""
    value = number(column)
    return pl.when(value == value.round(0)).then(value).otherwise(None).cast(pl.Int64)


def date_fr(column: str) -> pl.Expr:
    """Date from dd/mm/yyyy (or ISO yyyy-mm-dd); impossible dates such as 31/02 are null."""
    value = text(column)
    return pl.coalesce(
        value.str.to_date("%d/%m/%Y", strict=False),
        value.str.to_date("%Y-%m-%d", strict=False),
    )


def time_of_day(column: str) -> pl.Expr:
    """Time from HH:MM or HH:MM:SS; null otherwise."""
    value = text(column)
    return pl.coalesce(value.str.to_time("%H:%M:%S", strict=False), value.str.to_time("%H:%M", strict=False))


def insee_date_parts(column: str, prefix: str) -> list[pl.Expr]:
    """Year, month, day (nullable Int16/Int8) and the full date of an INSEE AAAAMMJJ field.

    INSEE writes an unknown part as ``00`` (``19420000``: born in 1942, month and day
    unknown). Unknown parts stay null and the full date is null unless every part is known
    and forms a real day — a date is never invented. ISO ``yyyy-mm-dd`` and ``dd/mm/yyyy``
    (the CHU's deces.csv) are accepted too.
    """
    raw = text(column)
    compact = (
        raw.str.replace(r"^(\d{4})-(\d{2})-(\d{2})$", "${1}${2}${3}")
        .str.replace(r"^(\d{2})/(\d{2})/(\d{4})$", "${3}${2}${1}")
        .str.extract(r"^(\d{8})$", 1)
    )
    year = compact.str.slice(0, 4).cast(pl.Int16, strict=False)
    month = compact.str.slice(4, 2).cast(pl.Int8, strict=False)
    day = compact.str.slice(6, 2).cast(pl.Int8, strict=False)
    year = pl.when(year > 0).then(year).otherwise(None)
    month = pl.when(month.is_between(1, 12)).then(month).otherwise(None)
    day = pl.when(day.is_between(1, 31)).then(day).otherwise(None)
    full = compact.str.to_date("%Y%m%d", strict=False)
    return [
        year.alias(f"{prefix}_annee"),
        month.alias(f"{prefix}_mois"),
        day.alias(f"{prefix}_jour"),
        full.alias(f"{prefix}_date"),
    ]


def cim10(column: str) -> pl.Expr:
    """A CIM-10 code upper-cased without dot, spaces or dagger/asterisk marks; null if malformed."""
    value = text(column).str.to_uppercase().str.replace_all(r"[\s.+*†]", "")
    return pl.when(value.str.contains(CIM10_PATTERN)).then(value).otherwise(None)


def age_years(birth: pl.Expr, at: pl.Expr) -> pl.Expr:
    """Completed years between two dates (null when either is null)."""
    before_birthday = (at.dt.month() < birth.dt.month()) | (
        (at.dt.month() == birth.dt.month()) & (at.dt.day() < birth.dt.day())
    )
    return (at.dt.year() - birth.dt.year() - before_birthday.cast(pl.Int32)).cast(pl.Int16)


def select_in_slices(df: pl.DataFrame, exprs: list[pl.Expr], rows_per_slice: int = 500_000) -> pl.DataFrame:
    """``df.select(exprs)`` with the rows cut into slices evaluated in parallel.

    Polars runs one string expression over one column on one core; slicing the rows lets
    every core work on a long column (regexes over millions of names). Same result, same order.
    """
    if df.height < rows_per_slice:
        return df.select(exprs)
    slices = 2 * min(os.cpu_count() or 1, -(-df.height // rows_per_slice))
    step = -(-df.height // slices)
    lazy = df.lazy()
    return pl.concat([lazy.slice(i * step, step).select(exprs) for i in range(slices)]).collect()


def per_distinct(df: pl.DataFrame, column: str, exprs: list[pl.Expr]) -> pl.DataFrame:
    """Add ``exprs`` (written over ``column``) to ``df``, evaluated once per distinct value,
    in order: an expression may read the columns the ones before it made (an expression
    reused inside another is evaluated again at each use, so name it once and read it).

    Codes and dates repeat a lot (35,000 communes, 36,500 days a century): conforming the
    distinct values and gathering them back by index is many times faster than conforming
    every row (and than joining the whole frame back: only the key column is joined).
    """
    distinct = df.select(pl.col(column)).unique().with_row_index("_distinct")
    index = (
        df.select(column)
        .join(distinct, on=column, how="left", nulls_equal=True, maintain_order="left")
        .get_column("_distinct")
    )
    mapped = distinct
    for expr in exprs:
        mapped = mapped.with_columns(expr)
    names = [e.meta.output_name() for e in exprs]
    return df.with_columns(mapped.select(pl.col(names).gather(index)).get_columns())