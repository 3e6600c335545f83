"""HAS e-Satis 48h MCO results, CSV (CP1252 or UTF-8, ``;`` or ``,``) or ``.xlsx``.

The bronze table has the columns of ``ESATIS_COLUMNS``; older years that publish fewer
(2017: 23) get nulls for the rest, and columns HAS added beyond the contract are listed in
the metadata rather than loaded. Scores stay text: decimal commas and dots are mixed in
one file and silver reads both.
"""

from __future__ import annotations

import io

import polars as pl

from chu_platform.layers.bronze.headed_csv import parse_headed
from chu_platform.layers.bronze.lines import ROW, Lines
from chu_platform.layers.bronze.parsed import Parsed, SourceFormatError, empty_rejects, rejects_from_lines
from chu_platform.schemas.sources import ESATIS_COLUMNS, bronze_column

# In every year HAS published (2017's 23 columns included): without them no score can be read,
# so a renamed one fails the file instead of loading a year of null scores.
REQUIRED = ("finess", "nb_rep_score_all_rea_ajust", "score_all_rea_ajust")
COLUMNS = [bronze_column(c) for c in ESATIS_COLUMNS]


def parse_csv(lines: Lines, file: str) -> Parsed:
    return parse_headed(lines, ESATIS_COLUMNS, file, separator=None, required=REQUIRED)


def _results_sheet(data: bytes, file: str) -> pl.DataFrame:
    sheets = pl.read_excel(
        io.BytesIO(data), sheet_id=0, infer_schema_length=0, drop_empty_rows=False,
        drop_empty_cols=False, raise_if_empty=False,
    )
    for frame in sheets.values():
        if "finess" in {bronze_column(c) for c in frame.columns}:
            return frame
    raise SourceFormatError(
        f"{file}: no sheet has a 'finess' column in its first row; expected the e-Satis results "
        f"sheet with columns {', '.join(COLUMNS)}. Re-deliver the HAS workbook unchanged."
    )


def parse_xlsx(data: bytes, file: str) -> Parsed:
    """The results sheet of a workbook; spreadsheet row numbers stand for line numbers."""
    sheet = _results_sheet(data, file)
    sheet = sheet.rename({c: bronze_column(c) for c in sheet.columns}).with_columns(pl.all().cast(pl.String))
    sheet = sheet.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    missing = [c for c in REQUIRED if c not in sheet.columns]
    if missing:
        raise SourceFormatError(
            f"{file}: the results sheet has no column {', '.join(missing)}; expected e-Satis columns "
            f"{', '.join(COLUMNS[:9])}... Re-deliver the HAS workbook unchanged."
        )
    present = [c for c in COLUMNS if c in sheet.columns]
    blank = pl.all_horizontal([pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in present])
    rows = sheet.filter(~blank).select(
        pl.col(ROW), *[pl.col(c) if c in sheet.columns else pl.lit(None, dtype=pl.String).alias(c) for c in COLUMNS]
    )
    empty = sheet.filter(blank).select(pl.col(ROW), pl.lit("").alias("line"))
    rejects = rejects_from_lines(empty, "blank row") if empty.height else empty_rejects()
    notes = {"sheet_columns": str(len(sheet.columns) - 1)}
    ignored = [c for c in sheet.columns if c not in COLUMNS and c != ROW]
    if ignored:
        notes["ignored_columns"] = ", ".join(ignored)
    return Parsed(rows, rejects, sheet.height, notes)
