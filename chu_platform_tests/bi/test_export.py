"""The export holds the published marts exactly: the workbook reopened with openpyxl, the CSV and
Parquet files read back, each against the mart; written for the owner or the BI group only."""

from __future__ import annotations

import csv
import grp
import os
import stat
from datetime import UTC, date, datetime

import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal

from chu_platform.cli import cli
from chu_platform.layers.marts import export
from chu_platform.layers.marts.analyses import ANALYSES, get
from chu_platform.layers.marts.secrecy import BOUND_COUNTS, MASK, MASKED, records, shown_columns

NOW = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def workbook(published):
    return openpyxl.load_workbook(published.data / "export" / export.WORKBOOK)


def _withheld(df: pl.DataFrame, name: str, row: dict, column: str) -> bool:
    return bool(row[MASKED]) and row[column] is None and column in get(name).secrecy.columns


def _labels(df: pl.DataFrame, name: str) -> list[dict]:
    """The secrecy module's rendering of each row: what a withheld cell must read."""
    return records(df)


def test_every_analysis_has_its_sheet_with_exactly_the_published_cells(published, workbook):
    assert workbook.sheetnames == [export.README_SHEET, *export.EXPORTED]
    labels = set()
    for name in ANALYSES:
        mart = published.mart(name).sort("year", maintain_order=True)
        sheet = workbook[name]
        values = list(sheet.iter_rows(values_only=True))
        assert list(values[0]) == shown_columns(mart), name
        assert len(values) - 1 == mart.height, name
        for row, rendered, cells in zip(mart.iter_rows(named=True), _labels(mart, name), values[1:]):
            for column, cell in zip(shown_columns(mart), cells):
                expected = row[column]
                if _withheld(mart, name, row, column):
                    assert cell == rendered[column] and isinstance(cell, str), (name, column, cell)
                    labels.add(cell)
                elif isinstance(expected, date):
                    assert cell == datetime(expected.year, expected.month, expected.day), (name, column)
                elif isinstance(expected, float):
                    # A workbook keeps 16 significant digits (Excel shows 15).
                    assert cell == pytest.approx(expected, rel=1e-15, abs=0), (name, column, cell, expected)
                elif isinstance(expected, int) and not isinstance(expected, bool):
                    # Excel keeps every number as a double: the writer stores 2018 as "2018.0".
                    assert cell == expected and type(cell) in (int, float), (name, column, cell, expected)
                else:
                    assert cell == expected and type(cell) is type(expected), (name, column, cell, expected)
    assert MASK in labels, "the synthetic marts have withheld cells, each shown by its label"
    assert labels <= set(export.LEGEND), "the first sheet explains every label"


def test_no_count_from_1_to_9_in_any_sheet(workbook):
    shown = 0
    for name in ANALYSES:
        rows = list(workbook[name].iter_rows(values_only=True))
        for column in (c for c in BOUND_COUNTS if c in rows[0]):
            j = rows[0].index(column)
            cells = [r[j] for r in rows[1:]]
            assert not [c for c in cells if isinstance(c, int | float) and 1 <= c <= 9], (name, column)
            shown += sum(isinstance(c, int | float) for c in cells)
    assert shown > 100


def test_cells_carry_french_ready_number_formats(workbook):
    sheet = workbook["hospitalisation_rate"]
    header = [c.value for c in sheet[1]]
    row = {h: c for h, c in zip(header, sheet[2])}
    assert row["year"].number_format == "0"
    assert row["period_from"].number_format == "dd/mm/yyyy"
    assert row["numerator"].number_format == "#,##0" and row["denominator"].number_format == "#,##0"
    assert row["rate"].number_format == "0.00 %"
    satisfaction = workbook["satisfaction_by_region"]
    header = [c.value for c in satisfaction[1]]
    assert satisfaction.cell(2, header.index("rate") + 1).number_format == "#,##0.00", "a score, not a share"


def test_read_me_sheet_defines_each_analysis_with_its_period_date_and_legend(published, workbook):
    rows = [r for r in workbook[export.README_SHEET].iter_rows(values_only=True) if any(v is not None for v in r)]
    assert isinstance(rows[1][1], datetime)
    listed = {r[0]: r for r in rows if r[0] in ANALYSES}
    assert set(listed) == set(ANALYSES)
    for name, row in listed.items():
        analysis, mart = get(name), published.mart(name)
        assert row[1] == analysis.title and row[2] == f"{analysis.numerator} / {analysis.denominator}"
        assert f"du {mart['period_from'].min():%d/%m/%Y} au {mart['period_to'].max():%d/%m/%Y}" in row[3]
        assert row[4] == mart.height and row[5] == mart[MASKED].sum()
    legend = {r[0]: r[1] for r in rows}
    assert "1 à 9" in legend[MASK]
    shown = {c for n in ANALYSES for r in workbook[n].iter_rows(min_row=2, values_only=True) for c in r
             if isinstance(c, str) and c in export.LEGEND}
    assert shown and all(legend.get(label) == export.LEGEND[label] for label in shown)


def test_csv_and_parquet_equal_the_marts(published):
    folder = published.data / "export"
    cells = 0
    for name in ANALYSES:
        mart = published.mart(name).sort("year", maintain_order=True)
        assert_frame_equal(pl.read_parquet(folder / f"{name}.parquet"), mart)
        with open(folder / f"{name}.csv", encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == mart.height
        for row, rendered, got in zip(mart.iter_rows(named=True), _labels(mart, name), rows):
            assert list(got) == shown_columns(mart)
            for column in shown_columns(mart):
                expected = row[column]
                text = got[column]
                if _withheld(mart, name, row, column):
                    assert text == rendered[column] and text in export.LEGEND
                elif expected is None:
                    assert text == ""
                elif isinstance(expected, bool):
                    assert text == str(expected).lower()
                elif isinstance(expected, int | float):
                    assert float(text) == expected and not (column in BOUND_COUNTS and 1 <= expected <= 9)
                else:
                    assert text == str(expected), (name, column)
                cells += 1
    assert cells > 100, "the CSV files hold almost nothing to compare"


def test_files_follow_the_published_warehouse_permission_rule(published, tmp_path):
    folder = published.data / "export"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o750 and folder.stat().st_gid == os.getegid()
    names = {p.name for p in folder.iterdir()}
    assert names == {export.WORKBOOK, *(f"{n}.csv" for n in export.EXPORTED), *(f"{n}.parquet" for n in export.EXPORTED)}
    assert sorted(export.published_names()) == sorted(names)
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o640, path.name

    owner_only = export.export(published.lake, tmp_path / "export", NOW, environ={})
    assert stat.S_IMODE(owner_only.folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in owner_only.files} == {0o600}
    group = grp.getgrgid(os.getegid()).gr_name
    again = export.export(published.lake, tmp_path / "export", NOW, environ={"CHU_BI_GROUP": group})
    assert stat.S_IMODE(again.folder.stat().st_mode) == 0o750
    assert {stat.S_IMODE(p.stat().st_mode) for p in again.files} == {0o640}
    assert not [p for p in again.folder.iterdir() if p.name.startswith(".")], "no temporary file left behind"


def test_the_asset_reports_its_files_rows_and_readers(published):
    metadata = published.result.asset_materializations_for_node("marts__export")[0].metadata
    assert metadata["files"].value == 1 + 2 * len(export.EXPORTED)
    assert metadata["rows"].value == sum(published.mart(n).height for n in export.EXPORTED)
    assert metadata["masked_rows"].value > 0
    assert metadata["readable_by"].value == f"owner and group {grp.getgrgid(os.getegid()).gr_name}"


def test_chu_export_writes_the_formats_asked(chu_env, published):
    import shutil

    shutil.copytree(published.data / "lake" / "marts", chu_env / "lake" / "marts")
    result = CliRunner().invoke(cli, ["export", "--format", "csv"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (chu_env / "export").iterdir()) == sorted(f"{n}.csv" for n in export.EXPORTED)
    assert f"{len(export.EXPORTED)} files written" in result.output


def test_chu_export_without_marts_says_what_to_run(chu_env):
    result = CliRunner().invoke(cli, ["export"])
    assert result.exit_code == 1
    assert "run `chu run` first" in result.output


def test_withheld_cells_read_whatever_label_the_secrecy_module_renders(published, monkeypatch, tmp_path):
    """The export renders through the secrecy module (``secrecy.withheld_cells``: where and how
    ``secrecy.records`` labels a cell, chu_platform_tests/secrecy/test_records.py), never a rule
    of its own: a label that module gives (here "s" for every withheld cell) is what the
    workbook, the CSV and the legend show."""
    cells = export.secrecy.withheld_cells

    def relabelled(df):
        return [(row, column, "s" if label == MASK else label) for row, column, label in cells(df)]

    monkeypatch.setattr(export.secrecy, "withheld_cells", relabelled)
    written = export.export(published.lake, tmp_path / "export", NOW, ("xlsx", "csv"), environ={})
    book = openpyxl.load_workbook(written.folder / export.WORKBOOK)
    shown = {c for r in book["hospitalisations_by_sex_age"].iter_rows(min_row=2, values_only=True) for c in r}
    assert "s" in shown and MASK not in shown
    legend = {r[0]: r[1] for r in book[export.README_SHEET].iter_rows(values_only=True)}
    assert legend["s"] == export.LEGEND["s"]
    text = (written.folder / "hospitalisations_by_sex_age.csv").read_text(encoding="utf-8")
    assert ",s," in text and MASK not in text


NEW_MARTS = [n for n in export.EXPORTED if n not in ANALYSES]


def _order(mart: pl.DataFrame) -> pl.DataFrame:
    keys = [c for c in ("year", "measure", "series", "month") if c in mart.columns]
    return mart.sort(keys, maintain_order=True)


def test_the_activity_indicators_and_the_forecast_have_their_sheets_and_files(published, workbook):
    """Length of stay, readmissions, census, medication use, the forecast and its backtest:
    each a sheet holding exactly the published cells (withheld ones as their labels), a CSV
    with the same labels and a Parquet file equal to the mart; defined on the read-me sheet."""
    assert NEW_MARTS == ["length_of_stay", "readmissions_30d", "census", "medication_use", "activity_forecast",
                         "forecast_backtest"]
    folder = published.data / "export"
    labels = set()
    readme = {r[0]: r for r in workbook[export.README_SHEET].iter_rows(values_only=True) if r[0] in NEW_MARTS}
    for name in NEW_MARTS:
        mart = _order(published.mart(name))
        assert mart.height > 0, name
        assert readme[name][1] == export.describe(name)[0] and readme[name][4] == mart.height, name
        assert_frame_equal(pl.read_parquet(folder / f"{name}.parquet"), mart)
        values = list(workbook[name].iter_rows(values_only=True))
        with open(folder / f"{name}.csv", encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        columns = shown_columns(mart)
        assert list(values[0]) == columns and len(values) - 1 == len(rows) == mart.height, name
        for row, rendered, cells, line in zip(mart.iter_rows(named=True), records(mart), values[1:], rows):
            for column, cell in zip(columns, cells):
                expected = row[column]
                if expected is None and isinstance(rendered[column], str):
                    assert cell == line[column] == rendered[column] and cell in export.LEGEND, (name, column, cell)
                    labels.add(cell)
                elif isinstance(expected, date):
                    assert cell == datetime(expected.year, expected.month, expected.day), (name, column)
                elif isinstance(expected, float):
                    assert cell == pytest.approx(expected, rel=1e-15, abs=0) and float(line[column]) == expected
                elif expected is not None and not isinstance(expected, bool):
                    assert cell == expected, (name, column, cell, expected)
                if column in BOUND_COUNTS and isinstance(cell, int | float):
                    assert not 1 <= cell <= 9, (name, column, cell)
    assert MASK in labels, "the synthetic activity marts withhold cells, shown by their label"


def test_a_mart_larger_than_a_sheet_says_where_its_rows_are(published, monkeypatch, tmp_path):
    """Excel holds 1 048 575 rows under a header (an xlsx writer drops or refuses the rest):
    a larger mart's sheet says so and names its CSV and Parquet files, which hold every row."""
    marts, _ = export.read_marts(published.lake)
    rows = marts["consultations_by_professional"].height
    monkeypatch.setattr(export, "SHEET_ROWS", rows - 1)
    written = export.export(published.lake, tmp_path / "export", NOW, ("xlsx", "csv"), environ={})
    book = openpyxl.load_workbook(written.folder / export.WORKBOOK)
    note = book["consultations_by_professional"]["A1"].value
    assert "consultations_by_professional.csv" in note and "consultations_by_professional.parquet" in note
    assert book["consultations_by_professional"].max_row == 1
    readme = {r[0]: r for r in book[export.README_SHEET].iter_rows(values_only=True)}
    assert "consultations_by_professional.csv" in readme["consultations_by_professional"][3]
    assert readme["consultations_by_professional"][4] == rows
    # Smaller marts keep their rows; the CSV keeps every row of the large one.
    assert book["deaths_by_region"].max_row == marts["deaths_by_region"].height + 1
    csv_rows = (written.folder / "consultations_by_professional.csv").read_text(encoding="utf-8").count("\n") - 1
    assert csv_rows == rows
