"""The patients seen but not hospitalised (denominator - numerator of the hospitalisation
rates) are a count of people of their own: no surface shows both figures of a row when they
differ by 1 to 9, and none pins the difference (``suppression.split``, one rule for the marts,
``chu query``, the BI warehouse, the export and the dashboard)."""

from __future__ import annotations

import csv
import json
from itertools import product

import dagster as dg
import duckdb
import polars as pl
import pytest
from click.testing import CliRunner

from chu_platform.cli import cli
from chu_platform.dashboard import extract, payload
from chu_platform.defs.io_manager import DeltaIOManager
from chu_platform.defs.marts import assets as mart_assets
from chu_platform.defs.resources import ChuSettings
from chu_platform.defs.warehouse import build_warehouse_asset
from chu_platform.lib import delta_store
from chu_platform.layers.marts import aggregates, analyses
from chu_platform.layers.marts.refresh import refresh_aggregates
from chu_platform.layers.marts.secrecy import publish
from chu_platform_tests.marts.conftest import synthetic_gold, write_gold

RATES = ("hospitalisation_rate", "hospitalisations_by_sex_age")


def _exposed(numerator, denominator) -> bool:
    """Both shown (numbers, not labels) and 1 to 9 apart."""
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (numerator, denominator))
    return numbers and 1 <= denominator - numerator <= 9


def test_the_rule_withholds_every_row_whose_difference_is_1_to_9_and_pins_none():
    """Every row of up to 40 patients: never both shown 1 to 9 apart; where the numerator is
    withheld beside a shown denominator, the difference keeps at least two possible values for
    a reader who knows the kinds ("<10": 1 to 9, "s": 10 or more) and that the difference is a
    count the rule protects (0, or 10 or more, or withheld)."""
    rate = analyses.get("hospitalisation_rate")
    pairs = [(n, d) for n, d in product(range(41), range(41)) if n <= d]
    frame = pl.DataFrame({"numerator": [n for n, _ in pairs], "denominator": [d for _, d in pairs]}).with_columns(
        (pl.col("numerator") / pl.col("denominator")).alias("rate"))
    shown = pl.concat([publish(frame.slice(i, 1), rate.secrecy) for i in range(frame.height)])
    withheld_rows = 0
    for (n, d), row in zip(pairs, shown.iter_rows(named=True)):
        assert not _exposed(row["numerator"], row["denominator"]), (n, d, row)
        if row["numerator"] is None and row["denominator"] is not None:
            withheld_rows += 1
            kind = row["secret_numerator"]
            possible = [v for v in range(d + 1) if (1 <= v <= 9 if kind == "<10" else v >= 10)]
            assert len({d - v for v in possible}) >= 2, (n, d, kind)
    assert withheld_rows > 100


@pytest.fixture
def built(chu_env):
    """A gold whose 2019 holds 20 patients seen, 17 of them hospitalised (3 not), 12 of them
    women aged 40-59 seen, 11 hospitalised; marts, aggregates, the BI warehouse and the export
    built on it."""
    tables = synthetic_gold()
    patients = tables["dim_patient"].filter(pl.col("patient_key") > 0).unique("patient_pseudo", keep="first")
    keys = patients.sort("patient_key")["patient_key"].to_list()[:20]
    cons = tables["fact_consultation"].filter(pl.col("year") != 2019)
    template = tables["fact_consultation"].filter(pl.col("year") == 2019).head(1)
    cons = pl.concat(how="vertical_relaxed", items=[cons, *(template.with_columns(pl.lit(900 + i).alias("consultation_id"), pl.lit(k).alias("patient_key"))
                              for i, k in enumerate(keys))])
    hosp = tables["fact_hospitalisation"].filter(pl.col("year") != 2019)
    template = tables["fact_hospitalisation"].filter(pl.col("year") == 2019).head(1)
    hosp = pl.concat(how="vertical_relaxed", items=[hosp, *(template.with_columns(pl.lit(900 + i).alias("hospitalisation_id"),
                                                    pl.lit(k).alias("patient_key")) for i, k in enumerate(keys[:17]))])
    tables["fact_consultation"], tables["fact_hospitalisation"] = cons, hosp
    lake = str(chu_env / "lake")
    write_gold(lake, tables)
    refresh_aggregates(lake)
    resources = {"settings": ChuSettings(data_dir=str(chu_env), landing_dir=str(chu_env / "landing")),
                 "io_manager": DeltaIOManager(data_dir=str(chu_env))}
    assert dg.materialize([getattr(mart_assets, name) for name in analyses.ANALYSES], resources=resources).success
    keys_ = [dg.AssetKey(["marts", n]) for n in analyses.ANALYSES]
    keys_ += [dg.AssetKey(["gold", a.table]) for a in aggregates.AGGREGATES.values()]
    assert dg.materialize([build_warehouse_asset(keys_)], resources=resources).success
    exact = analyses.published(analyses.connect_gold(lake), "hospitalisation_rate", analyses.Period.year(2019),
                               secrecy=False)
    assert exact.select("numerator", "denominator").row(0) == (17, 20), exact
    return lake


def test_no_surface_shows_patients_seen_but_not_hospitalised_from_1_to_9(built, chu_env):
    checked = 0

    def check(rows, where):
        nonlocal checked
        for row in rows:
            numerator, denominator = row["numerator"], row["denominator"]
            if isinstance(numerator, str) and numerator.lstrip("-").isdigit():  # csv
                numerator = int(numerator)
            if isinstance(denominator, str) and denominator.lstrip("-").isdigit():
                denominator = int(denominator)
            assert not _exposed(numerator, denominator), f"{where}: {row}"
            checked += 1

    for name in RATES:
        check(delta_store.read(delta_store.table_uri(built, ["marts", name])).to_dicts(), f"mart {name}")
        out = CliRunner().invoke(cli, ["query", name, "--year", "2019", "--format", "json"], catch_exceptions=False)
        check(json.loads(out.output), f"chu query {name}")
    with duckdb.connect(str(chu_env / "warehouse.duckdb"), read_only=True) as con:
        for name in RATES:
            for table in (name, f"agg_{name}"):
                check(con.sql(f'SELECT * FROM "{table}"').pl().to_dicts(), f"warehouse {table}")
    out = CliRunner().invoke(cli, ["export", "--out", str(chu_env / "exported"), "--format", "csv"],
                             catch_exceptions=False)
    assert out.exit_code == 0, out.output
    for name in RATES:
        path = next((chu_env / "exported").rglob(f"{name}.csv"))
        with path.open(encoding="utf-8-sig") as f:
            check(list(csv.DictReader(f, delimiter=";" if ";" in path.read_text(encoding="utf-8-sig")[:200] else ",")),
                  f"export {path.name}")
    gold = extract.read_gold(built)
    page = payload.build_payload(gold, payload.marts_masks(built, gold))
    for key, sel in page["sel"].items():
        check([{"numerator": sel["hd"], "denominator": sel["s"]}], f"dashboard {key}")
        check([{"numerator": r[2], "denominator": r[3]} for r in sel["pyr"]], f"dashboard pyramid {key}")
    for index, series in page["est"].items():
        check([{"numerator": h, "denominator": s} for h, s in zip(series.get("hd", []), series.get("s", []))],
              f"dashboard establishment {index}")
    whole = page["sel"]["2019-2019|all"]
    assert (whole["s"], whole["hd"]) == (20, "s")
    assert checked > 50
