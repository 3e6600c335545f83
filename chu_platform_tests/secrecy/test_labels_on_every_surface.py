"""Every surface names a withheld cell truthfully: "<10" only on a count of 1 to 9 (or a figure
computed from one), every count of 1 to 9 reads "<10", and "s" is never on one.

Surfaces: the marts (Delta), ``chu query`` in table, csv and json, the BI warehouse file (marts
and published aggregates) and the previews of the marts, the aggregates and a raw frame. The
truth is the unmasked analysis of the same year (``published(..., secrecy=False)``).
"""

from __future__ import annotations

import csv
import io
import json

import dagster as dg
import duckdb
import polars as pl
import pytest
from click.testing import CliRunner

from chu_platform.cli import cli
from chu_platform.defs.marts import assets as mart_assets
from chu_platform.defs.resources import ChuSettings
from chu_platform.defs.warehouse import build_warehouse_asset
from chu_platform.lib import delta_store
from chu_platform.defs.io_manager import DeltaIOManager
from chu_platform.lib.markdown import table_cells
from chu_platform.layers.marts import aggregates, analyses
from chu_platform.layers.marts.periods import Period
from chu_platform.layers.marts.publication import published_aggregate
from chu_platform.layers.marts.refresh import refresh_aggregates
from chu_platform.layers.marts.secrecy import COMPLEMENTARY, PRIMARY, display_cells, preview_table, secret_column

YEARS = (2019, 2020)


def _text(value) -> str:
    return "" if value is None else str(value)


class Truth:
    """The exact cells of every analysis and year, by the row's key."""

    def __init__(self, con):
        self.rows: dict[tuple, dict] = {}
        for name, analysis in analyses.ANALYSES.items():
            for year in YEARS:
                exact = analyses.published(con, name, Period.year(year), secrecy=False)
                for row in exact.iter_rows(named=True):
                    self.rows[(name, year, *(_text(row[k]) for k in analysis.key))] = row

    def check(self, name: str, year: int, row: dict, where: str) -> tuple[int, int]:
        """Assert the labels of one displayed row (column -> text); (labels seen, "s" seen)."""
        analysis = analyses.get(name)
        truth = self.rows[(name, year, *(_text(row[k]) for k in analysis.key))]
        seen = complementary = 0
        for column in analysis.secrecy.counts:
            if column not in row:
                continue
            text, exact = _text(row[column]), truth[column]
            if 1 <= exact <= 9:
                assert text == PRIMARY, f"{where}: {column} = {exact} reads {text!r}, not {PRIMARY!r}"
            elif text == PRIMARY:
                pytest.fail(f"{where}: {column} reads {PRIMARY!r} but is {exact}")
            seen += text in (PRIMARY, COMPLEMENTARY)
            complementary += text == COMPLEMENTARY
        for column, deps in analysis.secrecy.derived.items():
            if column in row and _text(row[column]) == PRIMARY:
                assert any(1 <= truth[d] <= 9 for d in deps), f"{where}: {column} reads {PRIMARY!r} from no count 1-9"
        return seen, complementary


@pytest.fixture
def surfaces(gold_in_env, chu_env):
    """Marts, aggregates and the BI warehouse built on the synthetic gold."""
    refresh_aggregates(gold_in_env.lake)
    resources = {"settings": ChuSettings(data_dir=str(chu_env), landing_dir=str(chu_env / "landing")),
                 "io_manager": DeltaIOManager(data_dir=str(chu_env))}
    marts = [getattr(mart_assets, name) for name in analyses.ANALYSES]
    result = dg.materialize(marts, resources=resources)
    assert result.success
    keys = [dg.AssetKey(["marts", n]) for n in analyses.ANALYSES]
    keys += [dg.AssetKey(["gold", a.table]) for a in aggregates.AGGREGATES.values()]
    assert dg.materialize([build_warehouse_asset(keys)], resources=resources).success
    previews = {name: result.asset_materializations_for_node(f"marts__{name}")[0].metadata["preview"].value
                for name in analyses.ANALYSES}
    return Truth(analyses.connect_gold(gold_in_env.lake)), previews


def _parse_table(text: str) -> list[dict]:
    """The rows of ``chu query``'s table format, cut at the column positions of its dashes."""
    lines = text.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("---"))
    spans, at = [], 0
    for dashes in lines[rule].split("  "):
        spans.append((at, at + len(dashes)))
        at += len(dashes) + 2
    header = [lines[rule - 1][a:b].strip() for a, b in spans]
    rows = []
    for line in lines[rule + 1:]:
        if not line.strip():
            break
        rows.append(dict(zip(header, (line[a:b].strip() for a, b in spans))))
    return rows


def test_no_surface_reads_lt10_on_a_count_of_10_or_more(surfaces, chu_env):
    truth, previews = surfaces
    labels = complementary = 0

    def tally(counts):
        nonlocal labels, complementary
        labels += counts[0]
        complementary += counts[1]

    for name in analyses.ANALYSES:
        mart = delta_store.read(delta_store.table_uri(str(chu_env / "lake"), ["marts", name]))
        for year in YEARS:
            shown = display_cells(mart.filter(pl.col("year") == year))
            for row in shown.iter_rows(named=True):
                tally(truth.check(name, year, row, f"mart {name} {year}"))
            for fmt in ("table", "csv", "json"):
                out = CliRunner().invoke(cli, ["query", name, "--year", str(year), "--format", fmt],
                                         catch_exceptions=False).output
                rows = (_parse_table(out) if fmt == "table" else json.loads(out) if fmt == "json"
                        else list(csv.DictReader(io.StringIO(out))))
                assert rows, (name, year, fmt)
                for row in rows:
                    tally(truth.check(name, year, row, f"chu query {name} --year {year} --format {fmt}"))
        latest = max(mart["year"].to_list())
        cells = list(table_cells(previews[name]))
        assert cells, name
        for column, cell in cells:
            assert cell not in ("<10", "s") or column in analyses.get(name).secrecy.columns, (name, column)
        rows = _markdown_rows(previews[name])
        assert rows, name
        for row in rows:
            if latest in YEARS:
                tally(truth.check(name, latest, row, f"preview of marts/{name}"))
    with duckdb.connect(str(chu_env / "warehouse.duckdb"), read_only=True) as con:
        for name in analyses.ANALYSES:
            for table in (name, f"agg_{name}"):
                frame = con.sql(f'SELECT * FROM "{table}" WHERE year IN {YEARS}').pl()
                for row in display_cells(frame).iter_rows(named=True):
                    tally(truth.check(name, int(row["year"]), row, f"warehouse {table}"))
    assert labels > 100 and complementary > 5, (labels, complementary)


def _markdown_rows(text: str) -> list[dict]:
    header, rows = None, []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
        elif not set("".join(cells)) <= set("-: "):
            rows.append(dict(zip(header, cells)))
    return rows


def test_previews_of_aggregates_and_of_raw_frames_name_the_kinds(gold_in_env):
    refresh_aggregates(gold_in_env.lake)
    con = analyses.connect_gold(gold_in_env.lake)
    truth = Truth(con)
    name = "hospitalisations_by_sex_age"
    raw = delta_store.read(delta_store.table_uri(gold_in_env.lake, ["gold", f"agg_{name}"])).filter(
        pl.col("year").is_in(YEARS))
    published = published_aggregate(raw, name)
    seen = 0
    for year in YEARS:
        # The preview the aggregate asset reports: its cells as the mart publishes them.
        text = preview_table(published.filter(pl.col("year") == year), rows=50)
        for row in _markdown_rows(text):
            seen += truth.check(name, year, row, f"preview of gold/agg_{name}")[1]
    assert seen, "the preview shows complementary cells as s"
    # A raw frame (a check's sample): counts 1-9 read "<10", nothing else does.
    sample = raw.select("year", "sexe", "age_band", "numerator", "denominator").head(30)
    text = preview_table(sample, rows=30)
    for row, exact in zip(_markdown_rows(text), sample.iter_rows(named=True)):
        for column in ("numerator", "denominator"):
            assert (row[column] == PRIMARY) == (1 <= exact[column] <= 9), (row, exact)


def test_published_frames_carry_the_kind_in_a_text_column_per_cell(gold_in_env):
    con = analyses.connect_gold(gold_in_env.lake)
    frame = analyses.published(con, "hospitalisations_by_sex_age", Period.year(2020))
    for column in ("numerator", "denominator", "rate"):
        kinds = frame[secret_column(column)]
        assert kinds.dtype == pl.String
        assert set(kinds.drop_nulls().to_list()) <= {PRIMARY, COMPLEMENTARY}
        assert frame.filter(pl.col(column).is_null() != kinds.is_not_null()).is_empty()
    assert frame["masked"].to_list() == frame.select(
        pl.any_horizontal(pl.col(secret_column("numerator"), secret_column("denominator")).is_not_null())
    ).to_series().to_list()
