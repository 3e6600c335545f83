"""The published marts as files an office opens without a BI tool: one Excel workbook, CSV, Parquet.

One file per analysis (CSV, Parquet) and one sheet per analysis in the workbook: the eight
analyses, then the activity indicators (length of stay, 30-day readmissions, census, medication
use) and the activity forecast with its backtest (``EXPORTED``). A row is a row of the mart (for
the analyses one calendar year x one breakdown value), exactly as the BI warehouse publishes it
(``publication.published_table``). The workbook opens on a sheet giving each analysis'
definition, its period, the export date and the secrecy legend.

Withheld cells: Parquet keeps the mart's types (the cell null, the row's ``masked`` flag true),
for tools that sum and sort; the workbook and the CSV files show the label the secrecy module
renders (``secrecy.records``, whose withheld cells ``secrecy.withheld_cells`` finds), never a rule of their own.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl

from chu_platform.lib import permissions
from chu_platform.lib import delta_store
from chu_platform.layers.marts import activity, analyses, publication
from chu_platform.layers.marts import secrecy
from chu_platform.layers.marts.secrecy import MASK, MASKED

FOLDER = "export"
WORKBOOK = "chu-analyses.xlsx"
README_SHEET = "Lisez-moi"
# The meaning of each label a withheld cell may read: the secrecy module's own French legend;
# a label not listed there is explained by the generic line.
LEGEND = secrecy.LEGEND["fr"]
LEGEND_OTHER = "Valeur masquée au titre du secret statistique."
# satisfaction_by_region's "rate" is the answer-weighted score (0-100), not a share.
SCORE_RATES = frozenset({"satisfaction_by_region"})
# Excel renders these with the reader's separators: "1 234", "27,50 %", "72,35" in French.
FORMATS = {"year": "0", "count": "#,##0", "share": "0.00 %", "decimal": "#,##0.00",
           "date": "dd/mm/yyyy", "datetime": "dd/mm/yyyy hh:mm"}


# Every published mart the export writes, in sheet order.
EXPORTED = (*analyses.ANALYSES, *activity.INDICATORS, *activity.FORECAST_TABLES)
# The forecast's marts have no ``Indicator``: their title and definition for the read-me sheet.
FORECAST_TEXTS = {
    "activity_forecast": ("Prévision d'activité à 12 mois",
                          "séjours et consultations prévus par mois, par établissement et pour le groupe, "
                          "avec les intervalles à 80 % et 95 %"),
    "forecast_backtest": ("Erreur de la prévision sur les 24 derniers mois",
                          "MASE du modèle et de « même mois l'an dernier », couverture des intervalles à 80 % et 95 %"),
}
SHARES = frozenset({"share", "coverage_80", "coverage_95"})
# Rows of data an Excel sheet holds under its header (1 048 576 rows in all): a larger mart gets
# a sheet saying so and where its rows are, rather than losing the rest (an xlsx writer drops or
# refuses writes past the last row).
SHEET_ROWS = 1_048_575


class ExportError(RuntimeError):
    """Nothing to export as asked; the message says what to run."""


@dataclass(frozen=True)
class Written:
    """What an export wrote: every file, and the rows and withheld rows of each analysis."""

    folder: Path
    files: tuple[Path, ...]
    rows: Mapping[str, int]
    masked: Mapping[str, int]
    missing: tuple[str, ...]


def read_marts(lake: str) -> tuple[dict[str, pl.DataFrame], list[str]]:
    """The published marts present in the lake, and the analyses without one yet."""
    found, missing = {}, []
    for name in EXPORTED:
        uri = delta_store.table_uri(lake, ["marts", name])
        if delta_store.exists(uri):
            # Years in order (a Delta read need not keep it); within a year, the mart's own order.
            df = publication.published_table("marts", name, delta_store.read(uri))
            order = [c for c in ("year", "measure", "series", "month") if c in df.columns]
            found[name] = df.sort(order, maintain_order=True) if order else df
        else:
            missing.append(name)
    if not found:
        raise ExportError(f"no mart in {lake}/marts yet: run `chu run` first")
    return found, missing


def csv_text(df: pl.DataFrame, labels: list[tuple[int, str, str]]) -> str:
    """A mart as its CSV file: the shown columns as text (ISO dates, booleans as true/false,
    numbers in full), each withheld cell reading its label (``secrecy.withheld_cells``)."""
    text = df.select(pl.col(c).cast(pl.String) for c in secrecy.shown_columns(df))
    overlays: dict[str, tuple[list[int], list[str]]] = {}
    for position, column, label in labels:
        positions, texts = overlays.setdefault(column, ([], []))
        positions.append(position)
        texts.append(label)
    for column, (positions, texts) in overlays.items():
        text = text.with_columns(text.get_column(column).scatter(positions, texts))
    return text.write_csv(line_terminator="\n")


def render_csv(rows: list[dict], columns: list[str]) -> str:
    """CSV text (comma, UTF-8, ISO dates, booleans as true/false), as ``chu query --format csv``."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: str(v).lower() if isinstance(v, bool) else v for k, v in r.items()} for r in rows)
    return buffer.getvalue()


def period_text(df: pl.DataFrame) -> str:
    """The period a mart covers, in words: its first and last day, one block of rows per year."""
    if df.is_empty():
        return "aucune donnée"
    if "period_from" not in df.columns:
        if "month" in df.columns:
            return f"de {df['month'].min():%m/%Y} à {df['month'].max():%m/%Y}, un bloc de lignes par série (colonne series)"
        if "year" in df.columns:
            return (f"de {df['year'].min()} à {df['year'].max()} : {df['year'].n_unique()} année(s) civile(s), "
                    "un bloc de lignes par année (colonne year)")
        return "les 24 derniers mois de l'historique, une ligne par série"
    start, end = df["period_from"].min(), df["period_to"].max()
    years = df["year"].n_unique()
    return f"du {start:%d/%m/%Y} au {end:%d/%m/%Y} : {years} année(s) civile(s), un bloc de lignes par année (colonne year)"


def _format_of(name: str, column: str, dtype: pl.DataType) -> str | None:
    if column == "year":
        return "year"
    if dtype == pl.Date:
        return "date"
    if dtype.is_integer():
        return "count"
    if dtype.is_float():
        return "share" if (column == "rate" and name not in SCORE_RATES) or column in SHARES else "decimal"
    return None


# Excel's day 0: a date cell holds its days since then, shown through the cell's date format.
EXCEL_EPOCH = date(1899, 12, 30)


def _sheet_frame(df: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """The shown columns as the sheet stores them: dates as Excel day numbers (their format makes
    them dates), every other column as the mart holds it."""
    return df.select(
        (pl.col(c).cast(pl.Int32) - pl.lit(EXCEL_EPOCH).cast(pl.Int32)).cast(pl.Float64).alias(c)
        if df.schema[c] == pl.Date else pl.col(c)
        for c in columns)


def _widths(df: pl.DataFrame, columns: list[str], labels: list[tuple[int, str, str]]) -> list[int]:
    """Each column's width: its header or its longest shown value (labels included), + 2, at most 50."""
    longest = df.select(pl.col(c).cast(pl.String).str.len_chars().max().fill_null(0) for c in columns).row(0)
    shown = dict(zip(columns, longest))
    for _, column, text in labels:
        shown[column] = max(shown[column], len(text))
    return [max(len(c) + 2, min(shown[c] + 2, 50)) for c in columns]


def write_workbook(path: Path, marts: Mapping[str, pl.DataFrame], now: datetime,
                   labels: Mapping[str, list[tuple[int, str, str]]]) -> None:
    """The workbook: the read-me sheet, then one sheet per analysis named after it (``labels``:
    each mart's ``secrecy.withheld_cells``).

    Each sheet's typed columns go in one call through rust_xlsxwriter (``rvgsrust_xlsxwriter``,
    an Arrow stream per mart: the cells never become Python objects), then each withheld cell
    is written over with its label. At scale 1 (8.5 M cells) this takes 10.3 s where xlsxwriter,
    one call per cell, took 47.9 s (``python -m benchmarks export``, docs/benchmarks.md)."""
    import rvgsrust_xlsxwriter as xlsx

    book = xlsx.Workbook(str(path))
    book.set_properties(title="CHU Platform - analyses publiées")
    bold = xlsx.Format().set_bold()
    title = xlsx.Format().set_bold().set_font_size(14)
    wrap = xlsx.Format().set_text_wrap().set_vertical_align("top")
    header = xlsx.Format().set_bold().set_bottom_border("thin").set_text_wrap().set_vertical_align("top")
    label = xlsx.Format().set_align("right").set_italic()
    formats = {key: xlsx.Format().set_num_format(code) for key, code in FORMATS.items()}
    readme = book.add_worksheet(README_SHEET)
    used = {MASK}

    for name, df in marts.items():
        sheet = book.add_worksheet(name[:31])
        if df.height > SHEET_ROWS:
            sheet.set_column_width(0, 110)
            sheet.write(0, 0, too_large(name, df.height), wrap)
            continue
        columns = secrecy.shown_columns(df)
        kinds = {c: _format_of(name, c, df.schema[c]) for c in columns}
        sheet.write_dataframe(0, 0, _sheet_frame(df, columns).to_arrow(), header_format=header,
                              column_formats={c: formats[k] for c, k in kinds.items() if k})
        held = labels[name]
        index = {c: j for j, c in enumerate(columns)}
        for i, column, text in held:
            sheet.write(i + 1, index[column], text, label)
        used |= {text for _, column, text in held if kinds[column] is not None}
        for j, width in enumerate(_widths(df, columns, held)):
            sheet.set_column_width(j, width)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(df.height, 1), len(columns) - 1)

    for column, width in enumerate((34, 46, 70, 60, 14, 14)):
        readme.set_column_width(column, width)
    readme.write(0, 0, "CHU Platform - analyses publiées (secret statistique appliqué)", title)
    readme.write(1, 0, "Exporté le (UTC)", bold)
    readme.write_datetime_py(1, 1, now.replace(tzinfo=None), formats["datetime"])
    readme.write(2, 0, "Source", bold)
    readme.write(2, 1, "les marts publiés, identiques aux tables de data/warehouse.duckdb")
    readme.write_row(4, 0, ["Feuille", "Analyse", "Définition (numérateur / dénominateur)", "Période",
                            "Lignes", "Lignes masquées"], header)
    row = 5
    for name, df in marts.items():
        title_text, definition = describe(name)
        readme.write_url(row, 0, f"internal:'{name[:31]}'!A1", text=name[:31])
        readme.write(row, 1, title_text, wrap)
        readme.write(row, 2, definition, wrap)
        readme.write(row, 3, period_text(df) + (f" ; {too_large(name, df.height)}" if df.height > SHEET_ROWS else ""),
                     wrap)
        readme.write(row, 4, df.height, formats["count"])
        readme.write(row, 5, int(df[MASKED].sum()) if MASKED in df.columns else 0, formats["count"])
        row += 1
    row += 1
    readme.write(row, 0, "Secret statistique : ce que signifie une cellule masquée", bold)
    for text in sorted(used):
        row += 1
        readme.write(row, 0, text, label)
        readme.write(row, 1, LEGEND.get(text, LEGEND_OTHER), wrap)
    row += 2
    readme.write(row, 0, "Nombres", bold)
    readme.write(row, 1, "séparateurs de l'Excel qui ouvre le fichier (en français : 1 234 ; 27,50 % ; "
                         "72,35) ; les taux sont des parts (0,275 = 27,50 %), sauf satisfaction_by_region "
                         "où rate est le score moyen sur 100.", wrap)
    book.close()


def too_large(name: str, rows: int) -> str:
    return (f"{rows:,} lignes : plus qu'une feuille Excel n'en contient ({SHEET_ROWS:,}) ; "
            f"toutes sont dans {name}.csv et {name}.parquet").replace(",", "\u202f")


def describe(name: str) -> tuple[str, str]:
    """A mart's title and definition for the read-me sheet."""
    if name in analyses.ANALYSES:
        analysis = analyses.get(name)
        return analysis.title, f"{analysis.numerator} / {analysis.denominator}"
    if name in activity.INDICATORS:
        indicator = activity.get(name)
        return indicator.title, f"{indicator.grain} ; {indicator.definition}"
    return FORECAST_TEXTS[name]


def published_names(formats: tuple[str, ...] = ("xlsx", "csv", "parquet")) -> list[str]:
    """The names of the files an export of every analysis writes, in its folder."""
    names = [WORKBOOK] if "xlsx" in formats else []
    return names + [f"{name}.{fmt}" for name in EXPORTED for fmt in ("csv", "parquet") if fmt in formats]


def _install(target: Path, write, environ: Mapping[str, str] | None) -> Path:
    """Write beside ``target``, give it the published file's mode, then rename it over: a reader
    never sees half a file."""
    building = target.with_name(f".{target.name}.{os.getpid()}.building")
    building.unlink(missing_ok=True)
    try:
        write(building)
        permissions.publish_file(building, environ)
        os.replace(building, target)
    finally:
        building.unlink(missing_ok=True)
    return target


def export(lake: str, folder: Path, now: datetime, formats: tuple[str, ...] = ("xlsx", "csv", "parquet"),
           environ: Mapping[str, str] | None = None, own_folder: bool = True) -> Written:
    """Write the published marts under ``folder`` in each of ``formats``; the files follow the
    published warehouse's permission rule, and so does the folder when it is the platform's own
    (``own_folder``) or new: a folder the user chose keeps the mode they gave it."""
    marts, missing = read_marts(lake)
    if own_folder or not folder.exists():
        permissions.publish_dir(folder, environ)
    files = []
    # Each mart's withheld cells and their labels, found once for the workbook and the CSV files.
    labels = {name: secrecy.withheld_cells(df) for name, df in marts.items()} if {"xlsx", "csv"} & set(formats) else {}
    if "xlsx" in formats:
        files.append(_install(folder / WORKBOOK, lambda p: write_workbook(p, marts, now, labels), environ))
    for name, df in marts.items():
        if "csv" in formats:
            text = csv_text(df, labels[name])
            files.append(_install(folder / f"{name}.csv", lambda p, t=text: p.write_text(t, encoding="utf-8"), environ))
        if "parquet" in formats:
            files.append(_install(folder / f"{name}.parquet", lambda p, d=df: d.write_parquet(p), environ))
    return Written(folder, tuple(files), {n: df.height for n, df in marts.items()},
                   {n: int(df[MASKED].sum()) if MASKED in df.columns else 0 for n, df in marts.items()},
                   tuple(missing))
