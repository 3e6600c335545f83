"""The deaths register in its three delivered formats, into one set of columns.

Every format yields the INSEE fixed-width field names (``nomprenom`` ... ``actedeces``):
- ``insee_fixed``: 176-character lines sliced at the contract's positions (characters,
  right padding removed). Lines of another length, or holding control bytes, are rejects;
  a longer line is accepted when its excess is only spaces.
- ``insee_csv``: ``;`` (or ``,``), fields quoted or not, with or without a header line.
- ``chu_csv``: the CHU's ``deces.csv`` (``,``, header); ``nom`` and ``prenom`` are joined
  into ``nomprenom`` with the INSEE convention ``NOM*PRENOMS/``, the other columns map
  one-to-one. Its rows carry no file year: each goes to the year of its ``date_deces``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import polars as pl

from chu_platform.layers.bronze import delimited
from chu_platform.layers.bronze.lines import CONTROL, LINE, ROW, Lines
from chu_platform.layers.bronze.parsed import Parsed, combine, rejects_from_lines, undecodable_rejects
from chu_platform.schemas.sources import (
    DEATHS_CHU_COLUMNS,
    DEATHS_FIXED_WIDTH,
    DEATHS_INSEE_CSV_COLUMNS,
    DEATHS_LINE_WIDTH,
)
from chu_platform.layers.bronze.headed_csv import parse_headed

COLUMNS = [name for name, _, _ in DEATHS_FIXED_WIDTH]


def _slice_chars(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col(ROW),
        *[
            pl.col(LINE).str.slice(start - 1, end - start + 1).str.strip_chars_end(" ").alias(name)
            for name, start, end in DEATHS_FIXED_WIDTH
        ],
    )


def parse_fixed(lines: Lines) -> Parsed:
    """Fixed-width INSEE lines, sliced without a Python object per line."""
    length = pl.col(LINE).str.len_chars()
    plain = (length == DEATHS_LINE_WIDTH) & ~pl.col(CONTROL)
    # Nearly every line is plain; the reasons are worked out on the few others only.
    split = lines.frame.with_columns(plain.alias("_plain"))
    other = split.filter(~pl.col("_plain"))
    excess_blank = pl.col(LINE).str.slice(DEATHS_LINE_WIDTH).str.strip_chars(" ") == ""
    frame = other.with_columns(
        pl.when(pl.col(LINE).str.strip_chars() == "")
        .then(pl.lit("blank line"))
        .when(pl.col(CONTROL))
        .then(pl.lit("control byte in line (transfer damage): expected printable text"))
        .when(length < DEATHS_LINE_WIDTH)
        .then(pl.format("truncated line: {} characters, expected " + str(DEATHS_LINE_WIDTH), length))
        .when((length > DEATHS_LINE_WIDTH) & ~excess_blank)
        .then(pl.format("over-long line: {} characters, expected " + str(DEATHS_LINE_WIDTH), length))
        .alias("reason")
    )
    rows = _slice_chars(split.filter(pl.col("_plain")))
    accepted = frame.filter(pl.col("reason").is_null())
    if accepted.height:
        rows = pl.concat([rows, _slice_chars(accepted)]).sort(ROW)
    bad = rejects_from_lines(frame.filter(pl.col("reason").is_not_null()), pl.col("reason"))
    rejects = combine(bad, undecodable_rejects(lines.undecodable, lines.encoding))
    return Parsed(rows, rejects, lines.total, {"encoding": lines.encoding})


def parse_insee_csv(lines: Lines) -> Parsed:
    """INSEE CSV lines; line 1 is a header when its fields are the register's field names."""
    frame = lines.frame
    first = frame.filter(pl.col(ROW) == 1).get_column(LINE)
    separator = delimited.detect_separator(first[0] if len(first) else ";")
    head = delimited.split_fields(frame.filter(pl.col(ROW) == 1), separator).get_column(delimited.FIELDS)
    has_header = bool(len(head)) and head[0] is not None and [f.strip().lower() for f in head[0]] == COLUMNS
    body = frame.filter(pl.col(ROW) > 1) if has_header else frame
    split = delimited.split_fields(body, separator)
    good, bad = delimited.check_fields(split, len(DEATHS_INSEE_CSV_COLUMNS), separator)
    rows = delimited.to_columns(good, COLUMNS, list(range(len(COLUMNS))))
    undecodable = [u for u in lines.undecodable if not (has_header and u[0] == 1)]
    rejects = combine(bad, undecodable_rejects(undecodable, lines.encoding))
    notes = {"encoding": lines.encoding, "separator": separator, "header": str(has_header).lower()}
    return Parsed(rows, rejects, lines.total - int(has_header), notes)


def parse_chu_csv(lines: Lines, file: str) -> Parsed:
    """The CHU's deces.csv mapped onto the register's field names."""
    parsed = parse_headed(lines, DEATHS_CHU_COLUMNS, file, separator=",")
    r = parsed.rows
    rows = r.select(
        pl.col(ROW),
        pl.concat_str(pl.col("nom").fill_null(""), pl.lit("*"), pl.col("prenom").fill_null(""), pl.lit("/")).alias("nomprenom"),
        pl.col("sexe"),
        pl.col("date_naissance").alias("datenaiss"),
        pl.col("code_lieu_naissance").alias("lieunaiss"),
        pl.col("lieu_naissance").alias("commnaiss"),
        pl.col("pays_naissance").alias("paysnaiss"),
        pl.col("date_deces").alias("datedeces"),
        pl.col("code_lieu_deces").alias("lieudeces"),
        pl.col("numero_acte_deces").alias("actedeces"),
    )
    return Parsed(rows, parsed.rejects, parsed.lines_read, parsed.notes)


def death_year(column: str = "datedeces") -> pl.Expr:
    """Year of a death date written ``AAAAMMJJ``, ``AAAA-MM-JJ`` or ``JJ/MM/AAAA`` (else null)."""
    text = pl.col(column).str.strip_chars()
    return (
        pl.coalesce(
            text.str.extract(r"^((?:19|20)\d{2})\d{4}$"),
            text.str.extract(r"^((?:19|20)\d{2})-\d{2}-\d{2}"),
            text.str.extract(r"^\d{2}/\d{2}/((?:19|20)\d{2})$"),
        )
        .cast(pl.Int32)
    )


def death_date_key(column: str = "datedeces") -> pl.Expr:
    """A death date as ``AAAAMMJJ`` text (unknown month or day ``00``), null when no year reads."""
    text = pl.col(column).str.strip_chars()
    return pl.coalesce(
        text.str.extract(r"^((?:19|20)\d{6})$"),
        text.str.extract(r"^((?:19|20)\d{2}-\d{2}-\d{2})").str.replace_all("-", ""),
        pl.concat_str(text.str.extract(r"^\d{2}/\d{2}/((?:19|20)\d{2})$"),
                      text.str.extract(r"^\d{2}/(\d{2})/"), text.str.extract(r"^(\d{2})/")),
    )


def reject_misdated(parsed: Parsed, lines: Callable[[], Lines], file_year: int | None, today: date,
                    first_year: int) -> Parsed:
    """Rows whose date of death no year of the register can hold become rejects, with why:
    after today, after the year of their file (``file_year``: a year's file declares deaths up
    to its own year; a CHU deces.csv has none), or before ``first_year`` (no partition holds
    them). Before, such a line sat in silver/death_declarations under no year of death, or
    moved to the next year, without a word. ``lines`` re-reads the file for the rejects' text,
    only when there are some."""
    key = death_date_key()
    year = death_year()
    limit = f"{today:%Y%m%d}"
    reason = (
        pl.when(key > limit)
        .then(pl.format("date of death {} is in the future (after " + f"{today:%Y-%m-%d}" + "): no register line "
                        "can declare it; correct the line at the source and re-deliver", pl.col("datedeces")))
        .when(year > (file_year if file_year is not None else 9999))
        .then(pl.format("date of death {} is after the file's year " + str(file_year) + ": a year's register "
                        "file declares deaths up to its own year; correct the date or deliver the line in its "
                        "year's file", pl.col("datedeces")))
        .when(year < first_year)
        .then(pl.format("date of death {} is before " + str(first_year) + ", the register's first year: no year "
                        "partition holds it", pl.col("datedeces")))
    )
    # The reason depends on the date alone: worked out once per distinct date (a year's file
    # holds a few hundred), not with six regular expressions on each of its 600,000 lines.
    reasons = parsed.rows.select(pl.col("datedeces").unique()).with_columns(reason.alias("_misdated"))
    flagged = parsed.rows.join(reasons, on="datedeces", how="left", nulls_equal=True, maintain_order="left")
    bad = flagged.filter(pl.col("_misdated").is_not_null())
    if bad.height == 0:
        return parsed
    text = bad.select(ROW, "_misdated").join(lines().frame.select(ROW, LINE), on=ROW, how="left")
    rejects = combine(parsed.rejects, rejects_from_lines(text, pl.col("_misdated")))
    rows = flagged.filter(pl.col("_misdated").is_null()).drop("_misdated")
    notes = {**parsed.notes, "misdated_lines": f"{bad.height} (first: line {bad[ROW].min()})"}
    return Parsed(rows, rejects, parsed.lines_read, notes)


def split_by_death_year(parsed: Parsed, lines: Lines, year: int) -> Parsed:
    """The part of a CHU deces.csv parse that belongs to partition ``year``.

    Rows go to the year of their death date. Rows whose date gives no year, and the file's
    rejects, belong to the file's latest death year, so they are reported exactly once.
    """
    years = parsed.rows.select(death_year().alias("y")).get_column("y")
    latest = years.max()
    home = year == latest or latest is None
    undated = parsed.rows.filter(years.is_null())
    rows = parsed.rows.filter(years == year)
    rejects = combine(parsed.rejects) if home else parsed.rejects.clear()
    if home and undated.height:
        undated_lines = undated.select(ROW).join(lines.frame, on=ROW, how="left")
        undated_rejects = rejects_from_lines(
            undated_lines,
            "date_deces has no readable year (expected AAAAMMJJ, AAAA-MM-JJ or JJ/MM/AAAA): "
            "the row cannot be given a year partition",
        )
        rejects = combine(rejects, undated_rejects)
    lines_read = rows.height + rejects.height
    return Parsed(rows, rejects, lines_read, parsed.notes)


def chu_years(parsed: Parsed) -> set[int]:
    """The partitions a CHU deces.csv feeds."""
    years = parsed.rows.select(death_year().alias("y")).get_column("y")
    return {int(y) for y in years.drop_nulls().unique()}
