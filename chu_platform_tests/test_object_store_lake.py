"""The lake on an S3-compatible store (a local S3 server): `chu run` writes every layer there,
and `chu query` and the warehouse file read it with the same answers as a local lake."""

import json
from pathlib import Path

import duckdb
import polars as pl
import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal

from chu_platform.cli import cli
from chu_platform.generate import Rates, generate
from chu_platform.lib import delta_store, object_store
from chu_platform.layers.marts.analyses import ANALYSES
from chu_platform_tests.conftest import set_platform_env

YEARS = (2020,)
RATES = Rates(death_duplicate=0.02, death_late=0.03, unknown_date_part=0.0, stray_bytes=0.0, truncated_line=0.0,
              overlong_line=0.0, wrong_field_count=0.0, impossible_date=0.0, unknown_diagnosis=0.02,
              noncanonical_region=0.5, unscored_establishment=0.2, professional_without_activity=0.05)
# Tables whose rows record when or how long something ran: compared by row count only.
RUN_RECORDS = {("raw", "manifest"), ("ops", "secrecy_audit"), ("ops", "query_latency")}
# Columns saying which run wrote a row and when, or which data files (named uniquely by each
# write) an aggregate was computed from: they differ between any two runs.
RUN_COLUMNS = ("_ingested_at", "_run_id", "_inputs")


def _tables(lake: Path) -> list[tuple[str, str]]:
    return sorted((p.parent.parent.name, p.parent.name) for p in lake.glob("*/*/_delta_log"))


def _run(data: Path, monkeypatch, landing: Path, dsn: str, lake_uri: str) -> None:
    set_platform_env(monkeypatch, data)
    monkeypatch.setenv("CHU_LANDING_DIR", str(landing))
    monkeypatch.setenv("CHU_SOURCE_DSN", dsn)
    monkeypatch.setenv("CHU_LAKE_URI", lake_uri)
    result = CliRunner().invoke(cli, ["run"], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def _answers() -> dict[str, object]:
    answers = {}
    for name in sorted(ANALYSES):
        result = CliRunner().invoke(cli, ["query", name, "--year", str(YEARS[-1]), "--format", "json"],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        answers[name] = json.loads(result.stdout)
    return answers


def _warehouse(data: Path, lake_uri: str) -> dict[str, list[tuple]]:
    """Every table of the published warehouse (copies) and every view of the analysts' one
    (over the lake), by file and name."""
    rows = {}
    for label, path in (("published", data / "warehouse.duckdb"), ("analysts", data / "analysts" / "warehouse.duckdb")):
        rows.update({f"{label}/{name}": content for name, content in _relations(path, lake_uri).items()})
    return rows


def _relations(path: Path, lake_uri: str) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        object_store.attach_duckdb(con, lake_uri)
        views = [row[0] for row in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal "
            "UNION ALL SELECT table_name FROM duckdb_tables() WHERE NOT internal").fetchall()]
        rows = {}
        for view in sorted(views):
            columns = [c for (c, *_) in con.execute(f'DESCRIBE "{view}"').fetchall() if c not in RUN_COLUMNS]
            listed = ", ".join(f'"{c}"' for c in columns)
            rows[view] = sorted(map(repr, con.execute(f'SELECT {listed} FROM "{view}"').fetchall()))
        return rows


def test_an_s3_lake_gives_the_local_lake_answers(tmp_path, pg_dsn, s3_lake, monkeypatch):
    landing = tmp_path / "landing"
    generate(landing, scale=0.002, seed=5, source_dsn=pg_dsn, years=YEARS, rates=RATES)
    outcomes = {}
    for name, lake_uri in (("local", ""), ("s3", s3_lake)):
        data = tmp_path / name
        with pytest.MonkeyPatch.context() as patch:
            _run(data, patch, landing, pg_dsn, lake_uri)
            outcomes[name] = (data, _answers(), _warehouse(data, lake_uri or str(data / "lake")))
    local_data, local_answers, local_views = outcomes["local"]
    s3_data, s3_answers, s3_views = outcomes["s3"]
    assert not (s3_data / "lake").exists()  # nothing of the S3 run's lake landed on local disk

    tables = _tables(local_data / "lake")
    differing: list[str] = []
    assert {layer for layer, _ in tables} >= {"raw", "bronze", "silver", "gold", "marts"}
    for layer, table in tables:
        local = delta_store.read(delta_store.table_uri(str(local_data / "lake"), [layer, table]))
        remote = delta_store.read(delta_store.table_uri(s3_lake, [layer, table]))
        local, remote = (f.drop(RUN_COLUMNS, strict=False) for f in (local, remote))
        if (layer, table) in RUN_RECORDS:
            assert remote.height == local.height, (layer, table)
            continue
        try:
            assert_frame_equal(remote.sort(remote.columns), local.sort(local.columns), check_column_order=False)
        except AssertionError as exc:
            differing.append(f"{layer}/{table}: {exc}")
    assert differing == []
    assert s3_answers == local_answers
    assert s3_views == local_views and len(s3_views) > 10
    assert {name.split("/")[0] for name in s3_views} == {"published", "analysts"}  # both warehouses read
    assert pl.scan_delta(delta_store.table_uri(s3_lake, ["gold", "fact_consultation"])).collect().height > 0
